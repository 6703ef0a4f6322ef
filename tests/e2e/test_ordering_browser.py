"""Order a reprint from Search, check out with 1st class delivery and a test card on the
local test gateway, find the order in Orders (£29.38), and see a second order refused."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot, sign_in, tick_first_row, wait_until_idle

pytestmark = pytest.mark.browser


def _order_reprint_of_first_result(page: Page, url: str) -> None:
    page.goto(f"{url}/search?surname=obri")
    expect(page.get_by_text("Found total").first).to_be_visible()
    tick_first_row(page)
    page.get_by_role("button", name="Order reprint").click()
    expect(page.get_by_role("dialog").get_by_text("Document Reprint").first).to_be_visible()
    wait_until_idle(page)


def _next(page: Page, shot: str) -> None:
    wait_until_idle(page)
    screenshot(page, shot)
    page.get_by_role("button", name="Next").click()
    wait_until_idle(page)


def _address(page: Page, line1: str, town: str, postcode: str) -> None:
    expect(page.get_by_label("First names")).to_have_count(1)  # the last step's are gone
    page.get_by_label("First names").fill("Delia")
    page.get_by_label("Surname").fill("Buchanan")
    page.get_by_label("Address line 1").fill(line1)
    page.get_by_label("Town or city").fill(town)
    page.get_by_label("Postcode").fill(postcode)
    page.get_by_label("Postcode").press("Tab")


def settle_after_page_load(page: Page) -> None:
    """A page reached by a full load (the card pages) runs again when the sign-in
    cookie component first answers; type only after that."""
    wait_until_idle(page)
    page.wait_for_timeout(1000)
    wait_until_idle(page)
    expect(page.get_by_label("Card number")).to_have_count(1)


def test_order_a_reprint_pay_by_card_and_see_it_in_orders(live_server: str, page: Page):
    sign_in(page, live_server, "user@fanshaws.example")
    _order_reprint_of_first_result(page, live_server)
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Only one duplicate certificate").first).to_be_visible()
    screenshot(page, "50-document-reprint")
    dialog.get_by_role("button", name="Add to Cart").click()

    expect(page.get_by_role("heading", name="Basket")).to_be_visible()
    expect(page.get_by_role("link", name="1 items | £25.88")).to_be_visible()
    wait_until_idle(page)
    screenshot(page, "51-basket")
    page.get_by_role("button", name="Checkout").click()

    expect(page.get_by_text("1 Basket").first).to_be_visible()
    _next(page, "52-checkout-1-basket")
    expect(page.get_by_text("billing address on file is used").first).to_be_visible()
    _address(page, "1 Card Street", "Leeds", "LS1 4AP")
    _next(page, "53-checkout-2-billing")
    expect(page.get_by_text("certificate delivery address on file").first).to_be_visible()
    _address(page, "2 Post Road", "York", "YO1 7HH")
    _next(page, "54-checkout-3-delivery")
    page.get_by_text("Royal Mail signed for 1st Class (£3.50)").click()
    _next(page, "55-checkout-4-delivery-options")

    page.get_by_text("SagePay (debit or credit card)").click()
    page.get_by_role("textbox", name="Your reference").fill("DH Reprint")
    page.get_by_role("textbox", name="Your reference").press("Tab")
    expect(page.get_by_text("£29.38").first).to_be_visible()
    wait_until_idle(page)
    screenshot(page, "56-checkout-5-confirm")
    page.get_by_role("button", name="Place order").click()

    expect(page.get_by_text("Pay £29.38")).to_be_visible()
    settle_after_page_load(page)
    for label, value in [
        ("Card number", "4929 0000 0000 6"),
        ("Expiry date (MM/YY)", "12/39"),
        ("Security code", "123"),
    ]:
        page.get_by_label(label).fill(value)
    expect(page.get_by_label("Security code")).to_have_value("123")
    wait_until_idle(page)
    screenshot(page, "57-test-gateway")
    page.get_by_role("button", name="Pay now").click()

    # A full page load: signing in from the cookie, then the answer, then the outcome.
    placed = page.get_by_text("is placed (Processing (Cleared payment))")
    expect(placed).to_be_visible(timeout=30_000)
    expect(page.get_by_role("link", name="0 items | £0.00")).to_be_visible()
    wait_until_idle(page)
    screenshot(page, "58-order-placed")
    page.get_by_role("link", name="See the order").click()
    expect(page.get_by_text("£29.38").first).to_be_visible()
    expect(page.get_by_text("card ending 0006").first).to_be_visible()
    wait_until_idle(page)
    screenshot(page, "59-order-view")
    page.get_by_role("button", name="All orders").click()
    # other tests of this live server may have placed orders as the same user
    expect(page.get_by_text(re.compile(r"Found total \d+ records")).first).to_be_visible()
    wait_until_idle(page)
    screenshot(page, "60-orders")

    _order_reprint_of_first_result(page, live_server)
    expect(page.get_by_role("dialog").get_by_text("already been ordered").first).to_be_visible()
    screenshot(page, "61-duplicate-refused")
