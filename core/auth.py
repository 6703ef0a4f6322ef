"""Sign-in, lockout, sessions that really end, and password resets.

streamlit-authenticator draws the login form and keeps the cookie; this module is the
part it lacks: users come from the database, failed attempts and locks are stored in
it, and a cookie issued before the user's last logout or password change is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import bcrypt
import jwt
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.audit import record_event
from core.config import Settings, get_settings
from core.errors import InvalidInput
from core.mail import send_email
from core.models import PasswordResetToken, User, utcnow

SIGN_IN_FAILED = (
    "Email or password is not right, or the account is locked for a while after too many "
    "attempts. Try again, or use Forgotten password."
)
RESET_REQUESTED = (
    "If that email address has an account, a link to set a new password is on its way. "
    "It works once, within the hour."
)


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=12)).decode()


def password_matches(password: str, password_hash: str | None) -> bool:
    if not password_hash:
        return False
    return bcrypt.checkpw(password.encode(), password_hash.encode())


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def is_locked(user: User, now: dt.datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or utcnow())


def credentials_for(session: Session, email: str) -> dict | None:
    """The authenticator's entry for one user, or None if they cannot sign in now
    (unknown, inactive, locked, or no password set yet)."""
    user = find_user(session, email)
    if user is None or not user.is_active or not user.password_hash or is_locked(user):
        return None
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.surname,
        "password": user.password_hash,
        "roles": [user.role],
    }


def record_sign_in_attempt(
    session: Session, *, email: str, succeeded: bool, settings: Settings | None = None
) -> None:
    """Count a failure (locking after too many in a row) or clear the count."""
    settings = settings or get_settings()
    user = find_user(session, email)
    if user is None:
        return
    if succeeded:
        user.failed_logins, user.locked_until = 0, None
        record_event(session, action="sign_in", user_id=user.id)
        return
    if is_locked(user):
        return
    user.failed_logins += 1
    if user.failed_logins >= settings.lockout_attempts:
        user.locked_until = utcnow() + dt.timedelta(minutes=settings.lockout_minutes)
        user.failed_logins = 0
        record_event(session, action="account_locked", user_id=user.id)


def sign_in(session: Session, *, email: str, password: str) -> User:
    """Check an email and password the way the login form does; one message for all
    failures so that nobody learns whether an address has an account."""
    entry = credentials_for(session, email)
    succeeded = entry is not None and password_matches(password, entry["password"])
    record_sign_in_attempt(session, email=email, succeeded=succeeded)
    if not succeeded:
        raise InvalidInput(SIGN_IN_FAILED)
    return find_user(session, email)


def _epoch(moment: dt.datetime) -> float:
    return moment.replace(tzinfo=dt.UTC).timestamp()


def session_user(session: Session, *, email: str, signed_in_at: float) -> User | None:
    """The signed-in user, or None if their sign-in has been ended since (logout,
    password change, deactivation)."""
    user = find_user(session, email)
    if user is None or not user.is_active:
        return None
    if signed_in_at <= _epoch(user.sessions_valid_after):
        return None
    return user


def end_sessions(session: Session, *, user_id: int) -> None:
    """Log out everywhere: every cookie issued until now stops working."""
    user = session.get(User, user_id)
    if user is not None:
        user.sessions_valid_after = utcnow()
        record_event(session, action="sign_out", user_id=user_id)


@dataclass(frozen=True)
class CookieClaims:
    email: str
    signed_in_at: float


def cookie_claims(token: dict, *, expiry_days: float) -> CookieClaims:
    """Read the authenticator's cookie {username, exp_date}: it was issued expiry_days
    before it expires, which is when that sign-in happened."""
    return CookieClaims(
        email=normalise_email(token.get("username", "")),
        signed_in_at=float(token.get("exp_date", 0)) - expiry_days * 86400,
    )


def cookie_token(email: str, *, signed_in_at: float, settings: Settings | None = None) -> str:
    """A cookie in the authenticator's own format, so that either side can read it."""
    settings = settings or get_settings()
    expires = signed_in_at + settings.cookie_expiry_days * 86400
    return jwt.encode(
        {"username": email, "exp_date": expires}, settings.secret_key, algorithm="HS256"
    )


def check_new_password(new: str, confirm: str, settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    if new != new.strip():
        raise InvalidInput("A password cannot start or end with a space.")
    if len(new) < settings.min_password_length:
        raise InvalidInput(
            f"The new password needs at least {settings.min_password_length} characters."
        )
    if new != confirm:
        raise InvalidInput("The two new passwords are not the same.")


def _set_password(session: Session, user: User, new: str) -> None:
    user.password_hash = hash_password(new)
    user.failed_logins, user.locked_until = 0, None
    user.sessions_valid_after = utcnow()


def change_password(
    session: Session, *, user_id: int, current: str, new: str, confirm: str
) -> None:
    """Change one's own password; every other sign-in of this user ends."""
    user = session.get(User, user_id)
    if user is None or not password_matches(current, user.password_hash):
        raise InvalidInput("The current password is not right.")
    check_new_password(new, confirm)
    _set_password(session, user, new)
    record_event(session, action="password_changed", user_id=user.id)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_password_reset(
    session: Session, *, email: str, settings: Settings | None = None
) -> None:
    """Email a single-use reset link if the address has an account; answer the same
    either way (the caller shows RESET_REQUESTED)."""
    settings = settings or get_settings()
    user = find_user(session, email)
    if user is None or not user.is_active:
        return
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=_token_digest(token),
            expires_at=utcnow() + dt.timedelta(minutes=settings.reset_token_minutes),
        )
    )
    link = f"{settings.public_url.rstrip('/')}/reset-password?token={token}"
    send_email(
        session,
        to=user.email,
        subject="Set your Digital Certificates password",
        body=(
            f"Hello {user.first_name},\n\n"
            f"Use this link to set a new password for the Digital Certificates portal:\n"
            f"{link}\n\nThe link works once and expires in "
            f"{settings.reset_token_minutes} minutes. If you did not ask for it, ignore "
            "this email; your password stays as it is.\n"
        ),
        settings=settings,
    )
    record_event(session, action="password_reset_requested", user_id=user.id)


def reset_password(session: Session, *, token: str, new: str, confirm: str) -> User:
    """Set a new password from a reset link; the link then stops working."""
    row = session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == _token_digest(token))
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise InvalidInput(
            "This link has expired or was already used. Ask for a new one with Forgotten password."
        )
    check_new_password(new, confirm)
    user = session.get(User, row.user_id)
    _set_password(session, user, new)
    session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    record_event(session, action="password_reset", user_id=user.id)
    return user
