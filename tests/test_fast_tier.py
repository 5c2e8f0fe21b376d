"""The fast tier's rules (tests/conftest.py) hold: a script's smoke run is slow wherever it is written, a plain
test is not, and an over-long fast test fails instead of quietly making `make test-fast` slower."""

import ast
from pathlib import Path

import conftest
import pytest

TESTS = Path(__file__).resolve().parent
SCRIPTS = TESTS.parent / "scripts"


def _test_functions():
    """(file, name, source) of every module-level test function in tests/."""
    for path in sorted(TESTS.glob("test_*.py")):
        text = path.read_text()
        for node in ast.parse(text).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                yield path.name, node.name, ast.get_source_segment(text, node)


def _plain():
    """A test body that names no script."""
    assert sum([1, 2]) == 3


def test_a_smoke_run_of_a_script_is_slow_and_a_plain_test_is_not():
    def smoke(tmp_path):
        subprocess.run([sys.executable, "scripts/sweep_frontier.py", "--out", str(tmp_path)])  # noqa: F821

    def formatted(script):
        subprocess.run([sys.executable, f"scripts/{script}"])  # noqa: F821

    assert conftest.runs_a_script(smoke) and conftest.runs_a_script(formatted)
    assert not conftest.runs_a_script(_plain) and not conftest.runs_a_script(len)  # len: no source to read


def test_a_test_that_starts_python_is_slow():
    def through_the_interpreter():
        subprocess.run([sys.executable, "-m", "sae_lib", "--help"])  # noqa: F821

    def through_the_cli_helper():
        run_cli("train", "--lr", "-1")  # noqa: F821

    assert conftest.starts_python(through_the_interpreter) and conftest.starts_python(through_the_cli_helper)
    assert not conftest.starts_python(_plain) and not conftest.starts_python(len)


def test_every_training_script_has_a_smoke_run_and_each_is_in_the_slow_tier():
    """Each scripts/sweep_*.py and train_*.py is named by some test, and the tests that run scripts are slow."""
    every_test = "".join(path.read_text() for path in TESTS.glob("test_*.py"))
    for script in sorted(SCRIPTS.glob("sweep_*.py")) + sorted(SCRIPTS.glob("train_*.py")):
        assert script.name in every_test, f"{script.name} has no smoke run"
    smoke = [(file, name) for file, name, source in _test_functions() if conftest._SCRIPT.search(source)]
    assert len(smoke) >= 8, smoke  # the sweeps, the asset scripts, the corpus: all slow by conftest's rule


def test_a_fast_test_over_the_cpu_limit_fails(pytester):
    pytester.makeconftest((TESTS / "conftest.py").read_text())
    pytester.makepyfile(test_spin="""
        import time
        import pytest

        def _spin(seconds):
            end = time.process_time() + seconds
            while time.process_time() < end:
                pass

        def test_quick():
            _spin(0.05)

        def test_long():
            _spin(0.3)

        @pytest.mark.slow
        def test_long_but_slow():
            _spin(0.3)
    """)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-o", "addopts=", "-m", "not slow")
    result.assert_outcomes(passed=1, failed=1, deselected=1)
    result.stdout.fnmatch_lines(["*test_long took * s of CPU, over the fast tier's 0.2 s a test*"])


def test_on_a_busy_machine_an_over_long_fast_test_is_reported_not_failed(pytester, monkeypatch):
    monkeypatch.setenv("FAST_TEST_LIMIT_S", "0.2")
    monkeypatch.setenv("FAST_TEST_MAX_LOAD", "-1")  # every machine counts as busy
    pytester.makeconftest((TESTS / "conftest.py").read_text())
    pytester.makepyfile(test_spin="""
        import time

        def test_long():
            end = time.process_time() + 0.3
            while time.process_time() < end:
                pass
    """)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-o", "addopts=")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*fast tier over its time limits*", "*test_long took * (not failed: *"])


def test_a_fast_tier_over_its_total_limit_fails_though_each_test_is_quick(pytester, monkeypatch):
    monkeypatch.setenv("FAST_TIER_LIMIT_S", "0.3")
    monkeypatch.setenv("FAST_TEST_MAX_LOAD", "1000")  # judge it even on a busy machine
    pytester.makeconftest((TESTS / "conftest.py").read_text())
    pytester.makepyfile(test_wait="""
        import time

        def test_one():
            time.sleep(0.2)

        def test_two():
            time.sleep(0.2)
    """)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-o", "addopts=", "-m", "not slow")
    assert result.ret == 1
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*the fast tier took * s, over FAST_TIER_LIMIT_S = 0.3 s*"])
    chosen = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-o", "addopts=", "-m", "not slow", "-k", "one")
    assert chosen.ret == 0  # a chosen subset is not the tier


@pytest.fixture(autouse=True)
def _low_limit(monkeypatch, request):
    if request.node.name == "test_a_fast_test_over_the_cpu_limit_fails":
        monkeypatch.setenv("FAST_TEST_LIMIT_S", "0.2")
        monkeypatch.setenv("FAST_TEST_MAX_LOAD", "1000")  # judge it even on a busy machine
