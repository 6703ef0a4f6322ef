"""Two-factor sign-in in a real browser (issue 22): a staff member without it is held on
enrolment, a centre user turns it on from Profile and signs in with a code, a recovery
code signs in once, and a remembered browser skips the code. Real codes from pyotp."""

from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import Page, expect

from core.db import session_scope
from core.models import Membership, Role, User
from core.passwords import hash_password
from core.two_factor import enrol, new_secret
from tests.e2e.conftest import (
    DEMO_PASSWORD,
    answer_code_step,
    fill_sign_in_form,
    log_out,
    next_code,
    screenshot,
    sign_in,
    wait_until_idle,
)

pytestmark = pytest.mark.browser
_numbers = itertools.count(1)


def _new_user(database: str, role: Role = Role.CENTRE_USER) -> str:
    """A user with the demo password in the live server's database; their email."""
    email = f"two.factor{next(_numbers)}@{'imi' if role == Role.STAFF else 'fanshaws'}.example"
    with session_scope(database) as session:
        user = User(
            email=email,
            first_name="Morgan",
            surname="Ellery",
            role=role.value,
            password_hash=hash_password(DEMO_PASSWORD),
            active_centre_id=None if role == Role.STAFF else 1,
        )
        session.add(user)
        session.flush()
        if role != Role.STAFF:
            session.add(Membership(user_id=user.id, centre_id=1))
    return email


def _secret_on_page(page: Page) -> str:
    return page.locator('[data-testid="stCode"]').first.inner_text().replace(" ", "").strip()


def _turn_on(page: Page) -> tuple[str, list[str]]:
    """Scan-less enrolment: read the secret the page shows, type the app's code; the
    recovery codes shown."""
    expect(page.locator('[data-testid="stImage"] img').first).to_be_visible()  # the QR code
    secret = _secret_on_page(page)
    page.get_by_label("Code from the app").fill(next_code(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_text("Keep these recovery codes somewhere safe").first).to_be_visible()
    codes = _secret_on_page(page).split("\n")
    return secret, [code for code in codes if code]


def _log_out(page: Page, url: str) -> None:
    """Log out, then open the portal afresh (as a user coming back does: a new
    connection, which carries the browser's cookies)."""
    log_out(page)
    page.goto(url)


def test_a_staff_member_without_two_factor_is_held_on_enrolment(
    live_server: str, live_database: str, page: Page
):
    email = _new_user(live_database, Role.STAFF)
    page.goto(live_server)
    fill_sign_in_form(page, email, DEMO_PASSWORD)
    expect(page.get_by_text("Your account must use two-factor sign-in").first).to_be_visible()
    wait_until_idle(page)
    screenshot(page, "90-staff-must-enrol")
    page.goto(f"{live_server}/staff-users")  # typed by hand: still only enrolment
    expect(page.get_by_text("Your account must use two-factor sign-in").first).to_be_visible()
    expect(page.get_by_role("link", name="All orders")).to_have_count(0)

    _, codes = _turn_on(page)
    assert len(codes) == 10
    wait_until_idle(page)
    screenshot(page, "91-recovery-codes")
    page.get_by_role("button", name="I have saved my recovery codes: continue").click()
    expect(page.get_by_text("Staff home").first).to_be_visible()


def test_a_centre_user_turns_it_on_in_profile_and_signs_in_with_a_code(
    live_server: str, live_database: str, page: Page
):
    email = _new_user(live_database)
    sign_in(page, live_server, email)
    page.get_by_role("link", name="Profile").first.click()
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    secret, _ = _turn_on(page)
    page.get_by_role("button", name="I have saved my recovery codes: continue").click()
    expect(page.get_by_text("Centre user home").first).to_be_visible()
    _log_out(page, live_server)

    fill_sign_in_form(page, email, DEMO_PASSWORD)
    expect(page.get_by_label("Code", exact=True)).to_be_visible()
    wait_until_idle(page)
    screenshot(page, "92-sign-in-code")
    page.get_by_label("Code", exact=True).fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code is not right").first).to_be_visible()
    answer_code_step(page, secret)
    expect(page.get_by_text("Centre user home").first).to_be_visible()


def _enrolled_user(database: str) -> tuple[str, str, list[str]]:
    email = _new_user(database)
    secret = new_secret()
    with session_scope(database) as session:
        user_id = session.query(User.id).filter(User.email == email).scalar()
        codes = enrol(session, user_id=user_id, secret=secret, code=next_code(secret))
    return email, secret, codes


def test_a_recovery_code_signs_in_once(live_server: str, live_database: str, page: Page):
    email, _, codes = _enrolled_user(live_database)
    page.goto(live_server)
    fill_sign_in_form(page, email, DEMO_PASSWORD)
    page.get_by_label("Code", exact=True).fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("Centre user home").first).to_be_visible()
    _log_out(page, live_server)
    fill_sign_in_form(page, email, DEMO_PASSWORD)
    page.get_by_label("Code", exact=True).fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code is not right").first).to_be_visible()


def test_a_remembered_browser_asks_only_for_the_password(
    live_server: str, live_database: str, page: Page
):
    email, secret, _ = _enrolled_user(live_database)
    page.goto(live_server)
    fill_sign_in_form(page, email, DEMO_PASSWORD)
    answer_code_step(page, secret, remember=True)
    expect(page.get_by_text("Centre user home").first).to_be_visible()
    page.wait_for_timeout(500)
    assert any(c["name"] == "dc_portal_remember" for c in page.context.cookies())
    _log_out(page, live_server)
    fill_sign_in_form(page, email, DEMO_PASSWORD)
    expect(page.get_by_text("Centre user home").first).to_be_visible()
