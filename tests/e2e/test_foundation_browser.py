"""A coordinator signs in, sees the six home cards, reloads, and logs out for real."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    fill_sign_in_form,
    log_out,
    screenshot,
    sign_in,
    wait_until_idle,
)

pytestmark = pytest.mark.browser
CARDS = ["Print Batches", "Orders", "Profile", "Document Downloads", "Search", "Support"]


def test_coordinator_signs_in_sees_home_and_logs_out(live_server: str, page: Page, browser):
    page.goto(live_server)
    page.get_by_label("Email address").wait_for()
    page.get_by_text("Forgotten password?").wait_for()
    screenshot(page, "01-sign-in")
    sign_in(page, live_server, "coordinator@fanshaws.example")
    wait_until_idle(page)
    for card in CARDS:
        expect(page.get_by_role("heading", name=card).first).to_be_visible()
    expect(page.get_by_text("0 items | £0.00").first).to_be_visible()
    screenshot(page, "02-home")

    page.reload()
    expect(page.get_by_text("Centre user home").first).to_be_visible()
    old_cookies = page.context.cookies()

    page.goto(f"{live_server}/logout")  # a plain link, as another site could send
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.get_by_role("link", name="Home").first.click()
    expect(page.get_by_text("Centre user home").first).to_be_visible()

    log_out(page)

    thief = browser.new_context()
    thief.add_cookies(old_cookies)
    stolen = thief.new_page()
    stolen.goto(live_server)
    stolen.get_by_role("button", name="Sign in").wait_for()
    expect(stolen.get_by_text("Centre user home")).to_have_count(0)
    thief.close()


def test_wrong_password_shows_a_message_without_saying_if_the_email_exists(
    live_server: str, page: Page
):
    page.goto(live_server)
    fill_sign_in_form(page, "nobody@nowhere.example", "whatever-it-is")
    expect(page.get_by_text("Email or password is not right").first).to_be_visible()
    screenshot(page, "03-sign-in-failed")


def test_the_logo_leads_home_from_any_page(live_server: str, page: Page):
    page.goto(live_server)
    expect(page.get_by_role("banner").get_by_role("img", name="Logo")).to_be_visible()
    sign_in(page, live_server, "user@fanshaws.example")
    page.get_by_role("link", name="Search").first.click()
    expect(page.get_by_label("Surname")).to_be_visible()
    page.get_by_role("button", name="Navigate to home page").click()
    expect(page.get_by_text("Centre user home").first).to_be_visible()


def test_staff_sign_in_to_the_staff_home(live_server: str, page: Page):
    sign_in(page, live_server, "staff@imi.example")
    expect(page.get_by_text("Staff home").first).to_be_visible()
    wait_until_idle(page)
    screenshot(page, "60-staff-home")


def test_a_centre_user_typing_a_staff_address_gets_their_own_home(live_server: str, page: Page):
    sign_in(page, live_server, "coordinator@fanshaws.example")
    page.goto(f"{live_server}/staff-home")
    expect(page.get_by_text("Centre user home").first).to_be_visible()
    expect(page.get_by_text("Staff home")).to_have_count(0)
