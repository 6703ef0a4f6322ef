"""Staff export from Search; no centre's coordinator finds that export in Document
Downloads (it once showed as "staff-northgate-noah.zip - Priya Shah" at Fanshaws)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from core.db import session_scope
from core.models import Centre
from tests.e2e.conftest import (
    download_link,
    fetch_download,
    screenshot,
    sign_in,
    wait_until_idle,
)
from tests.factories import make_batch, make_candidate, make_certificate

pytestmark = pytest.mark.browser
EXPORT = "staff-northgate-noah"


def _northgate_noahs(database: str) -> None:
    """Two Northgate certificates in a Complete batch, with a surname of their own."""
    with session_scope(database) as session:
        northgate = session.scalars(select(Centre).where(Centre.name == "Northgate College")).one()
        batch = make_batch(session, northgate)
        for number in (1, 2):
            candidate = make_candidate(
                session, "Noah", "Quillfeather", candidate_number=f"77{number:06d}"
            )
            make_certificate(
                session, northgate, candidate=candidate, batch=batch, number=f"77{number:07d}-01"
            )


def _downloads_of(browser: Browser, live_server: str, email: str) -> Page:
    page = browser.new_context(viewport={"width": 1400, "height": 1300}).new_page()
    page.set_default_timeout(20_000)
    sign_in(page, live_server, email)
    page.get_by_role("link", name="Document Downloads").first.click()
    expect(page.get_by_role("heading", name="Document Downloads")).to_be_visible()
    wait_until_idle(page)
    return page


def test_a_staff_export_is_in_no_centres_document_downloads(
    live_server: str, live_database: str, page: Page, browser: Browser
):
    _northgate_noahs(live_database)
    sign_in(page, live_server, "staff@imi.example")
    expect(page.get_by_text("Priya Shah").first).to_be_visible()
    expect(page.get_by_text("Staff, every centre").first).to_be_visible()
    page.get_by_role("link", name="Search").first.click()
    page.get_by_label("Surname").fill("quillfeather")
    page.get_by_label("First Name").fill("noah")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_text("Found total 2 records").first).to_be_visible()
    page.get_by_role("button", name="Export PDFs (2)").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("File name").fill(EXPORT)
    dialog.get_by_role("button", name="Export").click()
    expect(page.get_by_text("Export created.").first).to_be_visible()
    page.get_by_role("link", name="Go to Document Downloads").click()
    expect(page.get_by_text(f"{EXPORT}.zip").first).to_be_visible()
    download = download_link(page, "Download", row=f"{EXPORT}.zip")
    expect(download).to_be_visible(timeout=60_000)
    href = download.get_attribute("href")
    assert fetch_download(page, href) is not None

    for email in ("coordinator@fanshaws.example", "coordinator@northgate.example"):
        theirs = _downloads_of(browser, live_server, email)
        expect(theirs.get_by_text(EXPORT)).to_have_count(0)
        expect(theirs.get_by_text("Priya Shah")).to_have_count(0)
        assert fetch_download(theirs, href) is None, "a centre user opened a staff export"
        if email.startswith("coordinator@fanshaws"):
            screenshot(theirs, "36-downloads-without-staff-exports")
        theirs.context.close()
