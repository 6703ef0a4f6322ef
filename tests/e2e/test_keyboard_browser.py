"""A keyboard user, with Tab, Enter and Space only: signs in, searches, exports the results
and downloads the zip, then checks out a reprint with Centre Credits and opens the order.
The checkout's last two steps and the order are checked with axe-core on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from core.basket import add_to_basket
from core.db import session_scope
from core.errors import InvalidInput
from core.models import Certificate
from tests.e2e.conftest import (
    DEMO_PASSWORD,
    HOME_TITLE,
    accessibility_violations,
    download_link,
    fetch_download,
    live_actor,
    tab_to,
    wait_until_idle,
)

pytestmark = pytest.mark.browser
LOAD = 30_000  # ms: a page drawn on a busy machine (2 cores shared by many)
EXPORT = 90_000  # ms: an export from Pending to Finished
USER = "user@fanshaws.example"


def _basket_with_a_reprint(database: str) -> None:
    """A reprint in the user's basket (choosing it needs the table's row ticks, which
    the grid's own keyboard handling covers; not part of this walk)."""
    actor = live_actor(database, USER)
    with session_scope(database) as session:
        certificates = session.scalars(
            select(Certificate.id)
            .where(
                Certificate.centre_id == actor.centre_id,
                Certificate.surname_key.startswith("nowak"),
            )
            .order_by(Certificate.id)
        ).all()
    for certificate_id in certificates:  # the first one that may be ordered
        try:
            with session_scope(database) as session:
                add_to_basket(
                    session,
                    actor=actor,
                    certificate_id=certificate_id,
                    product="reprint",
                    quantity=1,
                    reason="Lost",
                )
            return
        except InvalidInput:
            continue
    raise AssertionError("no certificate of the demo data could be ordered")


def _press(page: Page, target, key: str = "Enter") -> None:
    tab_to(page, target)
    page.keyboard.press(key)


def _type(page: Page, target, text: str) -> None:
    tab_to(page, target)
    page.keyboard.type(text)


def _address(page: Page, line1: str, town: str, postcode: str) -> None:
    expect(page.get_by_label("First names")).to_have_count(1, timeout=LOAD)
    wait_until_idle(page)
    _type(page, page.get_by_label("First names"), "Delia")
    _type(page, page.get_by_label("Surname"), "Buchanan")
    _type(page, page.get_by_label("Address line 1"), line1)
    _type(page, page.get_by_label("Town or city"), town)
    _type(page, page.get_by_label("Postcode"), postcode)


def _next(page: Page) -> None:
    _press(page, page.get_by_role("button", name="Next"))
    wait_until_idle(page)


def test_keyboard_alone_signs_in_searches_exports_and_checks_out(
    live_server: str, live_database: str, page: Page
):
    _basket_with_a_reprint(live_database)
    page.goto(live_server)
    expect(page.get_by_label("Email address")).to_be_visible(timeout=LOAD)
    wait_until_idle(page)
    _type(page, page.get_by_label("Email address"), USER)
    _type(page, page.get_by_role("textbox", name="Password"), DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_text(HOME_TITLE).first).to_be_visible(timeout=LOAD)
    wait_until_idle(page)

    _press(page, page.get_by_role("link", name="Search", exact=True).first)
    expect(page.get_by_label("Surname")).to_be_visible(timeout=LOAD)
    wait_until_idle(page)
    _type(page, page.get_by_label("Surname"), "obri")
    _press(page, page.get_by_role("button", name="Search", exact=True), "Space")
    expect(page.get_by_text(re.compile(r"Found total \d+ records")).first).to_be_visible(
        timeout=LOAD
    )
    wait_until_idle(page)

    _press(page, page.get_by_role("button", name=re.compile(r"^Export PDFs")), "Space")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("File name")).to_be_visible(timeout=LOAD)
    _type(page, dialog.get_by_label("File name"), "Keyboard only")
    _press(page, dialog.get_by_role("button", name="Export"))
    expect(page.get_by_text("Export created.").first).to_be_visible(timeout=LOAD)
    wait_until_idle(page)
    _press(page, page.get_by_role("link", name="Go to Document Downloads"))
    download = download_link(page, "Download", row="Keyboard-only.zip")
    expect(download).to_be_visible(timeout=EXPORT)
    wait_until_idle(page)
    tab_to(page, download)
    with page.context.expect_page():  # the download link opens its address in a new tab
        page.keyboard.press("Enter")
    file_name, _ = fetch_download(page, download.get_attribute("href"))
    assert file_name == "Keyboard-only.zip"

    _press(page, page.get_by_role("link", name="1 items | £25.88"))
    _press(page, page.get_by_role("button", name="Checkout"))
    expect(page.get_by_text("1 Basket").first).to_be_visible(timeout=LOAD)
    wait_until_idle(page)
    _next(page)
    _address(page, "1 Card Street", "Leeds", "LS1 4AP")
    _next(page)
    _address(page, "2 Post Road", "York", "YO1 7HH")
    _next(page)
    expect(page.get_by_role("radiogroup", name="Delivery option")).to_be_visible(timeout=LOAD)
    found = accessibility_violations(page, "checkout step 4")
    _next(page)
    expect(page.get_by_role("button", name="Place order")).to_be_visible(timeout=LOAD)
    wait_until_idle(page)
    found += accessibility_violations(page, "checkout step 5")
    _press(page, page.get_by_role("button", name="Place order"))
    expect(page.get_by_text(re.compile(r"Thank you: order \d+ is placed")).first).to_be_visible(
        timeout=LOAD
    )
    wait_until_idle(page)
    _press(page, page.get_by_role("link", name="See the order"))
    expect(page.get_by_role("heading", name=re.compile(r"^Order \d+"))).to_be_visible(timeout=LOAD)
    wait_until_idle(page)
    found += accessibility_violations(page, "the order")
    assert not found, "\n".join(found)
