"""The phone layout follows the screen's width: a narrow window (390 x 844) whose user
agent does not say "Mobi" (a desktop browser made narrow, a tablet, a phone asking for
the desktop site) gets it too. Sign-in's links are whole, and Document Downloads reads
like the other phone tables, Download first."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.conftest import SHOTS, download_link, export_search, sign_in, wait_until_idle

pytestmark = pytest.mark.browser
LOAD = 30_000  # ms: a page drawn on a busy machine (2 cores shared by many)
EXPORT = 90_000  # ms: an export from Pending to Finished
WIDTH, HEIGHT = 390, 844


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A narrow window of a desktop browser (Chromium's own user agent: no "Mobi")."""
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    page.set_default_timeout(LOAD)
    assert "Mobi" not in page.evaluate("navigator.userAgent")
    yield page
    context.close()


def _first_screen(page: Page, name: str) -> None:
    """What the phone shows before any scrolling."""
    wait_until_idle(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png")


def _whole(link: Locator) -> bool:
    """Nothing in the link is cut off (no text wider than its box) and it ends on screen."""
    return link.evaluate(
        """link => [link, ...link.querySelectorAll('*')].every(
               element => element.scrollWidth <= element.clientWidth + 1)
           && link.getBoundingClientRect().right <= window.innerWidth"""
    )


def test_sign_in_links_are_whole_at_phone_width(live_server: str, page: Page):
    page.goto(live_server)
    wait_until_idle(page)
    for words in ("Set your password", "Verify it, no account needed"):
        link = page.get_by_role("link", name=re.compile(words))
        expect(link).to_be_visible(timeout=LOAD)
        assert _whole(link), f"the link with '{words}' is cut off"
    _first_screen(page, "34-phone-sign-in")


def test_phone_width_without_a_phone_user_agent_gets_the_phone_layout(
    live_server: str, live_database: str, page: Page
):
    export_search(live_database, "user@fanshaws.example", "nowak", "Phone width")
    sign_in(page, live_server, "user@fanshaws.example")

    page.goto(f"{live_server}/print-batches")
    expect(page.get_by_text("Found total 40 records").first).to_be_visible(timeout=LOAD)
    status = page.get_by_label("Status")
    expect(status).to_be_hidden(timeout=LOAD)  # the filters fold away
    page.set_viewport_size({"width": 1400, "height": HEIGHT})  # wider: they open again
    expect(status).to_be_visible(timeout=LOAD)
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    expect(status).to_be_hidden(timeout=LOAD)

    page.goto(f"{live_server}/document-downloads")
    download = download_link(page, "Download", row="Phone-width.zip")
    expect(download).to_be_visible(timeout=EXPORT)  # Pending, then Finished
    wait_until_idle(page)
    expect(page.get_by_text("Requested by", exact=True)).to_be_hidden(
        timeout=LOAD
    )  # no headings row
    name = page.get_by_text("Phone-width.zip").first
    status = page.get_by_text("Finished").first
    download_box, name_box = download.bounding_box(), name.bounding_box()
    assert download_box["y"] + download_box["height"] < HEIGHT  # on the first screen
    assert download_box["y"] <= name_box["y"] + name_box["height"]  # Download leads its row
    assert name_box["y"] < status.bounding_box()["y"] < name_box["y"] + 120  # row, not column
    _first_screen(page, "35-phone-document-downloads")
