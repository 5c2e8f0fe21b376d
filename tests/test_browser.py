"""A real browser: Voilà serves the explorer page, headless Chromium moves the ρ slider.

How Chromium is found and launched (and when this test skips) is in tests/_browser.py.
"""

import sys

import pytest
from _browser import ROOT, free_port, launch_chromium, require_chromium, serving

pytestmark = pytest.mark.slow  # see pyproject.toml markers

sync_playwright = require_chromium()
PAGE = ROOT / "notebooks" / "sparsity_explorer.ipynb"


@pytest.fixture()
def voila_url():
    """Serve the explorer page with Voilà on a free local port; always stop the server."""
    port = free_port()
    command = [sys.executable, "-m", "voila", str(PAGE), f"--port={port}", "--no-browser", "--Voila.ip=127.0.0.1"]
    with serving(command, port, "Voilà", cwd=PAGE.parent):
        yield f"http://127.0.0.1:{port}/"


def test_moving_rho_slider_retrains_and_redraws(voila_url):
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page()
            page.set_default_timeout(90_000)
            page.goto(voila_url)
            image = page.locator(".widget-image").first
            readout = page.locator(".widget-html-content").filter(has_text="test MSE").first
            readout.wait_for()
            before_image, before_text = image.get_attribute("src"), readout.inner_text()
            rho = page.locator(".widget-slider").first  # the first slider is ρ
            before_rho = rho.locator(".widget-readout").inner_text()
            assert f"target {before_rho}" in before_text
            handle = rho.locator(".noUi-handle")
            handle.focus()
            handle.press("ArrowRight")  # one stop up, e.g. 0.1 → 0.2
            after_rho = rho.locator(".widget-readout").inner_text()
            assert after_rho != before_rho
            page.wait_for_function(
                "before => { const el = document.querySelector('.widget-image'); return el && el.src !== before; }",
                arg=before_image)
            page.wait_for_function(
                "t => [...document.querySelectorAll('.widget-html-content')].some(e => e.innerText.includes(t))",
                arg=f"target {after_rho}")
            assert image.get_attribute("src") != before_image
            assert readout.inner_text() != before_text
        finally:
            browser.close()
