"""Real-browser smoke test: `streamlit run app.py` driven by Playwright in Debian's Chromium.

Skips (with the reason) when Chromium or the playwright package is missing. Screenshots go to
tests/browser/screenshots/ (git-ignored) for a human to look at.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOGLE_ADS = ROOT / "sample_data" / "google_ads_campaign_report.csv"
WAIT_MS = 30_000


@pytest.fixture(autouse=True)
def _expect(sync_api):  # type: ignore[no-untyped-def]
    sync_api.expect.set_options(timeout=WAIT_MS)


def expect(target):  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def wait_until_idle(page) -> None:  # type: ignore[no-untyped-def]
    """Streamlit draws while the script runs: wait until the run is over and the socket connected."""
    app = page.locator('[data-testid="stApp"]')
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED")
    expect(app).to_have_attribute("data-test-script-state", "notRunning")
    page.wait_for_timeout(200)  # a tiny settle, then confirm the run did not restart
    expect(app).to_have_attribute("data-test-script-state", "notRunning")


def assert_no_exception(page) -> None:  # type: ignore[no-untyped-def]
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    expect(page.get_by_text("Traceback")).to_have_count(0)


def open_page(page, url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url, wait_until="domcontentloaded")
    wait_until_idle(page)


def full_page_screenshot(page, path: Path) -> None:  # type: ignore[no-untyped-def]
    """Streamlit scrolls inside <main>, so `full_page=True` alone stops at the window: grow the window to
    the content first (bounded: two passes, at most 10,000 px), then put it back."""
    viewport = page.viewport_size or {"width": 1400, "height": 900}
    for _ in range(2):
        height = page.evaluate(
            "() => { const m = document.querySelector('[data-testid=\"stMain\"]'); "
            "return m ? m.scrollHeight : document.body.scrollHeight; }"
        )
        wanted = max(viewport["height"], min(int(height), 10_000))
        if wanted == (page.viewport_size or viewport)["height"]:
            break
        page.set_viewport_size({"width": viewport["width"], "height": wanted})
        page.wait_for_timeout(300)  # a tiny settle for the re-layout
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(viewport)


def workspace_query(page) -> str:  # type: ignore[no-untyped-def]
    """The `?ws=...` of the current URL (the app names the workspace there)."""
    expect(page).to_have_url(re.compile(r"[?&]ws="))
    ws = parse_qs(urlsplit(page.url).query)["ws"][0]
    return f"?ws={ws}"


@pytest.mark.parametrize(
    "path, title", [("abtests", "A/B tests"), ("budget", "Budget"), ("data", "Data"), ("mapping", "Mapping")]
)
def test_page_loads_by_url(page, app_url, path, title):  # type: ignore[no-untyped-def]
    """Deep links work even as a fresh server's first request (first in this file on purpose): the
    page is routed through app.py, with its navigation and workspace sidebar."""
    open_page(page, f"{app_url}/{path}")
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Dashboard")).to_be_visible()
    expect(page.get_by_text("Open or name a workspace")).to_be_visible()
    assert_no_exception(page)


def test_home_loads(page, app_url):  # type: ignore[no-untyped-def]
    open_page(page, app_url)
    expect(page.get_by_role("heading", name="ROI Workbench")).to_be_visible()
    expect(page.get_by_role("button", name="Load sample data")).to_be_visible()
    assert_no_exception(page)


def test_upload_on_data_page(page, app_url, screenshots):  # type: ignore[no-untyped-def]
    open_page(page, f"{app_url}/data")
    expect(page.get_by_role("heading", name="Data", exact=True)).to_be_visible()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(GOOGLE_ADS))
    expect(page.locator('[data-testid="stAlertContentSuccess"]').filter(has_text="416 rows")).to_be_visible()
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
    expect(page.get_by_text("total/subtotal row(s) were left out")).to_be_visible()
    wait_until_idle(page)
    assert_no_exception(page)
    full_page_screenshot(page, screenshots / "data_upload.png")

    # The upload was mapped by suggestion (a constant channel, Google Ads): its quality report loads.
    open_page(page, f"{app_url}/quality{workspace_query(page)}")
    expect(page.get_by_role("heading", name="Data quality", exact=True)).to_be_visible()
    expect(page.get_by_text("Fixes in force")).to_be_visible()
    wait_until_idle(page)
    assert_no_exception(page)
    full_page_screenshot(page, screenshots / "quality.png")


def test_load_sample_data_then_mapping_dashboard_glossary(page, app_url, screenshots):  # type: ignore[no-untyped-def]
    open_page(page, app_url)
    page.get_by_role("button", name="Load sample data").click()
    expect(page.get_by_text("Loaded 7 sample dataset(s).")).to_be_visible()
    wait_until_idle(page)
    assert_no_exception(page)
    full_page_screenshot(page, screenshots / "home_with_samples.png")

    open_page(page, f"{app_url}/mapping{workspace_query(page)}")
    expect(page.get_by_role("heading", name="Mapping", exact=True)).to_be_visible()
    expect(page.get_by_text("The mapping is complete.")).to_be_visible()
    wait_until_idle(page)
    assert_no_exception(page)
    full_page_screenshot(page, screenshots / "mapping.png")

    query = workspace_query(page)
    open_page(page, f"{app_url}/{query}")  # the Dashboard is the front page
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="ROAS")).to_be_visible()
    expect(page.get_by_role("heading", name="Funnel")).to_be_visible()
    expect(page.get_by_text(re.compile(r"What changed: \d+ alert"))).to_be_visible()
    expect(page.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible()
    wait_until_idle(page)
    assert_no_exception(page)
    full_page_screenshot(page, screenshots / "dashboard.png")

    open_page(page, f"{app_url}/glossary{query}")
    expect(page.get_by_role("heading", name="KPI glossary")).to_be_visible()
    expect(page.get_by_text("(revenue x gross margin - spend) / spend")).to_be_visible()
    assert_no_exception(page)


def test_goal_and_annotation_on_sample_data(page, app_url, screenshots):  # type: ignore[no-untyped-def]
    open_page(page, app_url)
    page.get_by_role("button", name="Load sample data").click()
    expect(page.get_by_text("Loaded 7 sample dataset(s).")).to_be_visible()
    query = workspace_query(page)

    open_page(page, f"{app_url}/annotations{query}")
    expect(page.get_by_role("heading", name="Annotations", exact=True)).to_be_visible()
    page.get_by_label("Title").first.fill("Webinar series launch")
    page.get_by_role("button", name="Add annotation").click()
    expect(page.get_by_text("Added 'Webinar series launch'")).to_be_visible()
    assert_no_exception(page)

    open_page(page, f"{app_url}/goals{query}")
    expect(page.get_by_role("heading", name="Goals", exact=True)).to_be_visible()
    name = page.get_by_role("textbox", name="Name", exact=True)
    name.fill("Q4 pipeline")
    name.press("Enter")
    wait_until_idle(page)  # a value typed while the rerun draws can be lost
    target = page.get_by_role("spinbutton", name="Target SQLs")
    target.fill("1500")
    target.press("Enter")
    expect(page.get_by_text("Generate 1,500 SQLs")).to_be_visible()
    wait_until_idle(page)
    page.get_by_role("button", name="Save goal").click()
    expect(page.get_by_text("Saved the goal 'Q4 pipeline'")).to_be_visible()
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="Projected at the end")).to_be_visible()
    expect(page.get_by_text("Off track: the trend lands at")).to_be_visible()  # the status leads, in words
    expect(page.get_by_text("What it takes", exact=True)).to_be_visible()  # 1,500 is not reached yet: the back-solve
    expect(page.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible()
    wait_until_idle(page)
    assert_no_exception(page)
    full_page_screenshot(page, screenshots / "goals.png")


def test_ab_test_verdict_from_pasted_counts(page, app_url, screenshots):  # type: ignore[no-untyped-def]
    open_page(page, f"{app_url}/abtests")
    expect(page.get_by_role("heading", name="A/B tests", exact=True)).to_be_visible()
    arms = page.get_by_role("textbox", name="Arms: name, users, conversions (one line per arm)")
    arms.fill("Control\t24,310\t1,215\nNew pricing page\t24,122\t1,366")
    arms.press("Control+Enter")
    expect(page.get_by_text("Winner: New pricing page")).to_be_visible()
    expect(page.get_by_text("Health check passed")).to_be_visible()
    expect(page.get_by_text("Ship New pricing page").first).to_be_visible()
    expect(page.locator('[data-testid="stVegaLiteChart"]')).to_have_count(2)
    wait_until_idle(page)
    assert_no_exception(page)
    full_page_screenshot(page, screenshots / "abtest_verdict.png")

    page.get_by_role("tab", name="Plan a test").click()
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="Users per arm")).to_be_visible()
    assert_no_exception(page)


def test_budget_recommendation_what_if_and_scenario(page, app_url, screenshots):  # type: ignore[no-untyped-def]
    open_page(page, app_url)
    page.get_by_role("button", name="Load sample data").click()
    expect(page.get_by_text("Loaded 7 sample dataset(s).")).to_be_visible()
    wait_until_idle(page)
    open_page(page, f"{app_url}/budget{workspace_query(page)}")
    expect(page.get_by_role("heading", name="Budget", exact=True)).to_be_visible()
    expect(page.get_by_text("Test this split before moving the whole budget")).to_be_visible()
    expect(page.get_by_text("With curves 20% flatter")).to_be_visible()
    page.get_by_text("Each channel's curve").click()
    expect(
        page.locator('[data-testid="stVegaLiteChart"]').nth(3)
    ).to_be_visible()  # allocation, waterfall, marginal, curves
    wait_until_idle(page)
    assert_no_exception(page)
    full_page_screenshot(page, screenshots / "budget_recommendation.png")

    page.get_by_role("tab", name="What-if").click()
    projected = page.locator('[data-testid="stMetric"]').filter(has_text="Spend per week").last
    before = projected.inner_text()
    thumb = page.get_by_role("slider").first
    thumb.focus()
    for _ in range(15):
        thumb.press("ArrowLeft")
    expect(projected).not_to_have_text(before)
    expect(page.get_by_text("The curves give this move a")).to_be_visible()
    wait_until_idle(page)
    # An exact -20% on Google Ads, the total kept; a refresh keeps the what-if and the open tab
    page.get_by_text("Keep the total").click()
    wait_until_idle(page)
    total = projected.inner_text()
    page.get_by_role("radio", name="Google Ads").click()
    wait_until_idle(page)
    percent = page.get_by_role("spinbutton", name="Change vs current (%)")
    percent.fill("-20")
    percent.press("Enter")
    wait_until_idle(page)
    expect(page.get_by_role("spinbutton", name="Change vs current (%)")).to_have_value("-20.0")
    assert projected.inner_text() == total  # the others took the 20%
    page.reload()
    wait_until_idle(page)
    expect(page.get_by_role("tab", name="What-if", selected=True)).to_be_visible()
    expect(page.get_by_text("Google Ads: spend per week")).to_be_visible()
    expect(page.get_by_role("spinbutton", name="Change vs current (%)")).to_have_value("-20.0")
    page.get_by_role("textbox", name="Save this split as a scenario").fill("Less LinkedIn")
    page.get_by_role("button", name="Save scenario").click()
    expect(page.get_by_text("Saved scenario 'Less LinkedIn'")).to_be_visible()
    wait_until_idle(page)
    assert_no_exception(page)
    full_page_screenshot(page, screenshots / "budget_what_if.png")

    page.get_by_role("tab", name="Scenarios").click()
    expect(page.get_by_role("button", name="Download the comparison (CSV)")).to_be_visible()
    wait_until_idle(page)
    assert_no_exception(page)
    full_page_screenshot(page, screenshots / "budget_scenarios.png")
