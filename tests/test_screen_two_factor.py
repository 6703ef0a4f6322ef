"""Two-factor sign-in as a user sees it (AppTest): the code step, remember this
browser, forced enrolment, Profile's part, staff's reset. Real codes from pyotp."""

from __future__ import annotations

import re
from html import unescape

import pyotp
import pytest
from sqlalchemy import select

from core.db import session_scope
from core.models import AuditEvent, Centre, RememberedBrowser, Role, User
from core.sessions import redeem_sign_in_ticket
from tests.apptest import by_label, shown, signed_in_app, signed_out_app, texts
from tests.factories import PASSWORD, TOTP_SECRET, make_centre, make_user
from ui.navigation import PROFILE, TWO_FACTOR
from web.auth import SESSION_PATH  # also registers the remember-browser cookie


@pytest.fixture
def fanshaws(db_url) -> int:
    with session_scope() as session:
        return make_centre(session, "Fanshaws").id


def _make(fanshaws: int, *, role: Role = Role.CENTRE_USER, two_factor: bool = True) -> User:
    with session_scope() as session:
        centre = session.get(Centre, fanshaws)
        return make_user(session, role=role, centres=(centre,), two_factor=two_factor)


def _password_step(email: str):
    app = signed_out_app()
    by_label(app.text_input, "Email address").input(email)
    by_label(app.text_input, "Password").input(PASSWORD)
    by_label(app.button, "Sign in").click()
    return app.run()


def _code_step(app, code: str, remember: bool = False):
    by_label(app.text_input, "Code").input(code)
    if remember:
        by_label(app.checkbox, "Remember this browser for 30 days").check()
    by_label(app.button, "Verify").click()
    return app.run()


def test_an_enrolled_user_is_asked_for_a_code_after_the_password(fanshaws):
    app = _password_step(_make(fanshaws).email)
    assert "Two-factor sign-in" in texts(app)
    assert "authentication_status" not in app.session_state


def test_the_code_from_the_app_signs_the_user_in(fanshaws):
    app = _code_step(_password_step(_make(fanshaws).email), pyotp.TOTP(TOTP_SECRET).now())
    assert app.session_state["authentication_status"] is True
    assert "Centre user home" in texts(app.run())


def test_a_wrong_code_is_refused_with_a_message_and_signs_no_one_in(fanshaws):
    app = _code_step(_password_step(_make(fanshaws).email), "000000")
    assert "not right" in shown(app.error[0].value)
    assert "authentication_status" not in app.session_state


def test_remember_this_browser_rides_on_the_sign_in_ticket_as_an_http_only_cookie(fanshaws):
    user = _make(fanshaws)
    app = _code_step(_password_step(user.email), pyotp.TOTP(TOTP_SECRET).now(), remember=True)
    scripts = [html.proto.body for html in app.get("html") if SESSION_PATH in html.proto.body]
    assert len(scripts) == 1 and "cookie" not in scripts[0].lower()
    ticket = unescape(re.search(r'data-ticket="([^"]+)"', scripts[0]).group(1))
    with session_scope() as session:
        assert session.scalars(select(RememberedBrowser)).all() == []  # not before the POST
        cookies = redeem_sign_in_ticket(session, token=ticket)
        stored = session.scalars(select(RememberedBrowser.user_id)).all()
    assert [cookie.name for cookie in cookies] == ["dc_portal_session", "dc_portal_remember"]
    assert stored == [user.id]


def test_staff_without_two_factor_are_taken_to_set_it_up_and_see_nothing_else(fanshaws):
    staff = _make(fanshaws, role=Role.STAFF, two_factor=False)
    app = signed_in_app(staff)
    assert "must use two-factor sign-in" in texts(app)
    app.switch_page(PROFILE.path).run()  # an address typed by hand
    assert "must use two-factor sign-in" in texts(app) and "Sign-in details" not in texts(app)


def test_enrolment_with_a_real_code_turns_it_on_and_shows_the_recovery_codes(fanshaws):
    staff = _make(fanshaws, role=Role.STAFF, two_factor=False)
    app = signed_in_app(staff)
    secret = app.session_state["two_factor_secret"]
    by_label(app.text_input, "Code from the app").input(pyotp.TOTP(secret).now())
    by_label(app.button, "Turn on two-factor sign-in").click()
    app.run()
    codes = app.session_state["two_factor_codes"]
    assert len(codes) == 10 and codes[0] in texts(app) + "".join(c.value for c in app.code)
    with session_scope() as session:
        assert session.get(User, staff.id).totp_secret == secret


def test_a_coordinator_requires_two_factor_for_the_centre_from_profile(fanshaws):
    coordinator = _make(fanshaws, role=Role.COORDINATOR)
    app = signed_in_app(coordinator, PROFILE.path)
    by_label(app.toggle, "Everyone at Fanshaws must use two-factor sign-in").set_value(True)
    app.run()
    with session_scope() as session:
        assert session.get(Centre, fanshaws).require_two_factor is True
        assert session.scalar(select(AuditEvent.action).where(AuditEvent.target.like("centre:%")))


def test_profile_offers_set_up_to_a_user_without_two_factor(fanshaws):
    app = signed_in_app(_make(fanshaws, two_factor=False), PROFILE.path)
    links = {link.proto.page: link.proto.label for link in app.get("page_link")}
    assert links[TWO_FACTOR.address] == "Set up two-factor sign-in"
