"""Write a benchmark's measured table into README.md between its markers, and to benchmarks/results/."""

from __future__ import annotations

import platform
import re
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    """One line describing where the numbers were measured."""
    device = torch.cuda.get_device_name() if torch.cuda.is_available() else f"CPU, {torch.get_num_threads()} threads"
    return f"{platform.machine()}, {device}, torch {torch.__version__}"


def publish(name: str, markdown: str, command: str) -> None:
    """Save `markdown` as benchmarks/results/NAME.md and replace the README block <!-- NAME --> … <!-- /NAME -->."""
    block = f"{markdown.strip()}\n\nMeasured with `{command}` on {machine()}."
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / f"{name}.md").write_text(block + "\n")
    readme = ROOT / "README.md"
    text = readme.read_text()
    pattern = re.compile(rf"(<!-- {name} -->).*?(<!-- /{name} -->)", re.S)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no <!-- {name} --> … <!-- /{name} --> block to fill")
    readme.write_text(pattern.sub(lambda m: f"{m.group(1)}\n{block}\n{m.group(2)}", text))
    print(block)
