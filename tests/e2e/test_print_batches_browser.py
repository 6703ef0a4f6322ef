"""Coordinator: Print Batches, filter and Reset, open a batch in the same tab and a
document card, email candidates."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from core.batches import BatchFilters, list_batches
from core.db import session_scope
from core.models import User
from core.users import actor_for
from tests.e2e.conftest import (
    choose,
    click_view_of_first_row,
    open_and_close_document_card,
    screenshot,
    sign_in,
    tick_first_row,
    wait_until_idle,
)

pytestmark = pytest.mark.browser
EMAIL = "coordinator@fanshaws.example"


def _found(database_url: str, **filters) -> str:
    """The pager's "Found total N records" for these filters, from the database."""
    with session_scope(database_url) as session:
        user = session.scalar(select(User).where(User.email == EMAIL))
        actor = actor_for(session, user=user)
        total = list_batches(session, actor=actor, filters=BatchFilters(**filters)).total
    return f"Found total {total:,} records"


def _expect_found(page: Page, text: str) -> None:
    expect(page.get_by_text(text).first).to_be_visible()
    wait_until_idle(page)


def _pick_first_of_the_month(page: Page, label: str) -> dt.date:
    """Pick the 1st of the month the calendar opens at; returns the date picked."""
    field = page.locator('[data-testid="stDateInput"]').filter(has_text=label)
    field.get_by_test_id("stDateInputCalendarButton").click()
    page.get_by_role("gridcell").filter(has_text=re.compile(r"^1$")).first.click()
    parts = [
        field.get_by_role("spinbutton", name=f"{part}, {label}").inner_text()
        for part in ("year", "month", "day")
    ]
    return dt.date(*map(int, parts))


def test_reset_clears_the_filter_boxes_and_the_table(
    live_server: str, live_database: str, page: Page
):
    sign_in(page, live_server, EMAIL)
    page.get_by_role("link", name="Print Batches").first.click()
    _expect_found(page, "Found total 40 records")
    choose(page, "Type", "Letter")
    _expect_found(page, _found(live_database, batch_type="Letter"))
    page.get_by_role("button", name="Reset").click()
    _expect_found(page, "Found total 40 records")
    expect(page.get_by_label("Type")).to_have_value("Please select")
    choose(page, "Status", "PRINTING")
    _expect_found(page, _found(live_database, status="PRINTING"))
    page.get_by_role("button", name="Reset").click()
    wait_until_idle(page)  # a click during Reset's run sends the boxes' old values back
    page.get_by_role("button", name="Refresh").click()
    _expect_found(page, "Found total 40 records")

    start = _pick_first_of_the_month(page, "Started from")  # applies at once
    _expect_found(page, _found(live_database, started_from=start))  # a from-date alone
    page.get_by_role("button", name="Reset").click()
    _expect_found(page, "Found total 40 records")
    day = page.get_by_role("spinbutton", name="day, Started from")
    expect(day).to_have_attribute("aria-valuetext", "Empty")


def test_a_typed_filter_date_applies_on_enter(live_server: str, live_database: str, page: Page):
    sign_in(page, live_server, EMAIL)
    page.get_by_role("link", name="Print Batches").first.click()
    _expect_found(page, "Found total 40 records")
    day = page.get_by_role("spinbutton", name="day, Started from")
    day.focus()
    page.keyboard.type("01012025")  # the field moves on to month and year by itself
    page.wait_for_timeout(500)  # typing alone applies nothing: the box is still open
    expect(page.get_by_text("Found total 40 records").first).to_be_visible()

    page.keyboard.press("Enter")
    _expect_found(page, _found(live_database, started_from=dt.date(2025, 1, 1)))
    expect(page.get_by_role("spinbutton", name="year, Started from")).to_be_focused()


def test_coordinator_works_through_print_batches(live_server: str, page: Page):
    sign_in(page, live_server, EMAIL)
    page.get_by_role("link", name="Print Batches").first.click()
    _expect_found(page, "Found total 40 records")
    screenshot(page, "10-print-batches")

    choose(page, "Records per page", "View 50")
    _expect_found(page, "View 50 records")
    grid = page.locator('[data-testid="stDataFrame"]').first
    assert grid.bounding_box()["height"] > 40 * 35  # every row shows, no scroll box
    choose(page, "Records per page", "View 10")

    choose(page, "Type", "Reprint")
    expect(page.get_by_text("Found total 40 records")).to_have_count(0)
    wait_until_idle(page)
    screenshot(page, "11-print-batches-filtered")

    click_view_of_first_row(page)
    expect(page.get_by_role("heading", name=re.compile(r"^Batch \d+$"))).to_be_visible()
    assert re.search(r"/print-batches\?batch=\d+$", page.url)
    assert len(page.context.pages) == 1  # the same tab, no new one
    tick_first_row(page)
    open_and_close_document_card(page, shows="Fanshaws", shot="12-document-card")

    page.get_by_role("button", name="All batches").click()
    page.get_by_role("button", name="Reset").click()
    _expect_found(page, "Found total 40 records")
    tick_first_row(page)
    choose(page, "Action for the ticked batches", "Email candidates")
    page.get_by_role("button", name="Submit").click()
    sent = page.get_by_text(re.compile(r"Email candidates of batch \d+: \d+ sent")).first
    expect(sent).to_be_visible(timeout=30_000)
    wait_until_idle(page)
    email_status_of_first_row = page.get_by_test_id("glide-cell-7-0").first  # Email Status
    expect(email_status_of_first_row).to_have_text(re.compile(r"^Sent \d+ of \d+$"))
    screenshot(page, "13-candidates-emailed")
