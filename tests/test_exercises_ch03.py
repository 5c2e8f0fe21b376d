"""Notebook 03's checkers: the learner's training step against the library's, the step count, and the lr sweep asset."""

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import sae_lib
from sae_lib import checkpoint
from sae_lib import exercises as ex
from sae_lib.exercises._checking import reveal
from sae_lib.training import TrainConfig, batch_losses

ROOT = Path(__file__).resolve().parents[1]


def kl(rho, rho_hat, eps=0.0):
    return (rho * torch.log(rho / (rho_hat + eps)) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat + eps))).sum()


def step_with(loss_of=None, zero_grad="before", backward=True, steps=1, returns=lambda loss: loss.item(),
              optimiser=None):
    """A training step; each argument changes one thing from the right one."""
    def step(model, optimizer, x, rho, beta):
        x_hat, z = model(x)
        loss = loss_of(x, x_hat, z, rho, beta) if loss_of else F.mse_loss(x_hat, x) + beta * kl(rho, z.mean(dim=0))
        opt = optimiser(model) if optimiser else optimizer
        if zero_grad == "before":
            opt.zero_grad()
        if backward:
            loss.backward()
        if zero_grad == "between":
            opt.zero_grad()
        for _ in range(steps):
            opt.step()
        if zero_grad == "after":
            opt.zero_grad()
        return returns(loss)
    return step


def reference_solution(model, optimizer, x, rho, beta):
    """The notebook's reference solution."""
    x_hat, z = model(x)
    loss = ((x_hat - x) ** 2).mean() + beta * sae_lib.kl_divergence(rho, z.mean(dim=0))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def with_the_library(model, optimizer, x, rho, beta):
    recon, sparsity = batch_losses(model, x, TrainConfig(rho=rho, beta=beta))
    loss = recon + beta * sparsity
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


@pytest.mark.parametrize("answer", [
    reference_solution, with_the_library,
    step_with(),  # F.mse_loss and a hand-written KL
    step_with(returns=lambda loss: loss),  # the loss tensor itself
    step_with(returns=lambda loss: loss.detach().numpy()),  # a NumPy number
    step_with(loss_of=lambda x, x_hat, z, rho, beta: F.mse_loss(x_hat, x) + beta * kl(rho, z.mean(0), eps=1e-7)),
    step_with(loss_of=lambda x, x_hat, z, rho, beta: F.mse_loss(x_hat, x) + beta * kl(rho, z.mean(0), eps=1e-6)),
    step_with(zero_grad="after"),  # clearing the gradients after the step is as good as before the next one
])
def test_a_right_training_step_passes_in_its_common_forms(answer, capsys):
    ex.check_training_step(answer)
    assert capsys.readouterr().out == "PASS  training step\n"


@pytest.mark.parametrize("answer, hint", [
    (step_with(loss_of=lambda x, x_hat, z, rho, beta: F.mse_loss(x_hat, x)), "the reconstruction term alone"),
    (step_with(loss_of=lambda x, x_hat, z, rho, beta: F.mse_loss(x_hat, x) + kl(rho, z.mean(0))),
     "not multiplied by β"),
    (step_with(loss_of=lambda x, x_hat, z, rho, beta: ((x_hat - x) ** 2).sum() + beta * kl(rho, z.mean(0))),
     "the mean squared error, not the sum"),
    (step_with(loss_of=lambda x, x_hat, z, rho, beta: F.mse_loss(x_hat, x) + beta * kl(rho, z.mean(0)) / z.shape[1]),
     "sum the KL over the units"),
    (step_with(loss_of=lambda x, x_hat, z, rho, beta: F.mse_loss(x_hat, x) + beta * kl(rho, z.mean(1))),
     "each unit's mean over the batch (dimension 0)"),
    (step_with(loss_of=lambda x, x_hat, z, rho, beta: beta * kl(rho, z.mean(0))), "add the reconstruction term"),
    (step_with(loss_of=lambda x, x_hat, z, rho, beta: 0.5 * ((x_hat - x) ** 2).sum() / len(x) + beta * kl(rho, z.mean(0))),
     "UFLDL's ½‖x − x̂‖² averaged over the images"),
    (step_with(loss_of=lambda x, x_hat, z, rho, beta: 0.5 * ((x_hat - x) ** 2).sum() + beta * kl(rho, z.mean(0))),
     "UFLDL's per-image cost summed over the batch"),
    (step_with(loss_of=lambda x, x_hat, z, rho, beta: 0.5 * F.mse_loss(x_hat, x) + beta * kl(rho, z.mean(0))),
     "a ½ too many"),
    (step_with(loss_of=lambda x, x_hat, z, rho, beta: F.mse_loss(x_hat, x) + beta * kl(z.mean(0), rho)),
     "compare it term by term"),  # no named mistake: the loss is still compared and found wrong
    (step_with(zero_grad="never"), "step 2 (rho=0.05, beta=0.5): the gradients of the previous step were added"),
    (step_with(zero_grad="between"), "the order is optimizer.zero_grad(), loss.backward(), optimizer.step()"),
    (step_with(backward=False), "no gradient for encoder.0.weight"),
    (step_with(steps=0), "the parameters did not change: call optimizer.step()"),
    (step_with(steps=2), "optimizer.step() ran 2 times"),
    (step_with(optimiser=lambda model: torch.optim.Adam(model.parameters(), lr=1e-2)),
     "not through the optimizer you were given"),
    (step_with(optimiser=lambda model: torch.optim.SGD(model.parameters(), lr=1e-2)),
     "not through the optimizer you were given"),
])
def test_a_buggy_training_step_fails_naming_the_first_difference(answer, hint, capsys):
    ex.check_training_step(answer)
    out = capsys.readouterr().out
    assert out.startswith("FAIL  training step") and hint in out and len(out.strip().splitlines()) == 1, out


def detached_penalty(model, optimizer, x, rho, beta):
    x_hat, z = model(x)
    loss = F.mse_loss(x_hat, x) + beta * kl(rho, z.mean(0).detach())  # the right value, but no gradient to z
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def test_a_step_whose_gradient_differs_from_its_loss_fails(capsys):
    ex.check_training_step(detached_penalty)
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and "the gradient of" in out and "differs" in out, out


def todo(*args):
    raise NotImplementedError


@pytest.mark.parametrize("answer, hint", [
    (todo, "not implemented yet"),
    (None, "expected a function"),
    (..., "expected a function"),
    (step_with(returns=lambda loss: None), "returned None: return the loss"),
    (step_with(returns=lambda loss: [loss.item()]), "return the loss as one number"),
    (step_with(returns=lambda loss: "0.1"), "return the loss as one number"),
    (step_with(returns=lambda loss: torch.stack([loss, loss])), "return the loss as one number"),
    (lambda model, optimizer, x, rho, beta: model(x.T), "ValueError"),  # a learner's crash
    (lambda model, optimizer: None, "TypeError"),  # the wrong signature
])
def test_an_unfinished_or_crashing_step_is_a_fail_with_a_hint_never_a_crash(answer, hint, capsys):
    ex.check_training_step(answer)
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and hint in out and len(out.strip().splitlines()) == 1, out


def test_the_step_checker_leaves_the_global_random_state_to_the_learner(capsys):
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    ex.check_training_step(reference_solution)
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize("answer", [lambda n, b, e: e * math.ceil(n / b), lambda n, b, e: e * (-(-n // b)),
                                    lambda n, b, e: np.int64(e * math.ceil(n / b)),
                                    lambda n, b, e: torch.tensor(e * math.ceil(n / b))])
def test_steps_passes_a_right_count(answer, capsys):
    ex.check_steps(answer)
    assert capsys.readouterr().out.startswith("PASS")


@pytest.mark.parametrize("answer, hint", [
    (lambda n, b, e: e * (n // b), "the last, smaller batch of each epoch is a step too"),
    (lambda n, b, e: math.ceil(e * n / b), "count the steps of one epoch, then multiply"),
    (lambda n, b, e: e * n / b, "expected a whole number"),
    (lambda n, b, e: n // b, "Count the batches of one epoch first"),
    (todo, "not implemented yet"),
    (lambda n, b, e: None, "returned None"),
    (lambda n, b, e: n / 0, "ZeroDivisionError"),
])
def test_steps_fails_with_a_hint_that_does_not_give_the_formula(answer, hint, capsys):
    ex.check_steps(answer)
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and hint in out and "ceil(" not in out, out


@pytest.mark.parametrize("wrong", ["stuck", "unstable"])
def test_the_diagnosis_question_does_not_name_its_answer_on_a_wrong_one(wrong, capsys):
    ex.check_prediction("why the 1e-3 run did not learn", wrong)
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and "slow" not in out and "plateau" not in out
    assert out.split(": ", 1)[1].strip() == f"not {wrong!r}: " + reveal("why the 1e-3 run did not learn")[3][wrong]


def test_the_shipped_lr_sweep_verifies_and_holds_what_notebook_03_reads():
    sweep = json.loads(checkpoint.verify_asset("lr_sweep.json").read_text())
    assert sorted({(run["lr"], run["seed"]) for run in sweep["runs"]}) == [
        (lr, seed) for lr in (1e-3, 3e-3, 1e-2, 3e-2) for seed in (0, 1, 2)]
    assert [(run["lr"], run["seed"]) for run in sweep["long_runs"]] == [(1e-3, 0), (1e-3, 1), (1e-3, 2)]
    for run in sweep["runs"] + sweep["long_runs"]:
        assert len(run["epoch_steps"]) == len(run["test_recon"]) == len(run["train_recon"]) > 1
        assert run["epoch_steps"][-1] == run["steps"]
    assert 0 < sweep["mean_image_test_mse"] < 1 and sweep["data"].startswith("offline")
    assert sweep["command"].startswith("python scripts/sweep_learning_rates.py")


def test_the_sweep_script_runs_a_few_steps_and_records_its_checksum(tmp_path):
    result = subprocess.run([sys.executable, "scripts/sweep_learning_rates.py", "--steps", "32", "--long-steps", "64",
                             "--lrs", "1e-2", "3e-2", "--seeds", "0", "--out", str(tmp_path)],
                            cwd=ROOT, check=True, capture_output=True, text=True, timeout=600)
    assert "variance explained" in result.stdout
    sweep = json.loads((tmp_path / "lr_sweep.json").read_text())
    assert [run["lr"] for run in sweep["runs"]] == [1e-2, 3e-2] and sweep["long_runs"][0]["lr"] == 1e-2
    assert sweep["runs"][0]["steps"] == 32 and sweep["long_runs"][0]["steps"] == 64
    sums = json.loads((tmp_path / "checksums.json").read_text())
    assert sums["lr_sweep.json"] == checkpoint.file_digest(tmp_path / "lr_sweep.json")
