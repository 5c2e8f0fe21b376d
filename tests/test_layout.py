"""The library's two halves: the SAE modules (and `import sae_lib` itself) never import the language-model half."""

import subprocess
import sys

import pytest

CORE = ["penalties", "model", "data", "training", "metrics", "plots", "checkpoint", "widgets", "neural",
        "superposition", "frontier", "cli", "grading"]


def test_sae_half_does_not_import_the_language_model():
    code = ("import sys, importlib; [importlib.import_module('sae_lib.' + m) for m in sys.argv[1:]]; "
            "print(sorted(m for m in sys.modules if m.startswith('sae_lib.lm')))")
    out = subprocess.run([sys.executable, "-c", code, *CORE], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", f"the SAE half pulls in {out.strip()} (exercises import sae_lib.lm inside functions)"


@pytest.mark.parametrize("module", ["penalties", "model", "data"])
def test_foundations_import_nothing_of_the_package(module):
    source = open(f"sae_lib/{module}.py").read()
    assert "from ." not in source and "import sae_lib" not in source
