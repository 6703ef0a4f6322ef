"""Coordinator: export three certificates of a batch, watch the export go from Pending
to Finished in Document Downloads without reloading, download the zip and open it."""

from __future__ import annotations

import io
import zipfile

import pytest
from playwright.sync_api import Page, expect

from core.exports import pdf_name
from tests.e2e.conftest import (
    ROOT,
    download_link,
    fetch_download,
    screenshot,
    sign_in,
    tick_first_row,
    wait_until_idle,
)

pytestmark = pytest.mark.browser
ROW_HEIGHT = 35


def _tick_rows(page: Page, count: int) -> None:
    """Tick the first `count` rows of the first grid (a canvas: click each check box),
    once the grid has been drawn."""
    tick_first_row(page)
    box = page.locator('[data-testid="stDataFrame"]').first.bounding_box()
    for row in range(1, count):
        page.mouse.click(box["x"] + 16, box["y"] + ROW_HEIGHT + 17 + row * ROW_HEIGHT)
        page.wait_for_timeout(400)
        wait_until_idle(page)


def _cell(page: Page, column: int, row: int) -> str:
    return page.get_by_test_id(f"glide-cell-{column}-{row}").first.inner_text().strip()


def test_coordinator_exports_three_certificates_and_downloads_them(live_server: str, page: Page):
    sign_in(page, live_server, "coordinator@fanshaws.example")
    page.get_by_role("link", name="Print Batches").first.click()
    expect(page.get_by_text("Found total 40 records").first).to_be_visible()
    tick_first_row(page)
    page.get_by_role("button", name="View ticked batch").click()
    expect(page.get_by_role("heading", name="Batch").first).to_be_visible()
    _tick_rows(page, 3)
    expected = sorted(pdf_name(_cell(page, 1, row), _cell(page, 3, row)) for row in range(3))

    page.get_by_role("button", name="Export 3 ticked certificate(s)").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("File name").fill("Three certificates")
    dialog.get_by_label("Description").fill("Siân, Zoë and friends")
    wait_until_idle(page)
    screenshot(page, "30-export-dialog")
    dialog.get_by_role("button", name="Export").click()
    expect(page.get_by_text("Export created.").first).to_be_visible()

    page.get_by_role("link", name="Go to Document Downloads").click()
    expect(page.get_by_text("Three-certificates.zip").first).to_be_visible()
    link = download_link(page, "Download")
    expect(link).to_be_visible(timeout=60_000)  # Pending -> Finished, no reload
    expect(page.get_by_text("Finished").first).to_be_visible()
    wait_until_idle(page)
    screenshot(page, "31-document-downloads")

    href = link.get_attribute("href")
    file_name, data = fetch_download(page, href)  # as the link's new tab gets it
    assert file_name == "Three-certificates.zip"
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    (ROOT / "test-artifacts" / "three-certificates.zip").write_bytes(data)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(archive.namelist()) == expected
    assert all(archive.read(name).startswith(b"%PDF-") for name in expected)

    # The same address stops working at logout (cookie deleted, sign-in ended).
    page.get_by_role("link", name="Logout").click()
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("button", name="Sign in").wait_for()
    assert fetch_download(page, href) is None
