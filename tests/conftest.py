"""Shared fixtures: small real MNIST data from the offline sample. The fast tier's rules live here too:
notebook tests (nbval), every test that runs a script from scripts/ and every test that starts a Python process
count as slow, and a fast test that takes more than FAST_TEST_LIMIT_S seconds of CPU fails, so that
`make test-fast` stays within about a minute."""

from __future__ import annotations

import inspect
import os
import re
import time

import pytest

from sae_lib.data import load_offline_mnist

pytest_plugins = ["pytester"]  # tests/test_fast_tier.py runs the rules below on a made-up test file

#: The most CPU seconds (its own and its child processes': a busy machine inflates CPU time far less than wall
#: time) that one test of the fast tier may take. A training run or a script's smoke run costs more and belongs
#: in the slow tier; a CLI test that starts Python takes about 2 s, and a loaded machine can add half again.
FAST_TEST_LIMIT_S = float(os.environ.get("FAST_TEST_LIMIT_S", "10"))
#: Above this load average (runnable processes per core) CPU times are inflated by contention too, so an over-long
#: fast test is reported at the end instead of failed: the limit is judged on a machine quiet enough to measure.
FAST_TEST_MAX_LOAD = float(os.environ.get("FAST_TEST_MAX_LOAD", "1.0"))
#: The most seconds the whole fast tier may take (pytest's own count, collection included), judged like the per-test
#: limit: only when `-m "not slow"` runs every test path, on a machine quiet enough to measure.
FAST_TIER_LIMIT_S = float(os.environ.get("FAST_TIER_LIMIT_S", "60"))
_over_limit: list[str] = []
_session_start: list[float] = []
_SCRIPT = re.compile(r"""scripts/(\{|[\w.]+\.py)""")  # a path into scripts/, literal or formatted
# A new Python process (sys.executable, or test_cli's run_cli helper): importing torch costs it 3-9 s of CPU.
_PROCESS = re.compile(r"""sys\.executable|\brun_cli\(""")


@pytest.fixture(scope="session")
def mnist():
    """The offline 5,000-image MNIST sample (4,000 train / 1,000 test)."""
    return load_offline_mnist()


def _source(function: object) -> str:
    """A test function's own source ('' when there is none to read: a builtin, a generated function)."""
    try:
        return inspect.getsource(function)
    except (OSError, TypeError):
        return ""


def runs_a_script(function: object) -> bool:
    """Whether a test function's own source names a script under scripts/ (a smoke run: slow by rule)."""
    return bool(_SCRIPT.search(_source(function)))


def starts_python(function: object) -> bool:
    """Whether a test function's own source starts a Python process (its imports alone: slow by rule)."""
    return bool(_PROCESS.search(_source(function)))


def pytest_collection_modifyitems(items):
    """Mark `slow` every notebook cell collected by nbval, every test that runs a script from scripts/ and every
    test that starts a Python process: `make test-fast` leaves them to `make test`."""
    for item in items:
        function = getattr(item, "function", None)
        if item.nodeid.endswith(".ipynb") or ".ipynb::" in item.nodeid:
            item.add_marker(pytest.mark.slow)
        elif runs_a_script(function) or starts_python(function):
            item.add_marker(pytest.mark.slow)


def _cpu_seconds() -> float:
    """CPU time of this process and of the child processes it has waited for."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    start = _cpu_seconds()
    yield
    item.user_properties.append(("cpu_s", _cpu_seconds() - start))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Fail a fast test that passed but took more than FAST_TEST_LIMIT_S CPU seconds: mark it slow or shrink it."""
    outcome = yield
    report = outcome.get_result()
    if call.when != "call" or not report.passed or item.get_closest_marker("slow") is not None:
        return
    cpu = dict(item.user_properties).get("cpu_s", 0.0)
    if cpu <= FAST_TEST_LIMIT_S:
        return
    message = (f"{item.nodeid} took {cpu:.1f} s of CPU, over the fast tier's {FAST_TEST_LIMIT_S:g} s a test "
               "(FAST_TEST_LIMIT_S): make it smaller or mark it @pytest.mark.slow")
    load = os.getloadavg()[0] / (os.cpu_count() or 1)
    # Judged only when the fast tier runs alone (`-m "not slow"`): in the whole suite (CI's `make test`) a fast
    # test's time is reported, never a failure, so timing noise on a shared runner cannot fail a correct build.
    if load <= FAST_TEST_MAX_LOAD and "not slow" in (item.config.getoption("markexpr") or ""):
        report.outcome = "failed"
        report.longrepr = message
    else:
        _over_limit.append(f"{message} (not failed: load {load:.1f} a core, over FAST_TEST_MAX_LOAD)")


def pytest_sessionstart(session):
    _session_start.append(time.perf_counter())


def _whole_fast_tier(config) -> bool:
    """Whether this run is the fast tier alone, over every test path (not a chosen file or -k subset)."""
    chosen = {str(arg).rstrip("/") for arg in config.args}
    return ("not slow" in (config.getoption("markexpr") or "") and not config.getoption("keyword")
            and chosen <= {*config.getini("testpaths"), str(config.rootpath)})


def pytest_sessionfinish(session, exitstatus):
    """Fail the fast tier as a whole when it took more than FAST_TIER_LIMIT_S on a quiet machine."""
    if not _session_start or exitstatus != 0 or not _whole_fast_tier(session.config):
        return
    seconds = time.perf_counter() - _session_start[0]
    load = os.getloadavg()[0] / (os.cpu_count() or 1)
    if seconds > FAST_TIER_LIMIT_S:
        message = (f"the fast tier took {seconds:.0f} s, over FAST_TIER_LIMIT_S = {FAST_TIER_LIMIT_S:g} s: move its "
                   "slowest tests (--durations=20) to the slow tier or shrink them")
        if load <= FAST_TEST_MAX_LOAD:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
            _over_limit.append(message)
        else:
            _over_limit.append(f"{message} (not failed: load {load:.1f} a core, over FAST_TEST_MAX_LOAD)")


def pytest_terminal_summary(terminalreporter):
    """List what went over the fast tier's limits (failed on a quiet machine, reported on a busy one)."""
    if _over_limit:
        terminalreporter.section("fast tier over its time limits")
        for line in _over_limit:
            terminalreporter.write_line(line)
