"""The published reports opened in a real browser: Debian's chromium, driven by Playwright.

For each page of the demo build (the session's ``built`` fixture, shared with
``test_end_to_end.py``): no console errors, no request but ``file:`` and ``data:``, every image
decodes, every contents link lands on its section, no sideways scrolling at phone width (390 px),
and printing gives A4 pages. Full-page screenshots at 1280 and 390 px and the printed PDF are
saved in ``test-artifacts/browser/`` for a person to look at.

Chromium comes from the system (``apt-get install chromium``; ``.ci/run`` installs it), never
from ``playwright install``. Without it the tests fail in CI (``CI`` set) and are skipped
elsewhere.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ARTEFACTS = ROOT / "test-artifacts" / "browser"
A4_POINTS = (595.28, 841.89)  # 210 x 297 mm at 72 points per inch
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the browser tests: .ci/run installs chromium)")
    pytest.skip(f"{reason}; install it with `apt-get install chromium` to run the browser tests")


@pytest.fixture(scope="module")
def browser() -> Iterator:
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).is_file():
        _missing("Debian's chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def pages(built) -> list[Path]:
    config, _ = built
    found = sorted(config.reports_dir.rglob("*.html"))
    names = {p.relative_to(config.reports_dir).as_posix() for p in found}
    assert {"index.html", "2025/overview.html", "2025/west-oxfordshire.html"} <= names
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return found


class Visit:
    """A page opened in a new tab, with what it logged and requested."""

    def __init__(self, browser, path: Path, viewport: dict[str, int]) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page(viewport=viewport)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri(), wait_until="load")

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()

    def close(self) -> None:
        self.page.close()


def _name(reports: Path, path: Path) -> str:
    return path.relative_to(reports).with_suffix("").as_posix().replace("/", "-")


def test_no_console_errors_no_network_and_images_decode(browser, pages, built):
    config, _ = built
    for path in pages:
        visit = Visit(browser, path, DESKTOP)
        broken = visit.page.evaluate(
            "Array.from(document.images)"
            ".filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt)"
        )
        images = visit.page.evaluate("document.images.length")
        visit.close()
        assert visit.errors == [], (path.name, visit.errors)
        assert visit.requests == [], (path.name, visit.requests)
        assert broken == [], (path.name, broken)
        if path.parent != config.reports_dir:  # a report, not the index or methods page
            assert images >= 2, path.name


def test_contents_links_land_on_their_sections(browser, pages, built):
    config, _ = built
    checked = 0
    for path in pages:
        visit = Visit(browser, path, DESKTOP)
        links = visit.page.eval_on_selector_all(
            "nav.sna-toc a[href^='#']",
            "links => links.map(a => [a.getAttribute('href').slice(1), a.offsetParent !== null])",
        )
        for target, visible in links:
            assert visit.page.evaluate(f"!!document.getElementById({target!r})"), (path, target)
            if visible:  # follow the link as a reader would
                visit.page.click(f"nav.sna-toc a[href='#{target}']")
            else:  # the report's own title (hidden in the list): scroll to it
                visit.page.evaluate(f"document.getElementById({target!r}).scrollIntoView()")
            top, at_bottom, height = visit.page.evaluate(
                f"""() => {{
                    const box = document.getElementById({target!r}).getBoundingClientRect();
                    const page = document.scrollingElement;
                    return [box.top, page.scrollTop + innerHeight >= page.scrollHeight - 2,
                            box.height];
                }}"""
            )
            assert height > 0, (path.name, target, "heading not shown")
            assert -2 <= top <= 40 or (at_bottom and 0 <= top < DESKTOP["height"]), (
                path.name,
                target,
                top,
            )
            checked += 1
        visit.close()
        if path.parent != config.reports_dir:
            assert links, f"{path.name} has no contents list"
    assert checked >= 10


def test_no_sideways_scroll_at_phone_width_and_screenshots(browser, pages, built, capsys):
    config, _ = built
    for path in pages:
        name = _name(config.reports_dir, path)
        visit = Visit(browser, path, DESKTOP)
        visit.page.screenshot(path=ARTEFACTS / f"{name}-1280.png", full_page=True)
        desktop_width = visit.page.evaluate("document.scrollingElement.scrollWidth")
        visit.page.set_viewport_size(PHONE)
        visit.page.screenshot(path=ARTEFACTS / f"{name}-390.png", full_page=True)
        width = visit.page.evaluate("document.scrollingElement.scrollWidth")
        wide = visit.page.evaluate(
            """Array.from(document.querySelectorAll('main *'))
               .filter(e => e.getBoundingClientRect().right > innerWidth + 1
                            && !e.closest('.sna-table-scroll, .sna-figure-scroll'))
               .slice(0, 5).map(e => e.tagName + '.' + e.className)"""
        )
        visit.close()
        assert width <= PHONE["width"], (path.name, width, wide)
        assert desktop_width <= DESKTOP["width"], (path.name, desktop_width)
    with capsys.disabled():
        print(f"\nbrowser screenshots: {ARTEFACTS}")


def test_prints_on_a4_pages(browser, pages, built, capsys):
    from pypdf import PdfReader

    config, _ = built
    for path in pages:
        pdf = ARTEFACTS / f"{_name(config.reports_dir, path)}.pdf"
        visit = Visit(browser, path, DESKTOP)
        visit.page.emulate_media(media="print")
        visit.page.pdf(path=pdf, prefer_css_page_size=True, print_background=True)
        visit.close()
        reader = PdfReader(pdf)
        assert len(reader.pages) >= 1
        for number, page in enumerate(reader.pages, start=1):
            size = (float(page.mediabox.width), float(page.mediabox.height))
            assert size == pytest.approx(A4_POINTS, abs=1.5), (pdf.name, number, size)
        texts = [page.extract_text().strip() for page in reader.pages]
        assert all(texts[:2]), (pdf.name, "a blank page at the start")
    with capsys.disabled():
        print(f"\nbrowser PDFs: {ARTEFACTS}")
