"""Sign-in, lockout, sessions, cookies, passwords and password resets (guide: Access)."""

from __future__ import annotations

import datetime as dt
import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import jwt
import pytest
from sqlalchemy import func, select, update

from core import auth
from core.config import get_settings
from core.db import session_scope
from core.errors import InvalidInput
from core.mail import TOKEN_REMOVED, deliver_queued_emails
from core.models import AuditEvent, OutboxEmail, PasswordResetToken, User, utcnow
from tests.factories import PASSWORD, make_centre, make_user
from tests.smtp import smtp_server

NEW_PASSWORD = "violet-harbour-kettle-42"


@pytest.fixture
def coordinator(db_url) -> User:
    with session_scope() as session:
        return make_user(
            session, email="coordinator@fanshaws.example", centres=(make_centre(session),)
        )


def _user(user_id: int) -> User:
    with session_scope() as session:
        return session.get(User, user_id)


def _set(user_id: int, **values) -> None:
    with session_scope() as session:
        session.execute(update(User).where(User.id == user_id).values(**values))


def _events(action: str, user_id: int) -> int:
    with session_scope() as session:
        return session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.user_id == user_id)
        )


def _refused(email: str, password: str) -> bool:
    try:
        auth.sign_in(email=email, password=password)
    except InvalidInput as error:
        assert error.message == auth.SIGN_IN_FAILED
        return True
    return False


# Sign-in and lockout


def test_sign_in_with_email_and_password(coordinator):
    user = auth.sign_in(email="Coordinator@Fanshaws.example ", password=PASSWORD)
    assert user.id == coordinator.id


def test_wrong_password_gets_the_same_message_as_an_unknown_email(coordinator):
    assert _refused(coordinator.email, "not-the-password")
    assert _refused("nobody@nowhere.example", "not-the-password")


def test_five_failures_in_a_row_lock_the_account_even_for_the_right_password(coordinator):
    for _ in range(5):
        assert _refused(coordinator.email, "wrong-password")
    assert _refused(coordinator.email, PASSWORD)
    assert _user(coordinator.id).locked_until > utcnow() + dt.timedelta(minutes=14)


def test_four_failures_then_success_clear_the_count(coordinator):
    for _ in range(4):
        assert _refused(coordinator.email, "wrong-password")
    auth.sign_in(email=coordinator.email, password=PASSWORD)
    assert _user(coordinator.id).failed_logins == 0


def test_lock_expires_after_15_minutes_and_the_count_starts_again(coordinator):
    _set(coordinator.id, locked_until=utcnow() - dt.timedelta(seconds=1), failed_logins=5)
    assert _refused(coordinator.email, "wrong-password")
    assert (_user(coordinator.id).failed_logins, _user(coordinator.id).locked_until) == (1, None)
    assert auth.sign_in(email=coordinator.email, password=PASSWORD).id == coordinator.id


def test_twenty_simultaneous_wrong_attempts_lock_at_five_and_then_refuse_the_right_one(
    coordinator,
):
    with ThreadPoolExecutor(max_workers=20) as pool:
        refused = list(pool.map(lambda _: _refused(coordinator.email, "wrong-pass"), range(20)))
    assert all(refused)
    assert _events("password_refused", coordinator.id) == 5
    assert _events("account_locked", coordinator.id) == 1
    assert _refused(coordinator.email, PASSWORD)


def test_simultaneous_attempts_with_the_right_one_among_them_judge_only_five(coordinator):
    guesses = ["wrong-pass"] * 19 + [PASSWORD]
    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(lambda guess: _refused(coordinator.email, guess), guesses))
    judged = _events("password_refused", coordinator.id) + _events("sign_in", coordinator.id)
    assert judged <= 5 and outcomes.count(False) <= 1


def test_signing_in_takes_as_long_for_an_unknown_email_as_for_a_known_one(coordinator):
    """Without a dummy hash an unknown address answers in about 1 ms against bcrypt's
    quarter second (a ratio near 0.005); the bounds allow for a busy, shared machine."""
    timings = {coordinator.email: [], "nobody@nowhere.example": []}
    for _ in range(5):  # interleaved, so a burst of load hits both alike
        for email, seconds in timings.items():
            started = time.perf_counter()
            _refused(email, "wrong-password")
            seconds.append(time.perf_counter() - started)
    known, unknown = (statistics.median(seconds) for seconds in timings.values())
    assert 0.25 < unknown / known < 4, (known, unknown)


def test_a_locked_account_is_judged_as_slowly_as_an_open_one(coordinator):
    _set(coordinator.id, locked_until=utcnow() + dt.timedelta(minutes=10))
    started = time.perf_counter()
    assert _refused(coordinator.email, PASSWORD)
    assert time.perf_counter() - started > 0.05  # bcrypt ran, against the dummy hash


def test_lock_is_stored_in_the_database(coordinator):
    for _ in range(5):
        _refused(coordinator.email, "wrong-password")
    with session_scope() as other_process:
        assert auth.is_locked(auth.find_user(other_process, coordinator.email))


def test_user_without_a_password_cannot_sign_in(db_url):
    with session_scope() as session:
        user = make_user(session, password=None)
    assert _refused(user.email, "")


def test_disabled_user_cannot_sign_in(coordinator):
    _set(coordinator.id, is_active=False)
    assert _refused(coordinator.email, PASSWORD)


@pytest.mark.parametrize("password", ["é" * 40, "x" * 73, "a\x00b"])
def test_odd_passwords_are_refused_with_the_usual_message(coordinator, password):
    assert _refused(coordinator.email, password)


@pytest.mark.parametrize("email", ["a\x00b@x.example", "x" * 300, "\U0010ffff"])
def test_odd_emails_are_refused_with_the_usual_message(db_url, email):
    assert _refused(email, "whatever-it-is")


# Sessions and cookies


def test_session_ends_at_logout(coordinator):
    signed_in_at = time.time() - 5
    with session_scope() as session:
        assert auth.session_user(session, email=coordinator.email, signed_in_at=signed_in_at)
        auth.end_sessions(session, user_id=coordinator.id)
    with session_scope() as session:
        assert not auth.session_user(session, email=coordinator.email, signed_in_at=signed_in_at)
        assert not auth.is_session_alive(session, user_id=coordinator.id, signed_in_at=signed_in_at)


def test_cookie_after_sign_in_is_accepted_and_carries_its_issue_time(coordinator):
    signed_in_at = time.time()
    claims = auth.read_cookie(auth.cookie_token(coordinator.email, signed_in_at=signed_in_at))
    assert claims == auth.CookieClaims(email=coordinator.email, signed_in_at=signed_in_at)


def test_copy_of_old_cookie_no_longer_signs_in_after_password_change(coordinator):
    old_cookie = auth.cookie_token(coordinator.email, signed_in_at=time.time() - 5)
    auth.change_password(
        user_id=coordinator.id, current=PASSWORD, new=NEW_PASSWORD, confirm=NEW_PASSWORD
    )
    claims = auth.read_cookie(old_cookie)
    with session_scope() as session:
        assert not auth.session_user(session, email=claims.email, signed_in_at=claims.signed_in_at)


def test_lowering_cookie_expiry_days_does_not_revive_a_cookie_ended_by_logout(coordinator):
    settings = get_settings()
    signed_in_at = time.time() - 2 * 86400
    cookie = auth.cookie_token(coordinator.email, signed_in_at=signed_in_at, settings=settings)
    _set(coordinator.id, sessions_valid_after=utcnow() - dt.timedelta(days=1))
    shorter = settings.model_copy(update={"cookie_expiry_days": 1.5})
    assert auth.read_cookie(cookie, settings=shorter) is None
    claims = auth.read_cookie(cookie, settings=settings)
    with session_scope() as session:
        assert not auth.session_user(session, email=claims.email, signed_in_at=claims.signed_in_at)


def _forged(claims: dict, key: str | None = None, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key or get_settings().secret_key, algorithm=algorithm)


@pytest.mark.parametrize(
    "cookie",
    [
        pytest.param(
            jwt.api_jws.PyJWS().encode(
                b'{"username":"a@b.example","exp_date":9e9,"iat":1}', "", "none"
            ),
            id="alg none",
        ),
        pytest.param("not-a-jwt", id="garbage"),
        pytest.param("", id="empty"),
    ],
)
def test_a_cookie_that_does_not_verify_is_ignored(cookie):
    assert auth.read_cookie(cookie) is None


@pytest.mark.parametrize(
    ("claims", "key", "algorithm"),
    [
        ({"username": "a@b.example", "exp_date": 9e9, "iat": time.time()}, None, "HS512"),
        ({"username": "a@b.example", "exp_date": 9e9, "iat": time.time()}, "another-key", "HS256"),
        ({"username": "a@b.example", "iat": time.time()}, None, "HS256"),
        ({"username": "a@b.example", "exp_date": "tomorrow", "iat": time.time()}, None, "HS256"),
        ({"username": "a@b.example", "exp_date": 9e9}, None, "HS256"),
        ({"username": "a@b.example", "exp_date": 9e9, "iat": "today"}, None, "HS256"),
        ({"username": 42, "exp_date": 9e9, "iat": time.time()}, None, "HS256"),
        (
            {"username": "a@b.example", "exp_date": time.time() - 1, "iat": time.time()},
            None,
            "HS256",
        ),
    ],
    ids=[
        "another algorithm",
        "another key",
        "no expiry",
        "text expiry",
        "no issue time",
        "text issue time",
        "number as email",
        "expired",
    ],
)
def test_a_cookie_with_missing_or_odd_claims_is_ignored(db_url, claims, key, algorithm):
    assert auth.read_cookie(_forged(claims, key, algorithm)) is None


# Passwords


@pytest.mark.parametrize(
    ("new", "confirm", "message"),
    [
        ("short", "short", "at least 10"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "not the same"),
        (" " + NEW_PASSWORD, " " + NEW_PASSWORD, "space"),
        ("aaaaaaaaaa", "aaaaaaaaaa", "harder password"),
        ("password1234", "password1234", "passwords people use most"),
        ("coordinator@fanshaws.example", "coordinator@fanshaws.example", "your email address"),
        ("ü" * 40, "ü" * 40, "at most 72 bytes"),
    ],
)
def test_change_password_refuses_bad_new_passwords(coordinator, new, confirm, message):
    with pytest.raises(InvalidInput, match=message):
        auth.change_password(user_id=coordinator.id, current=PASSWORD, new=new, confirm=confirm)
    assert _user(coordinator.id).password_hash == coordinator.password_hash


def test_change_password_needs_the_current_password(coordinator):
    with pytest.raises(InvalidInput, match="current password"):
        auth.change_password(
            user_id=coordinator.id, current="wrong-one", new=NEW_PASSWORD, confirm=NEW_PASSWORD
        )
    assert _user(coordinator.id).password_hash == coordinator.password_hash


def test_wrong_current_passwords_count_like_sign_in_failures_and_lock(coordinator):
    signed_in_at = time.time() - 5
    for _ in range(4):
        with pytest.raises(InvalidInput, match="current password"):
            auth.change_password(
                user_id=coordinator.id, current="guess", new=NEW_PASSWORD, confirm=NEW_PASSWORD
            )
    with pytest.raises(auth.AccountLocked, match="signed out"):
        auth.change_password(
            user_id=coordinator.id, current="guess", new=NEW_PASSWORD, confirm=NEW_PASSWORD
        )
    assert _refused(coordinator.email, PASSWORD)
    with session_scope() as session:
        assert not auth.is_session_alive(session, user_id=coordinator.id, signed_in_at=signed_in_at)


# Password resets


def _reset_link_token(email: str) -> str:
    with session_scope() as session:
        body = session.scalars(
            select(OutboxEmail.body).where(OutboxEmail.to_address == email).order_by(OutboxEmail.id)
        ).all()[-1]
    return re.search(r"token=([\w-]+)", body).group(1)


def _request_reset(email: str, settings=None) -> None:
    with session_scope() as session:
        auth.request_password_reset(session, email=email, settings=settings)


def _reset(token: str, password: str = NEW_PASSWORD) -> User:
    return auth.reset_password(token=token, new=password, confirm=password)


def test_forgotten_password_email_sets_a_new_password_once(coordinator):
    _request_reset(coordinator.email)
    token = _reset_link_token(coordinator.email)
    _reset(token)
    assert auth.sign_in(email=coordinator.email, password=NEW_PASSWORD)
    with pytest.raises(InvalidInput, match="expired or was already used"):
        _reset(token, "quiet-meadow-lantern-7")


def test_reset_link_expires_after_an_hour(coordinator):
    _request_reset(coordinator.email)
    token = _reset_link_token(coordinator.email)
    with session_scope() as session:
        session.execute(
            update(PasswordResetToken).values(expires_at=utcnow() - dt.timedelta(seconds=1))
        )
    with pytest.raises(InvalidInput, match="expired"):
        _reset(token)


def test_reset_link_is_valid_for_one_hour(coordinator):
    _request_reset(coordinator.email)
    with session_scope() as session:
        expires_at = session.scalar(select(PasswordResetToken.expires_at))
    assert dt.timedelta(minutes=59) < expires_at - utcnow() <= dt.timedelta(minutes=60)


def test_reset_request_for_unknown_email_sends_nothing(db_url):
    _request_reset("nobody@nowhere.example")
    with session_scope() as session:
        assert session.scalar(select(OutboxEmail)) is None


def test_reset_token_is_stored_only_as_a_digest(coordinator):
    _request_reset(coordinator.email)
    token = _reset_link_token(coordinator.email)
    with session_scope() as session:
        assert session.scalar(select(PasswordResetToken.token_hash)) != token


def test_new_user_makes_a_first_password_through_forgotten_password(db_url):
    with session_scope() as session:
        newcomer = make_user(session, email="new@fanshaws.example", password=None)
    _request_reset(newcomer.email)
    _reset(_reset_link_token(newcomer.email))
    assert auth.sign_in(email=newcomer.email, password=NEW_PASSWORD).id == newcomer.id


def test_reset_unlocks_a_locked_account(coordinator):
    _set(coordinator.id, locked_until=utcnow() + dt.timedelta(minutes=10))
    _request_reset(coordinator.email)
    _reset(_reset_link_token(coordinator.email))
    assert auth.sign_in(email=coordinator.email, password=NEW_PASSWORD)


def test_only_three_reset_emails_an_hour_go_to_one_address(coordinator):
    for _ in range(17):
        _request_reset(coordinator.email)
    with session_scope() as session:
        sent = session.scalar(select(func.count()).select_from(OutboxEmail))
    assert sent == get_settings().reset_requests_per_hour == 3
    assert _events("password_reset_throttled", coordinator.id) == 14


def test_a_new_reset_link_ends_the_older_ones(coordinator):
    _request_reset(coordinator.email)
    older = _reset_link_token(coordinator.email)
    _request_reset(coordinator.email)
    newer = _reset_link_token(coordinator.email)
    with pytest.raises(InvalidInput, match="expired or was already used"):
        _reset(older)
    assert _reset(newer).id == coordinator.id


def test_a_password_change_ends_reset_links_issued_before_it(coordinator):
    _request_reset(coordinator.email)
    token = _reset_link_token(coordinator.email)
    auth.change_password(
        user_id=coordinator.id, current=PASSWORD, new=NEW_PASSWORD, confirm=NEW_PASSWORD
    )
    with pytest.raises(InvalidInput, match="expired or was already used"):
        _reset(token, "quiet-meadow-lantern-7")


def test_a_disabled_user_gets_no_reset_link_and_cannot_use_an_old_one(coordinator):
    _request_reset(coordinator.email)
    token = _reset_link_token(coordinator.email)
    _set(coordinator.id, is_active=False)
    with pytest.raises(InvalidInput, match="expired or was already used"):
        _reset(token)
    _request_reset(coordinator.email)
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(OutboxEmail)) == 1


def test_reset_email_waits_for_the_worker_and_then_keeps_no_usable_token(coordinator):
    with smtp_server() as (port, inbox):
        settings = get_settings().model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
        _request_reset(coordinator.email, settings=settings)
        assert inbox == []  # the request did not talk to the mail server
        assert deliver_queued_emails(settings) == 1
    (message,) = inbox
    token = re.search(r"token=([\w-]+)", message.get_content()).group(1)
    with session_scope() as session:
        stored = session.scalar(select(OutboxEmail))
    assert (stored.status, token in stored.body, TOKEN_REMOVED in stored.body) == (
        "sent",
        False,
        True,
    )
    assert _reset(token).id == coordinator.id


def test_without_a_mail_server_the_outbox_keeps_the_link(coordinator):
    _request_reset(coordinator.email)
    with session_scope() as session:
        stored = session.scalar(select(OutboxEmail))
    assert stored.status == "outbox" and "reset-password?token=" in stored.body


def test_audit_records_who_signed_in(coordinator):
    auth.sign_in(email=coordinator.email, password=PASSWORD)
    assert _events("sign_in", coordinator.id) == 1
