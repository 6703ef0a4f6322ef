"""Open Badges and API keys in the browser: the candidate downloads their Open Badge
and sees the LinkedIn link, an employer pastes it on the Verify page, a coordinator makes
an API key in Profile and staff see it on Centres."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from core import config
from core.candidate_links import create_candidate_link
from core.certificates import PDF_FROM
from core.db import session_scope
from core.models import Certificate
from tests.e2e.conftest import screenshot, sign_in, wait_until_idle

pytestmark = pytest.mark.browser
expect.set_options(timeout=20_000)


@pytest.fixture
def candidate_link(live_server, live_database, monkeypatch) -> str:
    """A demo candidate's personal link, made beside the live server."""
    monkeypatch.setenv("DATABASE_URL", live_database)
    monkeypatch.setenv("PUBLIC_URL", live_server)
    config.get_settings.cache_clear()
    with session_scope() as session:
        certificate_id = session.scalar(
            select(Certificate.id)
            .where(Certificate.issue_date >= PDF_FROM, Certificate.revoked.is_(False))
            .order_by(Certificate.id.desc())
        )
        link = create_candidate_link(session, certificate_id=certificate_id)
    yield link
    config.get_settings.cache_clear()


def test_a_candidate_downloads_the_badge_and_an_employer_verifies_it(
    candidate_link, live_server, page: Page, tmp_path: Path
):
    page.goto(candidate_link)
    expect(page.get_by_text("Verification address").first).to_be_visible(timeout=90_000)
    linkedin = page.get_by_role("link", name="Add to LinkedIn")
    expect(linkedin).to_have_attribute(
        "href", re.compile(r"^https://www\.linkedin\.com/profile/add\?")
    )
    wait_until_idle(page)
    screenshot(page, "85-my-certificate-open-badge")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download Open Badge").click()
    saved = tmp_path / "badge.json"
    download.value.save_as(saved)
    assert json.loads(saved.read_text())["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    page.goto(f"{live_server}/verify")
    page.get_by_role("tab", name="Open Badge").click(timeout=90_000)
    page.get_by_label("Open Badge credential").fill(saved.read_text())
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_test_id("stAlertContentSuccess").get_by_text("Valid")).to_be_visible()
    wait_until_idle(page)
    screenshot(page, "86-verify-open-badge")


def test_a_coordinator_makes_an_api_key_and_staff_see_it(live_server, page: Page, browser: Browser):
    page.set_default_timeout(90_000)  # a machine shared by many draws slowly
    sign_in(page, live_server, "coordinator@fanshaws.example")
    page.goto(f"{live_server}/profile")
    expect(page.get_by_role("textbox", name="Key name")).to_be_visible(timeout=90_000)
    page.get_by_role("textbox", name="Key name").fill("College MIS")
    page.get_by_role("button", name="Create API key").click()
    expect(page.get_by_text("Copy this key now")).to_be_visible()
    wait_until_idle(page)
    screenshot(page, "87-profile-api-keys")
    staff = browser.new_context(viewport={"width": 1400, "height": 1300}).new_page()
    staff.set_default_timeout(90_000)
    sign_in(staff, live_server, "staff@imi.example")
    staff.goto(f"{live_server}/staff-centres")
    expect(staff.get_by_role("heading", name="API keys")).to_be_visible(timeout=90_000)
    wait_until_idle(staff)
    screenshot(staff, "88-staff-api-keys")
    expect(staff.get_by_text("Every centre's API keys, newest first.")).to_be_visible()
    staff.context.close()


def test_a_candidate_downloads_the_badge_image_and_an_employer_uploads_it_to_verify(
    candidate_link, live_server, page: Page, tmp_path: Path
):
    page.goto(candidate_link)
    expect(page.get_by_text("Verification address").first).to_be_visible(timeout=90_000)
    wait_until_idle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download badge image").click()
    assert download.value.suggested_filename.endswith(".png")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"\x89PNG")

    page.goto(f"{live_server}/verify")
    page.get_by_role("tab", name="Open Badge").click(timeout=90_000)
    uploads = page.get_by_test_id("stFileUploaderDropzoneInput")
    uploads.last.set_input_files(saved)  # the Open Badge tab's (the PDF tab has one too)
    wait_until_idle(page)
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_test_id("stAlertContentSuccess").get_by_text("Valid")).to_be_visible()
    wait_until_idle(page)
    screenshot(page, "89-verify-badge-image")
