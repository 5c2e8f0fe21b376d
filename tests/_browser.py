"""What the browser tests share: Debian's Chromium driven by Playwright, a free port, a local server.

Chromium comes from Debian (`apt-get install chromium`); Playwright drives it through
`executable_path`, since browsers cannot be downloaded here. Without Chromium a browser test is
skipped, unless SAE_REQUIRE_BROWSER=1 (as CI sets), which turns the skip into a failure.
"""

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
# Headless and offline: no GPU, no sandbox (CI runs as root), nothing fetched in the background.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def require_chromium():
    """Skip the calling test module without Chromium (fail under SAE_REQUIRE_BROWSER=1); return sync_playwright."""
    if not CHROMIUM.exists():
        if os.environ.get("SAE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"SAE_REQUIRE_BROWSER=1 but {CHROMIUM} is missing: apt-get install chromium", pytrace=False)
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)
    return pytest.importorskip("playwright.sync_api").sync_playwright


def launch_chromium(playwright):
    """A headless Debian Chromium, launched by Playwright."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


@contextlib.contextmanager
def chromium_browser(sync_playwright) -> Iterator:
    """A headless Chromium for the length of the block (a module's `browser` fixture), closed after it."""
    with sync_playwright() as p:
        chromium = launch_chromium(p)
        try:
            yield chromium
        finally:
            chromium.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(command: list[str], port: int, name: str, timeout: float = 60, **popen) -> Iterator[subprocess.Popen]:
    """Run a server until the with-block ends; fail if it does not listen on `port` within `timeout` s."""
    popen = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, **popen}
    server = subprocess.Popen(command, stdin=subprocess.DEVNULL, **popen)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if server.poll() is not None:
                pytest.fail(f"{name} exited with code {server.returncode} before listening on port {port}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{name} did not start within {timeout:g} s")
                time.sleep(0.3)
        yield server
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
