"""The portal over HTTP as a browser meets it: a sign-in cookie no script can read,
logout deleting it, security headers on every response with the app still drawn, and
the metrics address closed without its token."""

from __future__ import annotations

import urllib.request
from urllib.error import HTTPError

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import METRICS_TOKEN, log_out, sign_in, wait_until_idle

pytestmark = pytest.mark.browser
COOKIE = "dc_portal_session"


def _session_cookie(page: Page) -> dict | None:
    return next((c for c in page.context.cookies() if c["name"] == COOKIE), None)


def test_the_sign_in_cookie_is_http_only_and_no_script_can_read_it(live_server: str, page: Page):
    sign_in(page, live_server, "coordinator@fanshaws.example")
    cookie = _session_cookie(page)
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Lax", "/")
    assert COOKIE not in page.evaluate("document.cookie")
    page.reload()
    expect(page.get_by_text("Centre user home").first).to_be_visible()


def test_logout_deletes_the_sign_in_cookie(live_server: str, page: Page):
    sign_in(page, live_server, "user@fanshaws.example")
    log_out(page)  # waits for the signed-out page's post to /auth/logout and its reload
    assert _session_cookie(page) is None
    page.goto(live_server)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_pages_carry_the_security_headers_and_still_draw(live_server: str, page: Page):
    refused: list[str] = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and refused.append(message.text),
    )
    answer = page.goto(f"{live_server}/verify")
    headers = answer.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] and headers["permissions-policy"]
    expect(page.get_by_role("heading", name="Verify a certificate")).to_be_visible()
    sign_in(page, live_server, "coordinator@fanshaws.example")
    page.get_by_role("link", name="Search").first.click()
    expect(page.get_by_role("heading", name="Search")).to_be_visible()
    wait_until_idle(page)
    assert refused == []


def test_metrics_answer_404_unless_the_token_is_sent(live_server: str):
    with pytest.raises(HTTPError) as refused:
        urllib.request.urlopen(f"{live_server}/_stcore/metrics", timeout=10)
    assert refused.value.code == 404
    asked = urllib.request.Request(
        f"{live_server}/_stcore/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    with urllib.request.urlopen(asked, timeout=10) as answer:
        assert answer.status == 200
