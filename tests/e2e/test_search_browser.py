"""Search by surname prefix, open the document card, export CSV; turn pages."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from core.db import session_scope
from core.models import Centre
from tests.e2e.conftest import (
    download_link,
    fetch_download,
    open_and_close_document_card,
    screenshot,
    sign_in,
    tick_first_row,
    wait_until_idle,
)
from tests.factories import make_candidate, make_certificate

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

    file_name, data = fetch_download(page, download_link(page, "Export CSV").get_attribute("href"))
    assert file_name.startswith("certificates_surname-obri_")
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["Certificate Number", "Candidate ID", "First Name", "Surname"]
    assert len(rows) > 1 and all(row[3] == "O'Brien" for row in rows[1:])


def _add_certificates(database: str, surname: str, numbers: range) -> None:
    """Certificates for Fanshaws, numbered apart from the demo data's."""
    with session_scope(database) as session:
        fanshaws = session.scalars(select(Centre).where(Centre.name == "Fanshaws")).one()
        for number in numbers:
            candidate = make_candidate(
                session, f"Ann{number:02d}", surname, candidate_number=f"99{number:06d}"
            )
            make_certificate(session, fanshaws, candidate=candidate, number=f"99{number:07d}-01")


def test_turning_pages_keeps_the_count_and_search_counts_again(
    live_server: str, live_database: str, page: Page
):
    """The pager's reruns read only the page; pressing Search counts afresh."""
    _add_certificates(live_database, "Pagecount", range(11))
    sign_in(page, live_server, "user@fanshaws.example")
    page.get_by_role("link", name="Search").first.click()
    page.get_by_label("Surname").fill("pagecount")
    page.get_by_role("button", name="Search", exact=True).first.click()
    expect(
        page.get_by_text("Page 1 of 2 | View 10 records | Found total 11 records")
    ).to_be_visible()
    _add_certificates(live_database, "Pagecount", range(11, 12))
    wait_until_idle(page)
    page.get_by_role("button", name="Next").first.click()
    expect(
        page.get_by_text("Page 2 of 2 | View 10 records | Found total 11 records")
    ).to_be_visible()
    page.get_by_role("button", name="Search", exact=True).first.click()
    expect(page.get_by_text("Found total 12 records")).to_be_visible()


def test_a_surname_pasted_longer_than_the_field_takes_is_kept_and_refused_in_words(
    live_server: str, page: Page
):
    sign_in(page, live_server, "user@fanshaws.example")
    page.get_by_role("link", name="Search").first.click()
    pasted = "Featherstonehaugh-" * 17  # 306 characters
    page.get_by_label("Surname").fill(pasted)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_text("limited to 100 characters").first).to_be_visible()
    expect(page.get_by_label("Surname")).to_have_value(pasted)
    wait_until_idle(page)
    screenshot(page, "23-search-surname-too-long")


def test_export_buttons_stay_the_same_buttons_from_one_search_to_the_next(
    live_server: str, page: Page
):
    """A new search relabels Export CSV and Export PDFs in place: the browser never
    builds them afresh, so they are never an empty box, and never without their words."""
    sign_in(page, live_server, "user@fanshaws.example")
    page.goto(f"{live_server}/search?surname=obri")
    csv_label = re.compile(r"^Export CSV \(\d+ rows\)$")
    expect(page.get_by_text(csv_label)).to_be_visible(timeout=20_000)
    wait_until_idle(page)
    page.evaluate(  # the control (a button, or a link) that says Export CSV, as it changes
        """() => {
        const control = () => [...document.querySelectorAll('button, a')].find(
            element => element.innerText.includes('Export CSV'));
        window.exportRow = {node: control(), replaced: 0, wordless: 0};
        new MutationObserver(() => {
            const now = control();
            if (now !== window.exportRow.node) window.exportRow.replaced += 1;
            if (!now || !/Export CSV \\(\\d+ rows\\)/.test(now.innerText)) {
                window.exportRow.wordless += 1;
            }
            window.exportRow.node = now;
        }).observe(document.body, {subtree: true, childList: true, characterData: true});
    }"""
    )
    for surname in ("nowak", "obri"):
        page.get_by_label("Surname").fill(surname)
        page.get_by_role("button", name="Search", exact=True).first.click()
        expect(page).to_have_url(re.compile(f"surname={surname}"))
        wait_until_idle(page)
    expect(page.get_by_role("button", name=re.compile(r"^Export PDFs"))).to_be_visible()
    assert page.evaluate("[window.exportRow.replaced, window.exportRow.wordless]") == [0, 0]
