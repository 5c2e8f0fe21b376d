"""Write the launch header at the top of every notebook, and the launch links and notebook list into README.md.

The header is two cells: a badge row ("Open in Colab", "Launch Binder") with the licence line under it,
and a set-up cell that, on Colab only, installs sae_lib from the repository. The repository URL is defined
in one place, pyproject.toml ([project.urls] Repository), and the version in one place,
sae_lib/_version.py: every link opens the version's tag (`v0.2.0`), not `main`, so a term that pins a
version gets the notebooks and library it was tested with. This script writes both into every
notebooks/*.py, its paired .ipynb (the other cells keep their outputs) and the marked blocks of
README.md, where it also copies the course index from notebooks/README.md. Run it after changing the URL
or the version, or adding a notebook:

    python scripts/sync_notebook_headers.py          # update the files
    python scripts/sync_notebook_headers.py --check  # only list what is out of date (exit 1 if any)
    python scripts/sync_notebook_headers.py --only README.md  # one file (here the README) alone
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

import jupytext
import nbformat
import tomllib
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
TAG = "launch-header"  # marks the header cells, so that a later run finds and replaces them
EXPLORER = "notebooks/sparsity_explorer.ipynb"
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"
VOILA_BADGE = "https://img.shields.io/badge/Voil%C3%A0-sparsity%20explorer-F37726"
LICENCE = (
    "Prose and figures © The sparse-autoencoder course contributors, "
    "[CC BY 4.0](https://creativecommons.org/licenses/by/4.0/); code [MIT]({repository}/blob/{ref}/LICENSE)."
)
SETUP = """\
# Set-up for Google Colab (anywhere else this cell does nothing): install sae_lib from the course
# repository. Colab already has torch, torchvision, matplotlib, seaborn, scikit-learn and ipywidgets,
# so --no-deps keeps its versions (upgrading ipywidgets mid-session would need a restart).
import sys

if "google.colab" in sys.modules:
    %pip install -q --no-deps "sae_lib @ git+{repository}@{ref}"
    from sae_lib.widgets import enable_colab_widgets

    enable_colab_widgets()  # Colab's custom widget manager, so the sliders show"""


def repository_url(root: Path) -> str:
    """The repository URL, from pyproject.toml [project.urls] Repository (a GitHub repository)."""
    urls = tomllib.loads((root / "pyproject.toml").read_text())["project"].get("urls", {})
    url = urls.get("Repository", "")
    if not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url):
        raise SystemExit(
            f"pyproject.toml [project.urls] Repository is {url!r}; it must be https://github.com/OWNER/NAME "
            "(Colab and Binder open GitHub repositories)"
        )
    return url


def course_version(root: Path) -> str:
    """The course's version, from sae_lib/_version.py (read as text: the library need not be importable here)."""
    tree = ast.parse((root / "sae_lib" / "_version.py").read_text())
    versions = [n.value.value for n in tree.body if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)
                and any(getattr(t, "id", None) == "__version__" for t in n.targets)]
    if len(versions) != 1 or not re.fullmatch(r"\d+\.\d+\.\d+", str(versions[0])):
        raise SystemExit(f"sae_lib/_version.py must set __version__ = 'X.Y.Z' once, found {versions}")
    return versions[0]


def release_ref(root: Path) -> str:
    """The git tag every launch link opens: `v` + the course's version."""
    return f"v{course_version(root)}"


def colab_url(repository: str, path: str, ref: str) -> str:
    """Colab opening the notebook at `path` (from the repository root) at the tag or branch `ref`."""
    return f"https://colab.research.google.com/github/{repository.removeprefix('https://github.com/')}/blob/{ref}/{path}"


def binder_url(repository: str, urlpath: str, ref: str) -> str:
    """Binder starting the repository at the tag or branch `ref` and opening `urlpath` (e.g. lab/tree/notebooks)."""
    return f"https://mybinder.org/v2/gh/{repository.removeprefix('https://github.com/')}/{ref}?urlpath={urlpath}"


def header_cells(repository: str, path: str, ref: str, install_ref: str | None = None) -> list[NotebookNode]:
    """The two header cells of the notebook at `path` (opened at `ref`): the badge row with the licence line,
    and the Colab set-up cell, which installs sae_lib at `install_ref` (default `ref`)."""
    badges = (
        f"[![Open In Colab]({COLAB_BADGE})]({colab_url(repository, path, ref)}) "
        f"[![Launch Binder]({BINDER_BADGE})]({binder_url(repository, 'lab/tree/' + path, ref)})\n\n"
        + LICENCE.format(repository=repository, ref=install_ref or ref)
    )
    setup = SETUP.format(repository=repository, ref=install_ref or ref)
    return [
        new_markdown_cell(badges, metadata={"tags": [TAG]}, id="launch-badges"),
        new_code_cell(setup, metadata={"tags": [TAG]}, id="launch-setup"),
    ]


def is_header(cell: NotebookNode) -> bool:
    """Whether a cell is one of the header cells this script writes."""
    return TAG in cell.metadata.get("tags", [])


def same_cells(a: list[NotebookNode], b: list[NotebookNode]) -> bool:
    """Whether two cell lists hold the same types, sources and tags (outputs and run metadata aside)."""
    return [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in a] == [
        (c.cell_type, c.source, c.metadata.get("tags", [])) for c in b
    ]


def with_header(cells: list[NotebookNode], header: list[NotebookNode]) -> list[NotebookNode]:
    """The cells with `header` on top in place of any earlier header (returned as they are if it is there)."""
    n = len(header)
    if same_cells(cells[:n], header) and not any(is_header(c) for c in cells[n:]):
        return cells
    return header + [c for c in cells if not is_header(c)]


def py_text(text: str, header: list[NotebookNode]) -> str:
    """A jupytext percent script with the header, keeping its YAML front matter byte for byte."""
    front = re.match(r"(# ---\n.*?\n# ---\n\n)?", text, re.DOTALL).group(0)
    notebook = jupytext.reads(text, fmt="py:percent")
    cells = with_header(notebook.cells, header)
    plain = new_notebook(cells=cells, metadata={"jupytext": {"notebook_metadata_filter": "-all"}})
    return front + jupytext.writes(plain, fmt="py:percent")


def ipynb_text(text: str, header: list[NotebookNode]) -> str:
    """A .ipynb with the header; every other cell, its outputs and metadata, is kept."""
    notebook = nbformat.reads(text, as_version=4)
    notebook.cells = with_header(notebook.cells, header)
    return nbformat.writes(notebook) + "\n"


def notebook_table(root: Path) -> str:
    """The table of notebooks/README.md (the course index), its links made relative to the project root."""
    rows = [line for line in (root / "notebooks" / "README.md").read_text().splitlines() if line.startswith("|")]
    return "\n".join(re.sub(r"\]\((?!https?:)", "](notebooks/", row) for row in rows)


def readme_blocks(repository: str, first_notebook: str, table: str, ref: str) -> dict[str, str]:
    """The README's generated blocks by marker name: badge row, clone command, notebook table."""
    badges = (
        f"[![Launch Binder]({BINDER_BADGE})]({binder_url(repository, 'lab/tree/notebooks', ref)}) "
        f"[![Open In Colab]({COLAB_BADGE})]({colab_url(repository, first_notebook, ref)}) "
        f"[![Voilà: sparsity explorer]({VOILA_BADGE})]({binder_url(repository, 'voila/render/' + EXPLORER, ref)})"
    )
    clone = f"```bash\ngit clone {repository}.git\ncd {repository.rsplit('/', 1)[1]}\n```"
    return {"badges": badges, "clone": clone, "notebooks": table}


def readme_text(text: str, blocks: dict[str, str]) -> str:
    """README text with each `<!-- name -->` ... `<!-- /name -->` block filled in."""
    for name, body in blocks.items():
        block = re.compile(rf"<!-- {name} -->\n.*?<!-- /{name} -->", re.DOTALL)
        if not block.search(text):
            raise SystemExit(f"README.md has no '<!-- {name} -->' ... '<!-- /{name} -->' block; "
                             "add the two markers on their own lines")
        text = block.sub(lambda _, name=name, body=body: f"<!-- {name} -->\n{body}\n<!-- /{name} -->", text)
    return text


def planned_texts(root: Path) -> dict[Path, str]:
    """Every file this script manages, mapped to the text it should hold (paired .ipynb before its .py)."""
    repository, ref = repository_url(root), release_ref(root)
    scripts = sorted((root / "notebooks").glob("*.py"))
    if not scripts:
        raise SystemExit(f"no notebooks (*.py) in {root / 'notebooks'}")
    texts = {}
    for script in scripts:
        ipynb = script.with_suffix(".ipynb")
        header = header_cells(repository, ipynb.relative_to(root).as_posix(), ref)
        if ipynb.exists():
            texts[ipynb] = ipynb_text(ipynb.read_text(), header)
        texts[script] = py_text(script.read_text(), header)
    first = scripts[0].with_suffix(".ipynb").relative_to(root).as_posix()
    blocks = readme_blocks(repository, first, notebook_table(root), ref)
    texts[root / "README.md"] = readme_text((root / "README.md").read_text(), blocks)
    return texts


def main(argv: list[str] | None = None) -> int:
    """Update (or with --check, only list) the files whose launch header or links are out of date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if any file is out of date")
    parser.add_argument("--root", type=Path, default=ROOT, help="project root (default: this checkout)")
    parser.add_argument("--only", nargs="+", metavar="PATH", help="only these files (relative to the root)")
    args = parser.parse_args(argv)
    planned = planned_texts(args.root)
    if args.only:
        wanted = {(args.root / name).resolve() for name in args.only}
        unknown = wanted - {p.resolve() for p in planned}
        if unknown:
            raise SystemExit(f"--only: not a file this script manages: {sorted(map(str, unknown))}")
        planned = {p: text for p, text in planned.items() if p.resolve() in wanted}
    stale = {path: text for path, text in planned.items() if path.read_text() != text}
    for path, text in stale.items():
        print(f"{'out of date' if args.check else 'updated'}: {path.relative_to(args.root)}")
        if not args.check:
            path.write_text(text)
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
