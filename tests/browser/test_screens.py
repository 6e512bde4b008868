"""Every page in Chromium at three screen sizes, on the sample data and on a single-date ad export:
no exception, no page-guard message, no raw None/nan/NaN in a table or tile, and every table cell
narrower than the width the page gave its column (so no digit is clipped).

Tables are sent as the text kpi_core formatted, so the grid's accessible copy of each cell is what
the canvas draws. Screenshots go to tests/browser/screenshots/screens/ (git-ignored); the ones worth
keeping are copied to docs/screenshots/ by hand after looking at them.
"""

from __future__ import annotations

import pytest

from pages._guard import SENTENCE
from pages._tables import PADDING_PIXELS, PIXELS_PER_CHARACTER
from tests.browser.test_smoke import (
    WAIT_MS,
    expect,
    full_page_screenshot,
    open_page,
    wait_until_idle,
    workspace_query,
)

SIZES = {"wide": (1440, 900), "laptop": (1024, 768), "phone": (390, 844)}
PAGES = ("", "goals", "annotations", "budget", "abtests", "glossary", "home", "data", "mapping", "quality", "settings")
RAW = {"None", "nan", "NaN", "NaT", "<NA>", "null"}
# The grid draws a cell's text 8 px in from each side (Glide Data Grid's cell padding).
CELL_PADDING_PIXELS = 16

CELLS_JS = """() => Array.from(document.querySelectorAll('[data-testid="stDataFrame"] table td'))
    .map(e => e.innerText.trim()).filter(t => t.length)"""
TILES_JS = """() => Array.from(document.querySelectorAll('[data-testid="stMetricValue"]')).map(e => e.innerText)"""
WIDEST_JS = """(cells) => { const c = document.createElement('canvas').getContext('2d');
    c.font = '14px "Source Sans", "Source Sans Pro", sans-serif';
    return cells.map(t => [t, c.measureText(t).width]); }"""
TRUNCATED_TILES_JS = """() => Array.from(document.querySelectorAll('[data-testid="stMetricValue"]'))
    .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)"""


@pytest.fixture(autouse=True)
def _expect(sync_api):  # type: ignore[no-untyped-def]
    sync_api.expect.set_options(timeout=WAIT_MS * 2)  # the Budget page fits curves on first load


def check_screen(page) -> list[str]:  # type: ignore[no-untyped-def]
    problems = []
    if page.locator('[data-testid="stException"]').count():
        problems.append("exception")
    if page.get_by_text(SENTENCE[:40]).count():
        problems.append("page guard")
    cells = page.evaluate(CELLS_JS)
    problems += [f"raw {c!r} in a table" for c in cells if c in RAW]
    problems += [f"raw {t!r} in a tile" for t in page.evaluate(TILES_JS) if t.strip() in RAW]
    for text, width in page.evaluate(WIDEST_JS, cells):
        given = len(text) * PIXELS_PER_CHARACTER + PADDING_PIXELS - CELL_PADDING_PIXELS
        if width > given:
            problems.append(f"{text!r} is {width:.0f} px, its column gives {given:.0f}")
    problems += [f"tile {t!r} truncated" for t in page.evaluate(TRUNCATED_TILES_JS)]
    return problems


@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_on_the_sample_data(page, app_url, screenshots, size):  # type: ignore[no-untyped-def]
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    open_page(page, f"{app_url}/home")
    page.get_by_role("button", name="Load sample data").click()
    expect(page.get_by_text("Loaded 7 sample dataset(s).")).to_be_visible()
    query = workspace_query(page)
    folder = screenshots / "screens"
    folder.mkdir(exist_ok=True)
    problems = []
    for path in PAGES:
        open_page(page, f"{app_url}/{path}{query}")
        wait_until_idle(page)
        problems += [f"{path or 'dashboard'} at {size}: {p}" for p in check_screen(page)]
        full_page_screenshot(page, folder / f"{path or 'dashboard'}_{size}.png")
    assert problems == []
