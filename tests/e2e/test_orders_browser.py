"""Orders as a coordinator clicks through it: View opens an order in the same tab, and
Orders in the menu goes back to the list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from core.basket import add_to_basket
from core.checkout import place_order
from core.db import session_scope
from core.models import Centre, User
from core.users import actor_for
from tests.e2e.conftest import click_view_of_first_row, screenshot, sign_in, wait_until_idle
from tests.factories import make_certificate, make_qualification
from tests.ordering import checkout, fill_basket, token

pytestmark = pytest.mark.browser
EMAIL = "coordinator@fanshaws.example"


def _placed_order(database_url: str) -> int:
    """An order placed by the coordinator, straight through core."""
    with session_scope(database_url) as session:
        user = session.scalar(select(User).where(User.email == EMAIL))
        actor = actor_for(session, user=user)
        fill_basket(session, actor, session.get(Centre, actor.centre_id))
        return place_order(
            session, actor=actor, checkout=checkout(), token=token(session, actor)
        ).order_id


LONG_TITLE = (
    "IMI Level 3 Extended Diploma in Light Vehicle Maintenance, Repair and Electric and "
    "Hybrid Vehicle System Diagnosis"
)
LONG_REASON = "The candidate's original certificate was lost in the post when moving house abroad"


def _basket_with_long_text(database_url: str) -> None:
    """A reprint of a certificate with a long title, for a long reason, in the basket."""
    with session_scope(database_url) as session:
        user = session.scalar(select(User).where(User.email == EMAIL))
        actor = actor_for(session, user=user)
        centre = session.get(Centre, actor.centre_id)
        certificate = make_certificate(
            session, centre, qualification=make_qualification(session, LONG_TITLE)
        )
        add_to_basket(
            session,
            actor=actor,
            certificate_id=certificate.id,
            product="reprint",
            quantity=1,
            reason="Other",
            other_reason=LONG_REASON,
        )


def _table_fits(page: Page) -> None:
    """The first table shows every column without scrolling sideways."""
    wait_until_idle(page)
    scroller = page.locator('[data-testid="stDataFrame"] .dvn-scroller').first
    scroller.wait_for()
    page.wait_for_timeout(500)
    hidden = scroller.evaluate("grid => grid.scrollWidth - grid.clientWidth")
    assert hidden <= 1, f"{hidden} px of the table are off the right edge"


def test_basket_checkout_and_order_show_gross_within_1400_px(
    live_server: str, live_database: str, page: Page
):
    _basket_with_long_text(live_database)
    sign_in(page, live_server, EMAIL)
    page.get_by_role("link", name=re.compile(r"items \| £")).click()
    expect(page.get_by_role("heading", name="Basket")).to_be_visible()
    _table_fits(page)
    screenshot(page, "51-basket")
    page.get_by_role("button", name="Checkout").click()
    expect(page.get_by_text("1 Basket").first).to_be_visible()
    _table_fits(page)
    screenshot(page, "52-checkout-1-basket")


def test_view_opens_the_order_in_the_same_tab_and_the_menu_goes_back_to_the_list(
    live_server: str, live_database: str, page: Page
):
    _placed_order(live_database)
    sign_in(page, live_server, EMAIL)
    page.get_by_role("link", name="Orders").first.click()
    expect(page.get_by_text("Found total").first).to_be_visible()
    click_view_of_first_row(page)

    expect(page.get_by_role("heading", name=re.compile(r"^Order \d+"))).to_be_visible()
    assert "?order=" in page.url
    assert len(page.context.pages) == 1
    wait_until_idle(page)
    screenshot(page, "62-order-view-same-tab")

    page.get_by_role("link", name="Orders").first.click()
    expect(page.get_by_text("Found total").first).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^Order \d+"))).to_have_count(0)
    assert "order=" not in page.url
