"""The pages people open — the plan-progress report and the Great Expectations Data Docs —
rendered in headless Chromium (Debian's `chromium`, driven by Playwright) with the network off:
each must draw something, log no console error, load every file it asks for, and ask for
nothing beyond file://.

The static tests (test_report.py, test_data_docs.py) read the HTML; only a browser shows
whether scripts actually run and stylesheets actually apply (e.g. a local script tag that keeps
the CDN's `crossorigin` attribute is refused on file:// pages, which no HTML check notices)."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from orchestration.reporting.report import STATUS_COLOURS, build_report
from tests.reporting.test_report import LUOYANG, make_warehouse

CHROMIUM = Path(os.environ.get("EDUWH_CHROMIUM", "/usr/bin/chromium"))
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is not installed (Debian package `chromium`; `make install` adds it)",
)
# schemes a page may load from without the network
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")


@dataclass
class Rendered:
    screenshot: bytes
    facts: dict  # what the page's own JavaScript reports (see `evaluate`)
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions
    failed: list[str] = field(default_factory=list)  # requests that failed
    remote: list[str] = field(default_factory=list)  # requests beyond file://


@pytest.fixture(scope="module")
def browser():
    # Playwright drives the system Chromium; it never downloads a browser of its own here
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        browser.close()


def render(browser, page_path: Path, evaluate: str = "() => ({})") -> Rendered:
    """Open `page_path` with the network off, wait until it is idle, and return a screenshot,
    the result of the `evaluate` JavaScript function, and everything that went wrong."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    page = context.new_page()
    result = Rendered(b"", {})
    page.on(
        "console",
        lambda m: result.errors.append(f"console: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: result.errors.append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: result.failed.append(f"{r.url}: {r.failure}"))
    page.on(
        "request",
        lambda r: None if r.url.startswith(LOCAL_SCHEMES) else result.remote.append(r.url),
    )
    try:
        page.goto(page_path.resolve().as_uri(), wait_until="networkidle", timeout=20_000)
        result.facts = page.evaluate(evaluate)
        result.screenshot = page.screenshot()
    finally:
        context.close()
    return result


def assert_drawn(png: bytes) -> None:
    """The screenshot is not blank: many colours, and at least 3 % of it differs from the
    background (the Data Docs index, a sparse page, has 7 %; a blank page has none)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = image.width * image.height
    colours = image.getcolors(maxcolors=pixels)
    ink = 1 - max(colours)[0] / pixels
    assert (image.width, image.height) == (1280, 900)
    assert len(colours) >= 32, f"only {len(colours)} colours on screen"
    assert ink >= 0.03, f"only {ink:.1%} of the screen differs from the background"


def test_a_blank_screenshot_is_not_drawn():
    from PIL import Image, ImageDraw

    blank = Image.new("RGB", (1280, 900), "white")
    ImageDraw.Draw(blank).text((10, 10), "just one line of text", fill="black")
    png = io.BytesIO()
    blank.save(png, format="PNG")
    with pytest.raises(AssertionError):
        assert_drawn(png.getvalue())


def assert_clean(rendered: Rendered) -> None:
    assert rendered.errors == []
    assert rendered.failed == []
    assert rendered.remote == []


REPORT_FACTS = """() => {
    const cell = document.querySelector('td.cell[data-status="missed"]');
    const charts = [...document.querySelectorAll('svg.chart')];
    return {
        missedCellColour: cell && getComputedStyle(cell).backgroundColor,
        bodyFont: getComputedStyle(document.body).fontFamily,
        charts: charts.length,
        drawnCharts: charts.filter(c => c.getBoundingClientRect().width > 100).length,
        regions: [...document.querySelectorAll('section.region')].map(s => s.dataset.region),
    };
}"""


def test_report_renders_offline_without_errors(browser, tmp_path):
    page = build_report(make_warehouse(tmp_path / "warehouse.duckdb"), tmp_path / "report")
    rendered = render(browser, page, REPORT_FACTS)
    assert_clean(rendered)
    assert_drawn(rendered.screenshot)
    facts = rendered.facts
    # the inline stylesheet applied: the missed cell has the missed colour
    r, g, b = (int(STATUS_COLOURS["missed"][0][i : i + 2], 16) for i in (1, 3, 5))
    assert facts["missedCellColour"] == f"rgb({r}, {g}, {b})"
    # one chart per indicator with values in 洛阳市 (five of its six), each laid out
    assert facts["charts"] == facts["drawnCharts"] == 5
    assert LUOYANG in facts["regions"]


DOCS_FACTS = """async () => {
    await document.fonts.ready;
    const navbar = document.querySelector('.navbar');
    const icon = document.querySelector('.fas, .far, .fa');
    return {
        // bootstrap.min.css: a flex navbar and bootstrap's system font stack on the body
        navbarDisplay: navbar && getComputedStyle(navbar).display,
        bodyFont: getComputedStyle(document.body).fontFamily,
        // the scripts ran: jQuery, bootstrap's plugins (need popper), bootstrap-table, vega
        jquery: typeof window.jQuery,
        bootstrapModal: window.jQuery ? typeof window.jQuery.fn.modal : 'no jQuery',
        bootstrapTable: window.jQuery ? typeof window.jQuery.fn.bootstrapTable : 'no jQuery',
        vegaEmbed: typeof window.vegaEmbed,
        // font-awesome's CSS and its web font, loaded from the site's own folder
        iconFont: icon && getComputedStyle(icon, '::before').fontFamily,
        iconFontLoaded: [...document.fonts].some(
            f => f.family.includes('Font Awesome') && f.status === 'loaded'),
        brokenImages: [...document.images].filter(i => !i.complete || !i.naturalWidth)
            .map(i => i.src),
    };
}"""


@pytest.fixture(scope="module")
def data_docs(tmp_path_factory) -> Path:
    """Data Docs built the way the pipeline builds them (validate_targets with docs_dir), on
    three catalogue targets, as tests/test_data_docs.py does."""
    from expectations.catalogue import enforceable_targets
    from expectations.suite import MART_COLUMNS, validate_targets

    targets = enforceable_targets()[:3]
    mart = pd.DataFrame(
        [
            (t.region_code, t.target_year, t.indicator_id, 1.0, True, None, t.breakdown)
            for t in targets
        ],
        columns=MART_COLUMNS,
    )
    site = tmp_path_factory.mktemp("data_docs") / "site"
    validate_targets(mart, targets, docs_dir=site)
    return site


def _docs_pages(site: Path) -> list[Path]:
    validations = sorted((site / "validations").rglob("*.html"))
    assert validations, "no validation result page"
    return [site / "index.html", validations[0]]


@pytest.mark.parametrize("which", ["index", "validation result"])
def test_data_docs_render_styled_and_working_offline(browser, data_docs, which):
    page = _docs_pages(data_docs)[["index", "validation result"].index(which)]
    rendered = render(browser, page, DOCS_FACTS)
    assert_clean(rendered)
    assert_drawn(rendered.screenshot)
    facts = rendered.facts
    assert facts["navbarDisplay"] == "flex"
    assert facts["bodyFont"].startswith("-apple-system")
    assert facts["jquery"] == "function"
    assert facts["bootstrapModal"] == "function"
    assert facts["bootstrapTable"] == "function"
    assert facts["vegaEmbed"] == "function"
    assert "Font Awesome" in (facts["iconFont"] or "")
    assert facts["iconFontLoaded"] is True
    assert facts["brokenImages"] == []
