"""Coordinator: Print Batches, filter by Type, open a batch and a document card, email
candidates."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    choose,
    open_and_close_document_card,
    screenshot,
    sign_in,
    tick_first_row,
    wait_until_idle,
)

pytestmark = pytest.mark.browser


def test_coordinator_works_through_print_batches(live_server: str, page: Page):
    sign_in(page, live_server, "coordinator@fanshaws.example")
    page.get_by_role("link", name="Print Batches").first.click()
    expect(page.get_by_text("Found total 40 records").first).to_be_visible()
    wait_until_idle(page)
    screenshot(page, "10-print-batches")

    choose(page, "Type", "Reprint")
    expect(page.get_by_text("Found total 40 records")).to_have_count(0)
    wait_until_idle(page)
    screenshot(page, "11-print-batches-filtered")

    tick_first_row(page)
    page.get_by_role("button", name="View ticked batch").click()
    expect(page.get_by_role("heading", name="Batch").first).to_be_visible()
    tick_first_row(page)
    open_and_close_document_card(page, shows="Fanshaws", shot="12-document-card")

    page.get_by_role("button", name="All batches").click()
    page.get_by_role("button", name="Reset").click()
    expect(page.get_by_text("Found total 40 records").first).to_be_visible()
    tick_first_row(page)
    choose(page, "Action for the ticked batches", "Email candidates")
    page.get_by_role("button", name="Submit").click()
    sent = page.get_by_text(re.compile(r"Email candidates of batch \d+: \d+ sent")).first
    expect(sent).to_be_visible(timeout=30_000)
    wait_until_idle(page)
    email_status_of_first_row = page.get_by_test_id("glide-cell-7-0").first
    expect(email_status_of_first_row).to_have_text(re.compile(r"^Sent \d+ of \d+$"))
    screenshot(page, "13-candidates-emailed")
