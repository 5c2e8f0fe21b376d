"""Binder and conda: the environments match pyproject.toml, repo2docker picks binder/, postBuild installs sae_lib."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"pytorch": "torch", "pytorch-cpu": "torch"}  # conda package → the PyPI name pyproject uses


def requirement(text: str) -> tuple[str, str]:
    """'ipywidgets>=8.1,<9' → ('ipywidgets', '>=8.1,<9'), names normalised as pip does."""
    name, spec = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", text.strip()).groups()
    name = CONDA_NAMES.get(name.lower(), name.lower()).replace("-", "_")
    return name, spec.replace(" ", "")


def pyproject_course() -> dict[str, str]:
    """pyproject.toml's dependencies plus the `course` extra, by name."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return dict(requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["course"])


def conda_packages(path: Path) -> dict[str, str]:
    """The conda packages an environment file lists (python and pip aside), by PyPI name."""
    deps = yaml.safe_load(path.read_text())["dependencies"]
    names = [d for d in deps if isinstance(d, str) and not d.startswith(("python=", "pip"))]
    return dict(requirement(d) for d in names)


@pytest.mark.parametrize("env_file", ["environment.yml", "binder/environment.yml"])
def test_conda_environments_list_what_pyproject_lists(env_file):
    assert conda_packages(ROOT / env_file) == pyproject_course()


def test_binder_uses_cpu_only_pytorch_and_pinned_widgets():
    deps = yaml.safe_load((ROOT / "binder" / "environment.yml").read_text())["dependencies"]
    assert any(d.startswith("pytorch-cpu") for d in deps) and not any(d.startswith("pytorch>") for d in deps)
    course = pyproject_course()
    assert course["ipywidgets"].startswith(">=8.1") and course["jupyterlab_widgets"].startswith(">=3.0")


@pytest.mark.slow
def test_repo2docker_picks_the_binder_folder():
    """repo2docker's own detection, run without building: the Dockerfile it would use."""
    exe = Path(sys.executable).parent / "jupyter-repo2docker"
    result = subprocess.run([str(exe), "--no-build", "--no-run", "--debug", str(ROOT)],
                            capture_output=True, text=True, timeout=300)
    dockerfile = result.stdout + result.stderr
    assert result.returncode == 0, dockerfile[-2000:]
    assert "Building conda environment for python=3.11" in dockerfile
    assert '--file "binder/environment.yml"' in dockerfile and "RUN ./binder/postBuild" in dockerfile
    assert "src/environment.yml" not in dockerfile  # the top-level file is ignored when binder/ exists


@pytest.mark.slow
def test_postbuild_installs_sae_lib_in_a_scratch_environment(tmp_path):
    """Binder runs postBuild from the repository root: afterwards sae_lib imports from there, caches are gone."""
    keep = {"pyproject.toml", "README.md", "sae_lib", "binder"}
    repo = tmp_path / "repo"
    shutil.copytree(ROOT, repo, ignore=lambda d, names: [n for n in names if Path(d) == ROOT and n not in keep]
                    or [n for n in names if n == "__pycache__"])
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(env)], check=True, timeout=300)
    home = tmp_path / "home"
    (home / ".cache").mkdir(parents=True)
    run_env = {**os.environ, "PATH": f"{env / 'bin'}:{os.environ['PATH']}", "HOME": str(home)}
    result = subprocess.run(["bash", "binder/postBuild"], cwd=repo, env=run_env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    # Binder's conda environment brings torch & co.; the scratch venv has none, so locate sae_lib without importing it.
    find = "import importlib.util; print(importlib.util.find_spec('sae_lib').origin)"
    where = subprocess.run([str(env / "bin" / "python"), "-c", find],
                           capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert where.stdout.strip() == str(repo / "sae_lib" / "__init__.py"), where.stderr[-2000:]
    assert not (home / ".cache").exists()
