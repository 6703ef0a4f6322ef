"""Document Downloads left open: pressing Download after the export expired says so."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from core import config
from core.certificates import PDF_FROM
from core.db import session_scope
from core.exports import KEEP_FOR, ExportSelection, request_export
from core.models import BatchStatus, Certificate, Job, JobStatus, PrintBatch, User
from core.users import actor_for
from tests.e2e.conftest import download_link, screenshot, sign_in, wait_until_idle

pytestmark = pytest.mark.browser
EMAIL = "coordinator@fanshaws.example"


@pytest.fixture
def finished_export(live_database: str, monkeypatch) -> int:
    """One certificate exported by the coordinator, made by the live server's worker."""
    monkeypatch.setenv("DATABASE_URL", live_database)  # the worker's queue is beside it
    config.get_settings.cache_clear()
    with session_scope() as session:
        actor = actor_for(session, user=session.scalar(select(User).where(User.email == EMAIL)))
        certificate_id = session.scalar(
            select(Certificate.id)
            .join(PrintBatch, PrintBatch.id == Certificate.batch_id)
            .where(
                Certificate.centre_id == actor.centre_id,
                Certificate.issue_date >= PDF_FROM,
                PrintBatch.status == BatchStatus.COMPLETE,
            )
            .limit(1)
        )
        export_id = request_export(
            session,
            actor=actor,
            selection=ExportSelection(certificate_ids=(certificate_id,)),
            file_name="Left open",
        )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with session_scope() as session:
            if session.get(Job, export_id).status == JobStatus.FINISHED:
                break
        time.sleep(1)
    yield export_id
    config.get_settings.cache_clear()


def test_download_pressed_on_a_page_left_open_past_expiry_says_it_expired(
    live_server: str, finished_export: int, page: Page
):
    sign_in(page, live_server, EMAIL)
    page.get_by_role("link", name="Document Downloads").first.click()
    expect(page.get_by_text("Left-open.zip").first).to_be_visible()
    download = download_link(page, "Download")
    expect(download).to_be_visible()
    wait_until_idle(page)

    with session_scope() as session:  # a day later, the page still open
        job = session.get(Job, finished_export)
        job.finished_at -= KEEP_FOR + dt.timedelta(minutes=1)
    with page.context.expect_page() as opened:
        download.click()
    answer = opened.value
    expect(answer.get_by_text("This export has expired")).to_be_visible()
    screenshot(answer, "34-downloads-expired-on-a-stale-page")
    answer.get_by_role("link", name="Back to Document Downloads").click()
    expect(answer.get_by_text("Expired").first).to_be_visible()
