"""Accessibility: axe-core finds no WCAG 2.0, 2.1 or 2.2 A or AA violation on any screen,
signed out, as a centre user and as staff, at desktop width and at a phone's (390 x 844,
a desktop user agent: the phone layout follows the width), dialogs included. One browser
context per role and width; each screen is opened by its address."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import (
    accessibility_violations,
    download_link,
    export_search,
    sign_in,
    tick_first_row,
    wait_until_idle,
)

pytestmark = pytest.mark.browser
LOAD = 30_000  # ms: a page drawn on a busy machine (2 cores shared by many)
EXPORT = 90_000  # ms: an export from Pending to Finished
WIDTHS = {"desktop": (1400, 1000), "phone": (390, 844)}

SIGNED_OUT = ["/", "/forgot-password", "/reset-password?token=expired", "/verify"]
CENTRE_USER = [
    "/",
    "/print-batches",
    "/orders",
    "/profile",
    "/document-downloads",
    "/support",
    "/faq",
    "/basket",
    "/checkout",
    "/verify",
]
STAFF = [
    "/staff-home",
    "/print-batches",
    "/orders",
    "/profile",
    "/document-downloads",
    "/search?surname=obri",
    "/import-claims",
    "/all-batches",
    "/revoke-certificate",
    "/staff-centres",
    "/staff-users",
    "/staff-orders",
    "/staff-problems",
    "/staff-outbox",
    "/staff-audit",
]


@pytest.fixture(params=list(WIDTHS))
def page(request, browser: Browser) -> Iterator[Page]:
    """A desktop browser at desktop width, then at a phone's."""
    width, height = WIDTHS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(LOAD)
    yield page
    context.close()


def _drawn(page: Page) -> None:
    """The screen's title is up and its script (and the width's answer) has finished."""
    expect(page.locator("h1").first).to_be_visible(timeout=LOAD)
    wait_until_idle(page)
    page.wait_for_timeout(300)
    wait_until_idle(page)


def _check_screens(page: Page, base: str, paths: list[str]) -> list[str]:
    found = []
    for path in paths:
        page.goto(base + path)
        _drawn(page)
        found += accessibility_violations(page, path)
    return found


def test_signed_out_screens_have_no_accessibility_violations(live_server: str, page: Page):
    found = _check_screens(page, live_server, SIGNED_OUT)
    page.goto(live_server)
    _drawn(page)
    page.get_by_role("button", name="Help").click()
    found += accessibility_violations(page, "sign-in help")
    assert not found, "\n".join(found)


def test_centre_user_screens_have_no_accessibility_violations(
    live_server: str, live_database: str, page: Page
):
    export_search(live_database, "coordinator@fanshaws.example", "obri", "Accessible")
    sign_in(page, live_server, "coordinator@fanshaws.example")
    found = _check_screens(page, live_server, CENTRE_USER)

    page.goto(f"{live_server}/print-batches?batch=1")
    _drawn(page)
    found += accessibility_violations(page, "a batch")
    tick_first_row(page)
    page.get_by_role("button", name="View Certificate Details").click()
    expect(page.get_by_role("dialog").get_by_text("DC Certificate Number").first).to_be_visible(
        timeout=LOAD
    )
    found += accessibility_violations(page, "document card")

    page.goto(f"{live_server}/search?surname=obri")
    _drawn(page)
    expect(page.get_by_text(re.compile(r"Found total \d+ records")).first).to_be_visible(
        timeout=LOAD
    )
    found += accessibility_violations(page, "search results")
    page.get_by_role("button", name=re.compile(r"^Export PDFs")).click()
    expect(page.get_by_role("dialog").get_by_label("File name")).to_be_visible(timeout=LOAD)
    found += accessibility_violations(page, "export dialog")

    page.goto(f"{live_server}/document-downloads")
    expect(download_link(page, "Download")).to_be_visible(timeout=EXPORT)
    wait_until_idle(page)
    found += accessibility_violations(page, "a finished export")
    assert not found, "\n".join(found)


def test_staff_screens_have_no_accessibility_violations(live_server: str, page: Page):
    sign_in(page, live_server, "staff@imi.example")
    found = _check_screens(page, live_server, STAFF)
    if page.get_by_test_id("stExpandSidebarButton").is_visible():  # the phone's menu
        page.get_by_test_id("stExpandSidebarButton").click()
        expect(page.get_by_role("link", name="Audit log")).to_be_visible(timeout=LOAD)
        found += accessibility_violations(page, "the menu, open")
    assert not found, "\n".join(found)
