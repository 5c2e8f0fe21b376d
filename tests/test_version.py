"""One version, written in sae_lib/_version.py: pyproject.toml reads it, sae_lib.__version__ is it, CITATION.cff
and CHANGELOG.md name it; the licences are where the README says; requirements/lock.txt satisfies pyproject.toml."""

import importlib.util
import re
import sys
from pathlib import Path

import pytest
import tomllib
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import sae_lib

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
spec = importlib.util.spec_from_file_location("lock_environment", ROOT / "scripts" / "lock_environment.py")
lock = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lock)


def test_the_version_is_defined_once_and_read_everywhere():
    assert re.fullmatch(r"\d+\.\d+\.\d+", sae_lib.__version__)
    assert "version" not in PYPROJECT["project"] and "version" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "sae_lib._version.__version__"}
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["version"] == sae_lib.__version__
    assert f"## [{sae_lib.__version__}]" in (ROOT / "CHANGELOG.md").read_text()


def test_citation_names_the_holder_licences_and_repository():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0" and citation["title"]
    assert citation["authors"] == [{"name": "The sparse-autoencoder course contributors"}]
    assert set(citation["license"]) == {"MIT", "CC-BY-4.0"}
    assert citation["repository-code"] == PYPROJECT["project"]["urls"]["Repository"]


def test_licence_files_name_the_holder_and_the_readme_states_them():
    code, content = (ROOT / "LICENSE").read_text(), (ROOT / "LICENSE-content.md").read_text()
    assert code.startswith("MIT License") and "The sparse-autoencoder course contributors" in code
    assert "CC BY 4.0" in content and "creativecommons.org/licenses/by/4.0" in content
    readme = (ROOT / "README.md").read_text()
    assert "[LICENSE](LICENSE)" in readme and "[LICENSE-content.md](LICENSE-content.md)" in readme
    assert "CC BY-SA 3.0" in readme  # the bundled data's licences stay listed
    assets = (ROOT / "sae_lib" / "assets" / "README.md").read_text()
    assert all(name in assets for name in ("astronaut", "camera", "chelsea", "coffee", "grass", "gravel", "moon",
                                           "rocket"))


def locked_versions(path: Path) -> dict[str, str]:
    lines = [line.split(";")[0].strip() for line in path.read_text().splitlines() if line and not line.startswith("#")]
    return {canonicalize_name(n): v for n, v in (line.split("==") for line in lines)}


def test_the_lock_pins_every_course_requirement_within_pyproject_bounds():
    versions = locked_versions(ROOT / "requirements" / "lock.txt")
    for text in PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["course"]:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in versions, f"{name} is not in requirements/lock.txt: regenerate it"
        assert requirement.specifier.contains(versions[name], prereleases=True), (name, versions[name], text)
    assert "sae-lib" not in versions and "pytest" not in versions and "playwright" not in versions


def test_every_course_dependency_has_an_upper_bound():
    for text in PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["course"]:
        assert any(s.operator in ("<", "<=", "==", "~=") for s in Requirement(text).specifier), text


def test_lock_walks_the_installed_tree_and_refuses_an_unknown_extra(tmp_path):
    found = lock.locked([Requirement("nbformat")])
    assert {"nbformat", "jsonschema", "traitlets"} <= set(found)
    assert all(version for version, _ in found.values())
    text = lock.lock_text(found, ["course"])
    assert text.startswith("# The course's tested environment") and "nbformat==" in text
    with pytest.raises(SystemExit, match="--extra must be one of"):
        lock.top_requirements(ROOT, ["nonsense"])
    assert sys.version_info >= (3, 10)
