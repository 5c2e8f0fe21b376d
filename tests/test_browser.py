"""A real browser: Voilà serves the explorer page, headless Chromium moves the ρ slider.

Chromium comes from Debian (`apt-get install chromium`); Playwright drives it through
`executable_path`, since browsers cannot be downloaded here. Without Chromium the test is skipped,
unless SAE_REQUIRE_BROWSER=1 (as CI sets), which turns the skip into a failure.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # see pyproject.toml markers

CHROMIUM = Path("/usr/bin/chromium")
PAGE = Path(__file__).resolve().parents[1] / "notebooks" / "sparsity_explorer.ipynb"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

if not CHROMIUM.exists():
    if os.environ.get("SAE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"SAE_REQUIRE_BROWSER=1 but {CHROMIUM} is missing: apt-get install chromium", pytrace=False)
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)

sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def voila_url():
    """Serve the explorer page with Voilà on a free local port; always stop the server."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "voila", str(PAGE), f"--port={port}", "--no-browser", "--Voila.ip=127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=PAGE.parent,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("Voilà did not start within 60 s")
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def test_moving_rho_slider_retrains_and_redraws(voila_url):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page()
            page.set_default_timeout(90_000)
            page.goto(voila_url)
            image = page.locator(".widget-image").first
            readout = page.locator(".widget-html-content").filter(has_text="test MSE").first
            readout.wait_for()
            before_image, before_text = image.get_attribute("src"), readout.inner_text()
            assert "target 0.05" in before_text
            handle = page.locator(".widget-slider .noUi-handle").first  # the first slider is ρ
            handle.focus()
            handle.press("ArrowRight")  # 0.05 → 0.1
            page.wait_for_function(
                "before => { const el = document.querySelector('.widget-image'); return el && el.src !== before; }",
                arg=before_image)
            page.wait_for_function(
                "() => [...document.querySelectorAll('.widget-html-content')].some(e => e.innerText.includes('target 0.1'))")
            assert image.get_attribute("src") != before_image
            assert readout.inner_text() != before_text
        finally:
            browser.close()
