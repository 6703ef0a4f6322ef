"""Search by surname prefix, open the document card, export CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    open_and_close_document_card,
    screenshot,
    sign_in,
    tick_first_row,
    wait_until_idle,
)

pytestmark = pytest.mark.browser


def test_search_by_surname_prefix_details_and_csv(live_server: str, page: Page):
    sign_in(page, live_server, "user@fanshaws.example")
    page.get_by_role("link", name="Search").first.click()
    page.get_by_label("Surname").fill("obri")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_text("Found total").first).to_be_visible()
    wait_until_idle(page)
    screenshot(page, "20-search")

    tick_first_row(page)
    open_and_close_document_card(page, shows="O'Brien", shot="21-search-details")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("certificates_surname-obri_")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["Certificate Number", "Candidate ID", "First Name", "Surname"]
    assert len(rows) > 1 and all(row[3] == "O'Brien" for row in rows[1:])
