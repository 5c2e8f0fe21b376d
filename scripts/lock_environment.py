"""Write requirements/lock.txt: the exact versions of the course's environment, as installed where it was tested.

It starts from pyproject.toml's dependencies and the extras asked for (the `course` extra by default: what a
learner needs to open the notebooks) and follows every requirement through the installed packages' own
metadata, so the lock holds the whole tree and nothing else (no test or book tools). A requirement's
environment marker (e.g. CUDA wheels on Linux only) is kept on its line, so one lock serves Linux, macOS and
Windows. sae_lib itself is not in it: install it from the tag with `--no-deps` (README, "How to pin a term").

    .venv/bin/python scripts/lock_environment.py                  # after `make test` passed in that .venv
    .venv/bin/python scripts/lock_environment.py --extra course --extra book --out requirements/lock-book.txt
"""

from __future__ import annotations

import argparse
import importlib.metadata as metadata
import platform
import sys
from pathlib import Path

import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "requirements" / "lock.txt"


def top_requirements(root: Path, extras: list[str]) -> list[Requirement]:
    """pyproject.toml's dependencies plus those of each extra named."""
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    optional = project.get("optional-dependencies", {})
    unknown = [e for e in extras if e not in optional]
    if unknown:
        raise SystemExit(f"--extra must be one of {sorted(optional)}, got {unknown}")
    return [Requirement(r) for r in project["dependencies"] + [r for e in extras for r in optional[e]]]


def _marker_text(requirement: Requirement) -> str | None:
    """A requirement's marker as text when it is about the platform (not an `extra == …` of its parent)."""
    if requirement.marker is None or "extra" in str(requirement.marker):
        return None
    return str(requirement.marker)


def locked(requirements: list[Requirement]) -> dict[str, tuple[str, str | None]]:
    """Every installed distribution the requirements reach: canonical name → (version, platform marker or None)."""
    found: dict[str, tuple[str, str | None]] = {}
    queue = [(r, _marker_text(r)) for r in requirements]
    while queue:
        requirement, marker = queue.pop()
        name = canonicalize_name(requirement.name)
        if name in found or name == "sae-lib":
            continue
        if requirement.marker is not None and marker is None and not requirement.marker.evaluate({"extra": ""}):
            continue  # an optional extra of the parent, not installed for it
        try:
            distribution = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            if marker is not None:  # needed on another platform only
                continue
            raise SystemExit(f"{requirement.name} is required but not installed here: lock from the tested .venv") \
                from None
        found[name] = (distribution.version, marker)
        wanted_extras = requirement.extras
        for text in distribution.requires or []:
            child = Requirement(text)
            if child.marker is not None and "extra" in str(child.marker):
                if not any(child.marker.evaluate({"extra": e}) for e in wanted_extras):
                    continue
                queue.append((child, marker))
                continue
            queue.append((child, marker or _marker_text(child)))
    return found


def lock_text(found: dict[str, tuple[str, str | None]], extras: list[str]) -> str:
    """The lock file: a header saying where and how it was made, then `name==version[ ; marker]` sorted."""
    header = [
        "# The course's tested environment (generated: do not edit by hand).",
        f"# pyproject.toml's dependencies + extras {', '.join(extras) or '(none)'}, as installed in the .venv where",
        f"# the tests passed (Python {platform.python_version()}, {platform.system()} {platform.machine()}).",
        "# Regenerate: .venv/bin/python scripts/lock_environment.py",
        "# Install:    pip install -r requirements/lock.txt && pip install --no-deps -e .",
    ]
    lines = [f"{name}=={version}" + (f" ; {marker}" if marker else "")
             for name, (version, marker) in sorted(found.items())]
    return "\n".join(header + lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", action="append", help="an extra of pyproject.toml to include (default: course)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default {OUT.relative_to(ROOT)})")
    parser.add_argument("--root", type=Path, default=ROOT, help="project root (default: this checkout)")
    args = parser.parse_args(argv)
    extras = args.extra or ["course"]
    found = locked(top_requirements(args.root, extras))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(lock_text(found, extras))
    print(f"{len(found)} packages locked in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
