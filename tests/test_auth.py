"""Sign-in, lockout, sessions and password resets (guide: Access)."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from sqlalchemy import select

from core import auth
from core.config import get_settings
from core.errors import InvalidInput
from core.models import OutboxEmail, PasswordResetToken, User, utcnow
from tests.factories import PASSWORD, make_centre, make_user


@pytest.fixture
def coordinator(session) -> User:
    return make_user(session, email="coordinator@fanshaws.example", centres=(make_centre(session),))


def _reset_link_token(session, email: str) -> str:
    body = session.scalars(select(OutboxEmail.body).where(OutboxEmail.to_address == email)).all()[
        -1
    ]
    return re.search(r"token=([\w-]+)", body).group(1)


def test_sign_in_with_email_and_password(session, coordinator):
    assert auth.sign_in(session, email="Coordinator@Fanshaws.example ", password=PASSWORD) == (
        coordinator
    )


def test_wrong_password_gets_the_same_message_as_an_unknown_email(session, coordinator):
    with pytest.raises(InvalidInput) as wrong_password:
        auth.sign_in(session, email=coordinator.email, password="not-the-password")
    with pytest.raises(InvalidInput) as unknown_email:
        auth.sign_in(session, email="nobody@nowhere.example", password="not-the-password")
    assert wrong_password.value.message == unknown_email.value.message == auth.SIGN_IN_FAILED


def test_five_failures_in_a_row_lock_the_account_even_for_the_right_password(session, coordinator):
    for _ in range(5):
        with pytest.raises(InvalidInput):
            auth.sign_in(session, email=coordinator.email, password="wrong-password")
    with pytest.raises(InvalidInput):
        auth.sign_in(session, email=coordinator.email, password=PASSWORD)
    assert coordinator.locked_until > utcnow() + dt.timedelta(minutes=14)


def test_four_failures_then_success_clear_the_count(session, coordinator):
    for _ in range(4):
        with pytest.raises(InvalidInput):
            auth.sign_in(session, email=coordinator.email, password="wrong-password")
    auth.sign_in(session, email=coordinator.email, password=PASSWORD)
    assert coordinator.failed_logins == 0


def test_lock_expires_after_15_minutes(session, coordinator):
    coordinator.locked_until = utcnow() - dt.timedelta(seconds=1)
    assert auth.sign_in(session, email=coordinator.email, password=PASSWORD) == coordinator


def test_lock_is_stored_in_the_database(db_url, coordinator, session):
    for _ in range(5):
        with pytest.raises(InvalidInput):
            auth.sign_in(session, email=coordinator.email, password="wrong-password")
    session.commit()
    from core.db import session_scope

    with session_scope(db_url) as other_process:
        assert auth.credentials_for(other_process, coordinator.email) is None


def test_user_without_a_password_cannot_sign_in(session):
    user = make_user(session, password=None)
    with pytest.raises(InvalidInput):
        auth.sign_in(session, email=user.email, password="")


def test_session_ends_at_logout(session, coordinator):
    signed_in_at = time.time() - 5
    assert auth.session_user(session, email=coordinator.email, signed_in_at=signed_in_at)
    auth.end_sessions(session, user_id=coordinator.id)
    assert auth.session_user(session, email=coordinator.email, signed_in_at=signed_in_at) is None


def test_copy_of_old_cookie_no_longer_signs_in_after_password_change(session, coordinator):
    days = get_settings().cookie_expiry_days
    old_cookie = {"username": coordinator.email, "exp_date": time.time() - 5 + days * 86400}
    auth.change_password(
        session,
        user_id=coordinator.id,
        current=PASSWORD,
        new="a-new-long-one",
        confirm="a-new-long-one",
    )
    claims = auth.cookie_claims(old_cookie, expiry_days=days)
    assert auth.session_user(session, email=claims.email, signed_in_at=claims.signed_in_at) is None


def test_cookie_after_sign_in_is_accepted(session, coordinator):
    token = auth.cookie_token(coordinator.email, signed_in_at=time.time())
    import jwt

    decoded = jwt.decode(token, get_settings().secret_key, algorithms=["HS256"])
    claims = auth.cookie_claims(decoded, expiry_days=get_settings().cookie_expiry_days)
    assert auth.session_user(session, email=claims.email, signed_in_at=claims.signed_in_at)


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("wrong-current", "long-enough-1", "long-enough-1", "current password"),
        (PASSWORD, "short", "short", "at least 10"),
        (PASSWORD, "long-enough-1", "long-enough-2", "not the same"),
        (PASSWORD, " long-enough-1", " long-enough-1", "space"),
    ],
)
def test_change_password_refuses_bad_input(session, coordinator, current, new, confirm, message):
    before = coordinator.password_hash
    with pytest.raises(InvalidInput, match=message):
        auth.change_password(
            session, user_id=coordinator.id, current=current, new=new, confirm=confirm
        )
    assert coordinator.password_hash == before


def test_forgotten_password_email_sets_a_new_password_once(session, coordinator):
    auth.request_password_reset(session, email=coordinator.email)
    token = _reset_link_token(session, coordinator.email)
    auth.reset_password(session, token=token, new="brand-new-pass", confirm="brand-new-pass")
    assert auth.sign_in(session, email=coordinator.email, password="brand-new-pass")
    with pytest.raises(InvalidInput, match="expired or was already used"):
        auth.reset_password(session, token=token, new="another-pass-1", confirm="another-pass-1")


def test_reset_link_expires_after_an_hour(session, coordinator):
    auth.request_password_reset(session, email=coordinator.email)
    token = _reset_link_token(session, coordinator.email)
    row = session.scalar(select(PasswordResetToken))
    row.expires_at = utcnow() - dt.timedelta(seconds=1)
    with pytest.raises(InvalidInput, match="expired"):
        auth.reset_password(session, token=token, new="brand-new-pass", confirm="brand-new-pass")


def test_reset_link_is_valid_for_one_hour(session, coordinator):
    auth.request_password_reset(session, email=coordinator.email)
    row = session.scalar(select(PasswordResetToken))
    assert dt.timedelta(minutes=59) < row.expires_at - utcnow() <= dt.timedelta(minutes=60)


def test_reset_request_for_unknown_email_sends_nothing_and_says_the_same(session):
    auth.request_password_reset(session, email="nobody@nowhere.example")
    assert session.scalar(select(OutboxEmail)) is None


def test_reset_token_is_stored_only_as_a_digest(session, coordinator):
    auth.request_password_reset(session, email=coordinator.email)
    token = _reset_link_token(session, coordinator.email)
    assert session.scalar(select(PasswordResetToken.token_hash)) != token


def test_new_user_makes_a_first_password_through_forgotten_password(session):
    newcomer = make_user(session, email="new@fanshaws.example", password=None)
    auth.request_password_reset(session, email=newcomer.email)
    token = _reset_link_token(session, newcomer.email)
    auth.reset_password(session, token=token, new="first-password", confirm="first-password")
    assert auth.sign_in(session, email=newcomer.email, password="first-password") == newcomer


def test_reset_unlocks_a_locked_account(session, coordinator):
    coordinator.locked_until = utcnow() + dt.timedelta(minutes=10)
    auth.request_password_reset(session, email=coordinator.email)
    token = _reset_link_token(session, coordinator.email)
    auth.reset_password(session, token=token, new="brand-new-pass", confirm="brand-new-pass")
    assert auth.sign_in(session, email=coordinator.email, password="brand-new-pass")
