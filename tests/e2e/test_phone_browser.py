"""A phone (390 x 844): the menu has a name, the filters and the search form fold away,
and the tables start on the first screen with the columns that matter first."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import SHOTS, sign_in, wait_until_idle

pytestmark = pytest.mark.browser
WIDTH, HEIGHT = 390, 844
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A phone's browser (named page so that a failure keeps its screenshot)."""
    context = browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT}, user_agent=IPHONE, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def _first_screen(page: Page, name: str) -> None:
    """What the phone shows before any scrolling."""
    wait_until_idle(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png")


def _table_starts_on_the_first_screen(page: Page, first_cell: str | re.Pattern) -> None:
    """The table's top is in the upper part of the first screen, and its first column
    (after the tick boxes) is the one that matters."""
    grid = page.locator('[data-testid="stDataFrame"]').first
    expect(grid).to_be_visible()
    wait_until_idle(page)
    assert grid.bounding_box()["y"] < HEIGHT * 0.7  # rows show without scrolling
    expect(grid.get_by_test_id("glide-cell-1-0")).to_have_text(first_cell)


def test_phone_reaches_the_tables_at_once(live_server: str, page: Page):
    sign_in(page, live_server, "coordinator@fanshaws.example")
    wait_until_idle(page)
    menu = page.get_by_test_id("stExpandSidebarButton")  # the folded menu
    expect(menu).to_be_visible()
    assert menu.evaluate("button => getComputedStyle(button, '::after').content") == '"Menu"'
    menu.click()
    expect(page.get_by_role("link", name="Print Batches").first).to_be_visible()
    page.get_by_test_id("stSidebarCollapseButton").locator("button").click()
    _first_screen(page, "30-phone-home")

    page.goto(f"{live_server}/print-batches")
    expect(page.get_by_text("Found total 40 records").first).to_be_visible(timeout=20_000)
    expect(page.get_by_label("Status")).to_be_hidden()  # the filters are folded away
    _table_starts_on_the_first_screen(page, "View")
    _first_screen(page, "31-phone-print-batches")

    page.goto(f"{live_server}/print-batches?batch=1")
    expect(page.get_by_role("heading", name="Batch 1")).to_be_visible(timeout=20_000)
    _table_starts_on_the_first_screen(page, re.compile(r"^\d{9}-\d{2}-\d{4}$"))
    _first_screen(page, "32-phone-batch")

    page.goto(f"{live_server}/search?surname=lukas")
    found = page.get_by_text(re.compile(r"Found total \d+ records")).first
    expect(found).to_be_visible(timeout=20_000)
    expect(page.get_by_label("Surname")).to_be_hidden()  # the form is folded away
    _table_starts_on_the_first_screen(page, "Nowak-Łukasiewicz")
    _first_screen(page, "33-phone-search")
