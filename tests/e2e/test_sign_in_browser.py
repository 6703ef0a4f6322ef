"""Signing in as a new or hurried user does it: deep links survive sign-in, a click on
Sign in is never lost, bad cookies only mean the form, logout reaches open tabs, and
text from an address is never drawn as markup."""

from __future__ import annotations

from urllib.parse import quote

import jwt
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import (
    DEMO_PASSWORD,
    confirm_log_out,
    download_link,
    fetch_download,
    fill_sign_in_form,
    log_out,
    screenshot,
    sign_in,
    wait_until_idle,
)

pytestmark = pytest.mark.browser
COOKIE = "dc_portal_session"
HOME = "Centre user home"
INJECTION = (
    "](x) :red[**Session expired**] [Sign in](https://evil.example/in) ![x](http://127.0.0.1:9/p) ["
)
NAME = "![x](http://127.0.0.1:9/n) [Evil](https://evil.example) :red[O'Brien]"


def test_a_deep_link_opened_while_signed_out_opens_after_sign_in(live_server: str, page: Page):
    page.goto(f"{live_server}/search?surname=obri")
    fill_sign_in_form(page, "user@fanshaws.example", DEMO_PASSWORD)
    expect(page.get_by_text("Found total").first).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)
    assert "surname=obri" in page.url
    screenshot(page, "30-deep-link-after-sign-in")


def test_a_deep_link_shows_the_sign_in_form_cleanly(live_server: str, page: Page):
    page.goto(f"{live_server}/print-batches?batch=37")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    wait_until_idle(page)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect(page.get_by_role("dialog")).to_have_count(0)
    screenshot(page, "31-deep-link-signed-out")


def test_sign_in_clicked_as_soon_as_the_form_shows_is_never_lost(
    live_server: str, browser: Browser
):
    for _ in range(20):
        context = browser.new_context()
        page = context.new_page()
        page.goto(live_server)
        fill_sign_in_form(page, "coordinator@fanshaws.example", DEMO_PASSWORD)
        try:
            expect(page.get_by_text(HOME).first).to_be_visible(timeout=15_000)
        finally:
            context.close()


def _forged(claims: dict, algorithm: str = "HS256", key: str = "guess") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


@pytest.mark.parametrize(
    "cookie",
    [
        jwt.api_jws.PyJWS().encode(
            b'{"username":"coordinator@fanshaws.example","exp_date":9e9}', "", "none"
        ),
        _forged({"username": "coordinator@fanshaws.example", "exp_date": "soon"}),
        _forged({"username": "coordinator@fanshaws.example"}, "HS512", "x" * 64),
        "garbage",
    ],
    ids=["alg none", "text expiry", "another algorithm", "garbage"],
)
def test_a_bad_cookie_only_means_the_sign_in_form(live_server: str, browser: Browser, cookie):
    context = browser.new_context()
    context.add_cookies([{"name": COOKIE, "value": cookie, "url": live_server}])
    page = context.new_page()
    page.goto(live_server)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    wait_until_idle(page)
    expect(page.get_by_text("went wrong")).to_have_count(0)
    fill_sign_in_form(page, "coordinator@fanshaws.example", DEMO_PASSWORD)
    expect(page.get_by_text(HOME).first).to_be_visible()
    context.close()


def _export_csv(tab: Page) -> str | None:
    """Follow Export CSV with the tab's cookies: the file's text, or None on a 404."""
    got = fetch_download(tab, download_link(tab, "Export CSV").get_attribute("href"))
    return got[1].decode("utf-8-sig") if got else None


def test_a_tab_left_open_stops_exporting_once_its_user_logs_out(live_server: str, page: Page):
    sign_in(page, live_server, "user@fanshaws.example")
    other_tab = page.context.new_page()
    other_tab.goto(f"{live_server}/search?surname=obri")
    expect(other_tab.get_by_text("Found total").first).to_be_visible()
    wait_until_idle(other_tab)
    assert "O'Brien" in _export_csv(other_tab)

    page.goto(f"{live_server}/logout")
    confirm_log_out(page)

    after_logout = _export_csv(other_tab)
    assert after_logout is None or "O'Brien" not in after_logout
    other_tab.get_by_test_id("stBaseButton-primaryFormSubmit").click()
    expect(other_tab.get_by_role("button", name="Sign in")).to_be_visible()


def _no_markup_from(page: Page, requested: list[str]) -> None:
    expect(page.locator('a[href*="evil.example"]')).to_have_count(0)
    expect(page.locator('img[src*="127.0.0.1:9"]')).to_have_count(0)
    assert not [url for url in requested if "127.0.0.1:9" in url]


def test_text_from_the_address_or_a_name_is_never_drawn_as_a_link_or_an_image(
    live_server: str, page: Page
):
    sign_in(page, live_server, "coordinator@northgate.example")
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server}/search?dob={quote(INJECTION)}")
    expect(page.get_by_text("is not a date").first).to_be_visible()
    _no_markup_from(page, requested)
    screenshot(page, "32-markup-in-address")

    page.goto(f"{live_server}/profile")
    page.get_by_label("First name", exact=True).fill(NAME)
    page.locator(".st-key-profile_save_details button").click()
    expect(page.get_by_text("Personal details saved").first).to_be_visible()
    page.get_by_role("link", name="Home").first.click()
    expect(page.get_by_text("[Evil](https").first).to_be_visible()
    _no_markup_from(page, requested)
    screenshot(page, "33-markup-in-a-name")


def test_signing_in_again_after_logout_lands_on_home_not_the_log_out_page(
    live_server: str, page: Page
):
    sign_in(page, live_server, "user@fanshaws.example")
    log_out(page)
    wait_until_idle(page)
    fill_sign_in_form(page, "user@fanshaws.example", DEMO_PASSWORD)
    expect(page.get_by_text(HOME).first).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    assert "/logout" not in page.url
