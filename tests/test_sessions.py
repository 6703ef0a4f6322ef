"""Sign-in tickets and the HttpOnly cookie they earn (core.sessions)."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from core import sessions
from core.auth import end_sessions
from core.db import session_scope
from core.links import same_origin_path_or
from core.models import utcnow
from core.sessions import (
    CookieToSet,
    RedeemedTicket,
    issue_sign_in_ticket,
    on_ticket_redeemed,
    redeem_sign_in_ticket,
    session_cookie,
    signed_in_actor,
)
from tests.factories import make_centre, make_user


@pytest.fixture
def user(db_url):
    with session_scope(db_url) as session:
        return make_user(session, centres=(make_centre(session),))


def _ticket(db_url, user, **options) -> str:
    with session_scope(db_url) as session:
        return issue_sign_in_ticket(session, user_id=user.id, signed_in_at=time.time(), **options)


def _redeem(db_url, token, now=None) -> list[CookieToSet]:
    with session_scope(db_url) as session:
        return redeem_sign_in_ticket(session, token=token, now=now)


def test_a_ticket_earns_the_sign_in_cookie_once(db_url, user):
    token = _ticket(db_url, user)
    (cookie,) = _redeem(db_url, token)
    with session_scope(db_url) as session:
        assert signed_in_actor(session, cookie=cookie.value).user_id == user.id
    assert _redeem(db_url, token) == []


def test_a_ticket_older_than_a_minute_earns_nothing(db_url, user):
    token = _ticket(db_url, user)
    later = utcnow() + dt.timedelta(seconds=sessions.TICKET_SECONDS + 1)
    assert _redeem(db_url, token, now=later) == []


def test_a_ticket_of_a_user_who_logged_out_since_earns_nothing(db_url, user):
    token = _ticket(db_url, user)
    time.sleep(0.01)
    with session_scope(db_url) as session:
        end_sessions(session, user_id=user.id)
    assert _redeem(db_url, token) == []


def test_an_unknown_ticket_earns_nothing(db_url, user):
    _ticket(db_url, user)
    assert _redeem(db_url, "not-a-ticket") == []


def test_hooks_add_their_cookies_and_see_remember_browser(db_url, user, monkeypatch):
    monkeypatch.setattr(sessions, "_hooks", [])
    seen: list[RedeemedTicket] = []

    @on_ticket_redeemed
    def remember(session, redeemed: RedeemedTicket) -> list[CookieToSet]:
        seen.append(redeemed)
        return [CookieToSet("dc_remember", "r", 3600, False)] if redeemed.remember_browser else []

    cookies = _redeem(db_url, _ticket(db_url, user, remember_browser=True))
    assert [cookie.name for cookie in cookies] == ["dc_portal_session", "dc_remember"]
    assert [c.name for c in _redeem(db_url, _ticket(db_url, user))] == ["dc_portal_session"]
    assert [redeemed.remember_browser for redeemed in seen] == [True, False]


def test_the_cookie_lasts_what_is_left_of_its_days_and_is_secure_behind_https(monkeypatch):
    from core.config import load_settings

    https = load_settings({"PUBLIC_URL": "https://certificates.example", "COOKIE_EXPIRY_DAYS": "2"})
    cookie = session_cookie("a@b.example", signed_in_at=1000.0, settings=https, now=1000.0 + 3600)
    assert (cookie.max_age, cookie.secure) == (2 * 86400 - 3600, True)
    plain = load_settings({"PUBLIC_URL": "http://localhost:8501"})
    assert not session_cookie("a@b.example", signed_in_at=time.time(), settings=plain).secure


def test_a_logged_out_cookie_has_no_actor(db_url, user):
    cookie = session_cookie(user.email, signed_in_at=time.time() - 1)
    with session_scope(db_url) as session:
        end_sessions(session, user_id=user.id)
    with session_scope(db_url) as session:
        assert signed_in_actor(session, cookie=cookie.value) is None


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/search?surname=smith", "/search?surname=smith"),
        ("/", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/path", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("search", "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_only_paths_of_this_site_are_redirect_targets(target, expected):
    assert same_origin_path_or(target) == expected
