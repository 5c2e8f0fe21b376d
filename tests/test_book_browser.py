"""The book as a reader meets it: `scripts/build_book.py` builds the site, a local server serves it, and
headless Chromium opens every page with the network cut off (only the local server answers).

Checked on every page: no broken internal link (page or anchor), every image loaded, every formula
typeset by the MathJax copy inside the site (no raw `$…$`, `\\frac` or `\\(` left in the text), and no
request leaving the machine. Then: the navigation reaches every chapter in course order, search finds
"KL divergence", a solution dropdown opens, each chapter has its Binder and Colab links, and the
explorer's page says it cannot retrain here. How Chromium is found and launched (and when this test
skips) is in tests/_browser.py.
"""

import html.parser
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from _browser import ROOT, chromium_browser, free_port, require_chromium, serving

pytestmark = pytest.mark.slow  # see pyproject.toml markers

sync_playwright = require_chromium()
COURSE_ORDER = re.findall(r"^\| \[[^\]]+\]\(([^)]+)\.ipynb\) \|", (ROOT / "notebooks" / "README.md").read_text(), re.M)
SOLUTIONS_IN_01 = (ROOT / "notebooks" / "01_kl_divergence.py").read_text().count('tags=["solution"]')

# The prose of the page's article, without code and typeset maths: what must hold no raw TeX.
PROSE = """() => {
  const article = document.querySelector('article.bd-article').cloneNode(true);
  article.querySelectorAll('pre, code, script, style, mjx-container, .MathJax').forEach(e => e.remove());
  return article.textContent;
}"""
# Every image, made eager and decoded: the sources that did not load.
BROKEN_IMAGES = """async () => Promise.all([...document.images].map(async img => {
  img.loading = 'eager';
  try { await img.decode(); } catch (e) { return img.getAttribute('src'); }
  return img.naturalWidth > 0 ? null : img.getAttribute('src');
})).then(r => r.filter(Boolean))"""
# Waits for MathJax (when the page loads it) to finish typesetting; then the .math elements it left raw.
UNTYPESET = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  return [...document.querySelectorAll('.math')].filter(m => !m.querySelector('mjx-container'))
    .map(m => m.textContent.slice(0, 80));
}"""


class Anchors(html.parser.HTMLParser):
    """The ids a page defines (link targets)."""

    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.ids.update(value for name, value in attrs if name in ("id", "name") and value)


def anchors(page: Path) -> set[str]:
    parser = Anchors()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.ids


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The book, built by the script `make book` runs (into a scratch folder): its HTML folder."""
    out = tmp_path_factory.mktemp("book")
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_book.py"), "--out", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    return out / "_build" / "html"


@pytest.fixture(scope="module")
def served(site):
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site)]
    with serving(command, port, "http.server"):
        yield f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def browser():
    with chromium_browser(sync_playwright) as chromium:
        yield chromium


@pytest.fixture()
def page(browser, served):
    """A page whose requests are cut off unless they go to the local server; `page.outside` lists them."""
    context = browser.new_context()
    outside: list[str] = []

    def route(r):
        if r.request.url.startswith(served) or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.outside = outside
    yield page
    context.close()


def test_every_page_links_loads_its_figures_and_typesets_its_maths(site, served, page):
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                   if not p.relative_to(site).parts[0].startswith("_"))
    assert {f"notebooks/{name}.html" for name in COURSE_ORDER} <= set(pages) and "lecturers.html" in pages
    problems, figures, formulas = [], 0, 0
    for name in pages:
        if name == "index.html":  # a redirect to the landing page
            page.goto(served + name)
            page.wait_for_url("**/intro.html")
            continue
        page.goto(served + name)
        untypeset = page.evaluate(UNTYPESET)
        formulas += page.locator(".math").count()
        if untypeset:
            problems.append(f"{name}: maths not typeset: {untypeset[:3]}")
        if name not in ("genindex.html", "search.html"):
            prose = page.evaluate(PROSE)
            raw = re.findall(r"\$[^$\s][^$]*\$|\\frac|\\\(|\\\[|\\begin\{", prose)
            if raw:
                problems.append(f"{name}: raw TeX in the text: {raw[:3]}")
        broken = page.evaluate(BROKEN_IMAGES)
        figures += page.locator("img").count()
        if broken:
            problems.append(f"{name}: images not loaded: {broken[:3]}")
        for href in page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)"):
            if not href.startswith(served):
                continue
            parts = urlsplit(href)
            target = site / unquote(parts.path.removeprefix("/"))
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{name}: broken link {href}")
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in anchors(target):
                problems.append(f"{name}: link to a missing anchor {href}")
    if page.outside:
        problems.append(f"requests that would need the network: {sorted(set(page.outside))[:5]}")
    assert not problems, "\n".join(problems)
    assert figures > 50 and formulas >= 5  # the checks above really saw the course's figures and maths


def test_navigation_reaches_every_chapter_in_course_order(served, page):
    page.goto(served + "intro.html")
    sidebar = page.eval_on_selector_all("nav.bd-docs-nav a.reference.internal",
                                        "els => els.map(a => new URL(a.href).pathname)")
    expected = [f"/notebooks/{name}.html" for name in COURSE_ORDER]
    assert [p for p in sidebar if p.startswith("/notebooks/")] == expected
    assert "/lecturers.html" in sidebar
    walked = []  # the "next" button, from the landing page to the last page
    while page.locator("a.right-next").count():
        page.locator("a.right-next").first.click()
        page.wait_for_load_state()
        walked.append(urlsplit(page.url).path)
    assert walked == [*expected, "/lecturers.html"]
    assert not page.outside


def test_search_finds_kl_divergence(served, page):
    page.goto(served + "search.html?q=KL+divergence")
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for()
    hrefs = results.evaluate_all("els => els.map(a => new URL(a.href).pathname)")
    assert "/notebooks/01_kl_divergence.html" in hrefs
    assert not page.outside


def test_a_solution_dropdown_opens(served, page):
    page.goto(served + "notebooks/01_kl_divergence.html")
    dropdowns = page.locator("details.hide", has_text="Show the reference solution")
    assert dropdowns.count() == SOLUTIONS_IN_01 > 0
    first = dropdowns.first
    code = first.locator("pre").first
    assert not code.is_visible()
    first.locator("summary").click()
    code.wait_for(state="visible")
    assert "Reference" in code.inner_text()
    assert first.evaluate("d => d.open")


def test_each_chapter_has_launch_links_and_the_explorer_needs_a_kernel(served, page):
    for name in COURSE_ORDER:
        page.goto(served + f"notebooks/{name}.html")
        links = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
        assert any("mybinder.org" in h and f"notebooks/{name}.ipynb" in h for h in links), name
        assert any("colab.research.google.com" in h and f"notebooks/{name}.ipynb" in h for h in links), name
    page.goto(served + "notebooks/sparsity_explorer.html")
    assert "cannot retrain" in page.locator("article").inner_text()
    assert page.locator('a[href*="mybinder.org"][href*="voila/render/notebooks/sparsity_explorer.ipynb"]').count()


def test_lecturers_page_has_every_chapters_objectives_and_the_student_edition(served, page):
    page.goto(served + "lecturers.html")
    text = page.locator("article").inner_text()
    for name in COURSE_ORDER:
        assert page.locator(f'article a[href$="notebooks/{name}.html"]').count(), name
    assert text.count("about ") >= len(COURSE_ORDER) and "make student" in text and "Binder" in text


class Images(html.parser.HTMLParser):
    """The alt text of every <img> on a page."""

    def __init__(self):
        super().__init__()
        self.alts: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            attributes = dict(attrs)
            self.alts.append((attributes.get("src", ""), attributes.get("alt")))


def test_every_figure_in_the_built_site_has_alt_text_that_is_not_a_path(site):
    """Sphinx writes an image's file path as its alt text unless told otherwise; the book says what each shows."""
    path_like = re.compile(r"(^|/)[\w.-]+\.(png|jpe?g|svg|gif)$|^[0-9a-f]{16,}|^_images/|^\S+/\S+$", re.I)
    checked = 0
    for page in sorted((site / "notebooks").glob("*.html")):
        parser = Images()
        parser.feed(page.read_text(encoding="utf-8"))
        for src, alt in parser.alts:
            if "_images/" not in src:  # logos and badges of the theme are not the course's figures
                continue
            checked += 1
            assert alt and len(alt.split()) >= 4 and not path_like.search(alt), (page.name, src, alt)
    assert checked >= 20  # the chapters' figures were found and checked
