"""A hostile upload in one session: the server stays up, the user reads one sentence, and a second
session works as before (the spreadsheet reader that aborts on such files runs in a worker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import _healthy
from tests.browser.test_smoke import WAIT_MS, assert_no_exception, expect, open_page, wait_until_idle

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"


@pytest.fixture(autouse=True)
def _expect(sync_api):  # type: ignore[no-untyped-def]
    sync_api.expect.set_options(timeout=WAIT_MS)


def _upload(page, app_url: str, path: Path) -> None:  # type: ignore[no-untyped-def]
    open_page(page, f"{app_url}/data")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(path))


def test_far_cell_workbook_is_read_and_the_server_stays_up(page, browser, app_url):  # type: ignore[no-untyped-def]
    # One cell at XFD1048576: the native reader tries to allocate ~550 GB and aborts its process.
    _upload(page, app_url, HOSTILE / "far_cell_xfd1048576.xlsx")
    expect(page.get_by_text("cells far away from one another")).to_be_visible()
    wait_until_idle(page)
    assert_no_exception(page)
    assert _healthy(f"{app_url}/_stcore/health")
    second = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()
    try:
        open_page(second, app_url)
        expect(second.get_by_role("button", name="Load sample data")).to_be_visible()
        assert_no_exception(second)
    finally:
        second.context.close()


def test_broken_workbook_is_one_sentence(page, app_url):  # type: ignore[no-untyped-def]
    _upload(page, app_url, HOSTILE / "truncated_zip.xlsx")
    expect(page.get_by_text("could not be opened as an Excel workbook")).to_be_visible()
    wait_until_idle(page)
    assert_no_exception(page)
    assert _healthy(f"{app_url}/_stcore/health")
