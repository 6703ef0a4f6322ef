"""Orders as a coordinator clicks through it: View opens an order in the same tab, and
Orders in the menu goes back to the list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from core.checkout import place_order
from core.db import session_scope
from core.models import Centre, User
from core.users import actor_for
from tests.e2e.conftest import click_view_of_first_row, screenshot, sign_in, wait_until_idle
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
