"""Staff imports a claims file, moves its batch through production to Complete, and the
centre's coordinator then sees it Complete in Print Batches (issue 9, items 3 and 4)."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from core.claims import COLUMNS
from core.db import session_scope
from core.models import PrintBatch
from tests.e2e.conftest import screenshot, sign_in, tick_first_row, wait_until_idle

pytestmark = pytest.mark.browser


def _claims_file(tmp_path) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for index in range(5):
        writer.writerow(
            (
                f"40000{index:04d}-01-1800",
                "0412",
                f"5200{index:04d}",
                "Siân",
                "Nowak-Łukasiewicz",
                "30/09/1981",
                "",
                "603/1465/5",
                "IMI Level 3 Diploma in Light Vehicle Maintenance and Repair Principles",
                "Qualification",
                "Merit",
                "17/08/2025",
                "",
                "",
            )
        )
    path = tmp_path / "fanshaws-claims.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return str(path)


def _move_first_batch_to(page: Page, status: str) -> None:
    tick_first_row(page)
    page.locator('[data-testid="stRadio"]').get_by_text(status, exact=True).click()
    page.get_by_role("button", name="Save status").click()
    expect(page.get_by_text(f"is now {status}").first).to_be_visible()
    wait_until_idle(page)


def test_staff_import_a_claims_file_and_complete_its_batch_for_the_centre(
    live_server: str, live_database: str, page: Page, browser: Browser, tmp_path
):
    sign_in(page, live_server, "staff@imi.example")
    page.get_by_text("Staff", exact=True).first.click()
    page.get_by_role("link", name="Import claims").first.click()
    page.locator('input[type="file"]').set_input_files(_claims_file(tmp_path))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("5 certificates imported").first).to_be_visible(timeout=60_000)
    screenshot(page, "70-import-claims")
    with session_scope(live_database) as session:
        batch_id = session.scalar(select(func.max(PrintBatch.id)))

    page.goto(f"{live_server}/all-batches")
    grid = page.locator('[data-testid="stDataFrame"]').first
    expect(grid.get_by_test_id("glide-cell-2-0")).to_have_text(str(batch_id))
    _move_first_batch_to(page, "Printing")
    _move_first_batch_to(page, "Complete")
    screenshot(page, "72-all-batches")

    centre = browser.new_context(viewport={"width": 1400, "height": 1300}).new_page()
    sign_in(centre, live_server, "coordinator@fanshaws.example")
    centre.get_by_role("link", name="Print Batches").first.click()
    grid = centre.locator('[data-testid="stDataFrame"]').first
    expect(grid.get_by_test_id("glide-cell-2-0")).to_have_text(str(batch_id))
    expect(grid.get_by_test_id("glide-cell-3-0")).to_have_text("COMPLETE")
    centre.context.close()
