"""Coordinator: export three certificates of a batch, watch the export go from Pending
to Finished in Document Downloads without reloading, download the zip and open it."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from core.db import session_scope
from core.exports import pdf_name
from core.models import Centre
from tests.e2e.conftest import (
    ROOT,
    download_link,
    fetch_download,
    log_out,
    screenshot,
    sign_in,
    tick_first_row,
    wait_until_idle,
)
from tests.factories import make_batch, make_candidate, make_certificate

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
    link = download_link(page, "Download", row="Three-certificates.zip")
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
    log_out(page)
    assert fetch_download(page, href) is None


def _halfprinted(database: str) -> None:
    """Three Northgate certificates of one surname: printed, not printed yet (a Pending
    batch) and issued in 2016 (no PDF)."""
    with session_scope(database) as session:
        northgate = session.scalars(select(Centre).where(Centre.name == "Northgate College")).one()
        complete = make_batch(session, northgate)
        pending = make_batch(session, northgate, status="PENDING", finished_at=None)
        for number, batch, issued in (
            (1, complete, dt.date(2024, 6, 6)),
            (2, pending, dt.date(2024, 6, 6)),
            (3, complete, dt.date(2016, 3, 1)),
        ):
            candidate = make_candidate(
                session, f"Ann{number}", "Halfprinted", candidate_number=f"66{number:06d}"
            )
            make_certificate(
                session,
                northgate,
                candidate=candidate,
                batch=batch,
                issue_date=issued,
                number=f"66{number:07d}-01",
            )


def test_the_export_dialog_says_what_is_left_out_before_anything_is_typed(
    live_server: str, live_database: str, page: Page
):
    _halfprinted(live_database)
    sign_in(page, live_server, "coordinator@northgate.example")
    page.get_by_role("link", name="Search").first.click()
    page.get_by_label("Surname").fill("halfprinted")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_text("Found total 3 records").first).to_be_visible()
    page.get_by_role("button", name="Export PDFs (3)").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("1 PDF", exact=True)).to_be_visible()
    expect(dialog.get_by_text("2 left out")).to_be_visible()
    expect(dialog.get_by_text("1 not printed yet (its batch is not Complete)")).to_be_visible()
    expect(dialog.get_by_text("1 issued before 1 November 2017")).to_be_visible()
    expect(dialog.get_by_label("File name")).to_have_value("")
    wait_until_idle(page)
    screenshot(page, "34-export-dialog-left-out")
    dialog.get_by_label("File name").fill("Half printed")
    dialog.get_by_role("button", name="Export").click()
    expect(page.get_by_text("Export created.").first).to_be_visible()
    page.get_by_role("link", name="Go to Document Downloads").click()
    expect(page.get_by_text("Half-printed.zip").first).to_be_visible()
    expect(download_link(page, "Download", row="Half-printed.zip")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("2 not included: 1 not printed yet").first).to_be_visible()
    wait_until_idle(page)
    screenshot(page, "35-downloads-not-printed-left-out")
