"""A new user sets a first password out of the box: no mail server, `make run` on its
own port, the emailed link read with `python -m core.cli outbox` (the README's steps)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_PASSWORD, ROOT, fill_sign_in_form, wait_until_idle

pytestmark = pytest.mark.browser
EMAIL = "coordinator@northgate.example"


def _outbox(database_url: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "core.cli", "outbox", "--limit", "1"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_first_password_from_the_emailed_link(live_server: str, live_database: str, page: Page):
    page.goto(f"{live_server}/forgot-password")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_text("If that email address has an account").first).to_be_visible()

    printed = _outbox(live_database)
    assert f"To: {EMAIL}" in printed
    link = re.search(r"http://\S+/reset-password\?token=\S+", printed).group(0)
    assert urlsplit(link).port == urlsplit(live_server).port  # make run's PORT, not 8501

    page.goto(link)
    page.get_by_label("New password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_label("Confirm new password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_text("Your password is set").first).to_be_visible()
    wait_until_idle(page)

    page.goto(live_server)
    fill_sign_in_form(page, EMAIL, DEMO_PASSWORD)
    expect(page.get_by_text("Centre user home").first).to_be_visible()
