"""Sign-in, lockout, sessions that really end, passwords and password resets.

Signing in is one step (the password) or two (then a code, see core.two_factor): for a
user with two-factor sign-in the right password does not clear the count of failed
attempts, so wrong passwords and wrong codes count towards the same lockout, and only a
complete sign-in clears it. Every password check is charged to the account before it
is judged, in one atomic UPDATE, so simultaneous attempts cannot outrun the lockout;
bcrypt then runs outside any transaction (on core.passwords' bounded queue), against a
dummy hash when the account is unknown, locked or unusable, so a sign-in takes as long
whether or not the address has an account. A cookie carries the moment it was issued
and is refused once the user has logged out or changed password.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeGuard, cast

import jwt
from sqlalchemy import ColumnElement, CursorResult, and_, case, delete, func, or_, select, update
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from core.audit import record_event
from core.config import Settings, get_settings
from core.db import session_scope
from core.errors import InvalidInput
from core.mail import queue_email
from core.models import (
    Centre,
    Membership,
    PasswordResetToken,
    RememberedBrowser,
    User,
    utcnow,
)
from core.passwords import (
    hash_password,
    is_common,
    password_matches_hash,
    personal_parts,
    personal_reason,
)

SIGN_IN_FAILED = (
    "Email or password is not right, or the account is locked for a while after too many "
    "attempts. Try again, or use Forgotten password."
)
RESET_REQUESTED = (
    "If that email address has an account, a link to set a new password is on its way. "
    "It works once, within the hour."
)
LINK_NOT_USABLE = (
    "This link has expired or was already used. Ask for a new one with Forgotten password."
)
BCRYPT_MAX_BYTES = 72
MIN_PASSWORD_SCORE = 3  # zxcvbn: 3 is "safely unguessable" for an online attack
SECOND_STEP_MINUTES = 10  # how long the code step waits after a right password


class AccountLocked(InvalidInput):
    """Too many wrong passwords: the account rests and its sessions have ended."""


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash of the same cost as a real one, judged when there is no real one."""
    return hash_password(secrets.token_urlsafe(16))


def _password_matches(password: str, password_hash: str | None) -> bool:
    """bcrypt's answer, always paid for: the dummy hash stands in for a missing one."""
    candidate = password if len(password.encode()) <= BCRYPT_MAX_BYTES else ""
    matched = password_matches_hash(candidate.encode(), password_hash or _dummy_hash())
    return bool(matched and password_hash and candidate)


def normalise_email(email: str) -> str:
    """The address as accounts store it; text no address holds (NUL and other control
    characters) becomes "" and so matches no account."""
    text = (email or "").strip().lower()
    return text if text.isprintable() else ""


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def is_locked(user: User, now: dt.datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or utcnow())


@dataclass(frozen=True)
class _Attempt:
    user_id: int
    password_hash: str
    locked_now: bool
    two_factor: bool = False


def charge_attempt(
    session: Session, *, which: ColumnElement[bool], settings: Settings
) -> _Attempt | None:
    """Count one password attempt against a usable, unlocked account, locking it when the
    count reaches the limit: one UPDATE, so parallel attempts each see the others'.
    None when the account is unknown, disabled, without a password, or locked."""
    now = utcnow()
    count = case((User.locked_until.is_not(None), 1), else_=User.failed_logins + 1)
    lock = now + dt.timedelta(minutes=settings.lockout_minutes)
    row = session.execute(
        update(User)
        .where(
            which,
            User.is_active.is_(True),
            User.password_hash.is_not(None),
            or_(User.locked_until.is_(None), User.locked_until <= now),
        )
        .values(
            failed_logins=count,
            locked_until=case((count >= settings.lockout_attempts, lock), else_=None),
        )
        .returning(User.id, User.password_hash, User.locked_until, User.totp_enabled_at)
    ).first()
    if row is None:
        return None
    if row.locked_until is not None:
        record_event(session, action="account_locked", user_id=row.id)
    locked = row.locked_until is not None
    return _Attempt(row.id, row.password_hash, locked, row.totp_enabled_at is not None)


def clear_failed_attempts(session: Session, user_id: int) -> None:
    """A complete sign-in: the count of wrong passwords and codes starts again."""
    session.execute(
        update(User).where(User.id == user_id).values(failed_logins=0, locked_until=None)
    )


def _judge(
    which: ColumnElement[bool], password: str, settings: Settings, *, step: bool = False
) -> _Attempt | None:
    """Charge an attempt, then judge the password outside any transaction; the attempt
    if the password was right, else None. A right password clears the count, except as
    the first `step` of a two-factor sign-in: then only its own charge is taken back (and
    a lock it caused lifted), and the code step that follows counts on."""
    with session_scope() as session:
        attempt = charge_attempt(session, which=which, settings=settings)
    matched = _password_matches(password, attempt.password_hash if attempt else None)
    if attempt is None:
        return None
    with session_scope() as session:
        if matched and step and attempt.two_factor:
            taken_back = case((User.failed_logins > 0, User.failed_logins - 1), else_=0)
            session.execute(
                update(User)
                .where(User.id == attempt.user_id)
                .values(failed_logins=taken_back, locked_until=None)
            )
            return attempt
        if matched:
            clear_failed_attempts(session, attempt.user_id)
            return attempt
        record_event(session, action="password_refused", user_id=attempt.user_id)
    return None


@dataclass(frozen=True)
class PasswordAccepted:
    """The answer to a right password. `needs_code`: the user has two-factor sign-in, so
    they are not signed in yet; `pending` carries the password step to the code step
    (core.two_factor.finish_sign_in) for SECOND_STEP_MINUTES."""

    id: int
    email: str
    needs_code: bool
    pending: str = ""


def sign_in(
    *,
    email: str,
    password: str,
    settings: Settings | None = None,
    then: Callable[[Session, User], None] | None = None,
) -> PasswordAccepted:
    """Check an email and password; one message for every failure so that nobody learns
    whether an address has an account or is locked. A user without two-factor sign-in is
    signed in, and `then(session, user)` runs in the transaction that records it (the
    page issues its sign-in ticket there); one with it gets the code step."""
    settings = settings or get_settings()
    attempt = _judge(User.email == normalise_email(email), password or "", settings, step=True)
    if attempt is None:
        raise InvalidInput(SIGN_IN_FAILED)
    with session_scope() as session:
        user = session.get_one(User, attempt.user_id)
        if attempt.two_factor:
            record_event(session, action="password_accepted", user_id=user.id)
            pending = pending_token(user.id, settings=settings)
            return PasswordAccepted(user.id, user.email, needs_code=True, pending=pending)
        record_event(session, action="sign_in", user_id=user.id, method="password")
        if then is not None:
            then(session, user)
        return PasswordAccepted(user.id, user.email, needs_code=False)


def pending_token(user_id: int, *, settings: Settings, now: float | None = None) -> str:
    """A signed note that `user_id` gave the right password just now."""
    issued = time.time() if now is None else now
    claims = {"sub": str(user_id), "purpose": "second_step", "iat": issued}
    claims["exp"] = issued + SECOND_STEP_MINUTES * 60
    return jwt.encode(claims, settings.secret_key, algorithm="HS256")


def read_pending(session: Session, token: str, *, settings: Settings) -> tuple[User, float] | None:
    """The user whose password step `token` records, and when, while it is fresh and no
    logout, password change or lockout has happened since; otherwise None."""
    try:
        claims = jwt.decode(
            token or "",
            settings.secret_key,
            algorithms=["HS256"],
            options={"require": ["sub", "iat", "exp"]},
        )
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
    if claims.get("purpose") != "second_step" or not str(claims["sub"]).isdigit():
        return None
    user = session.get(User, int(claims["sub"]))
    issued = float(claims["iat"])
    if user is None or not _still_signed_in(user, issued):
        return None
    return user, issued


def _epoch(moment: dt.datetime) -> float:
    return moment.replace(tzinfo=dt.UTC).timestamp()


def _still_signed_in(user: User | None, signed_in_at: float) -> bool:
    return user is not None and user.is_active and signed_in_at > _epoch(user.sessions_valid_after)


def session_user(session: Session, *, email: str, signed_in_at: float) -> User | None:
    """The signed-in user, or None if their sign-in has been ended since (logout,
    password change, lockout, deactivation)."""
    user = find_user(session, email)
    return user if _still_signed_in(user, signed_in_at) else None


def is_session_alive(session: Session, *, user_id: int, signed_in_at: float) -> bool:
    """Whether a sign-in made at `signed_in_at` still holds: checked before every action,
    so a tab left open stops working the moment its user logs out elsewhere."""
    return _still_signed_in(session.get(User, user_id), signed_in_at)


def end_sessions(session: Session, *, user_id: int, action: str = "sign_out") -> None:
    """Log out everywhere: every cookie issued until now stops working."""
    user = session.get(User, user_id)
    if user is not None:
        user.sessions_valid_after = utcnow()
        record_event(session, action=action, user_id=user_id)


@dataclass(frozen=True)
class CookieClaims:
    email: str
    signed_in_at: float


def cookie_token(email: str, *, signed_in_at: float, settings: Settings | None = None) -> str:
    """The sign-in cookie: streamlit-authenticator's {username, exp_date} plus `iat`, the
    moment of sign-in, which logout and password changes are compared with."""
    settings = settings or get_settings()
    expires = signed_in_at + settings.cookie_expiry_days * 86400
    return jwt.encode(
        {"username": email, "exp_date": expires, "iat": signed_in_at},
        settings.secret_key,
        algorithm="HS256",
    )


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def read_cookie(
    token: str | None, *, settings: Settings | None = None, now: float | None = None
) -> CookieClaims | None:
    """The claims of a cookie we issued and that has not expired under today's settings;
    None for anything else (another algorithm, a bad signature, missing or odd claims)."""
    settings = settings or get_settings()
    now = time.time() if now is None else now
    try:
        claims = jwt.decode(
            token or "", settings.secret_key, algorithms=["HS256"], options={"require": ["iat"]}
        )
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
    email, expires, issued = claims.get("username"), claims.get("exp_date"), claims.get("iat")
    if not (isinstance(email, str) and _is_number(expires) and _is_number(issued)):
        return None
    if expires <= now or issued + settings.cookie_expiry_days * 86400 <= now:
        return None
    return CookieClaims(email=normalise_email(email), signed_in_at=float(issued))


def centre_names_of(session: Session, user: User) -> list[str]:
    """The names of the centres the user belongs to (for staff, none: they belong to
    none, and every centre's name would refuse too much)."""
    query = select(Centre.name).join(Membership, Membership.centre_id == Centre.id)
    return list(session.scalars(query.where(Membership.user_id == user.id)))


def _refuse_guessable(
    new: str, user: User | None, centre_names: list[str], settings: Settings
) -> None:
    """Refuse, whatever its score, a password that holds the user's own name, email or
    centre, or that is on the list of the most common passwords."""
    if user is not None:
        parts = personal_parts(
            first_name=user.first_name,
            surname=user.surname,
            email=user.email,
            centre_names=centre_names,
        )
        reason = personal_reason(new, parts)
        if reason:
            raise InvalidInput(
                f"Choose another password: it contains {reason}, which anyone who knows "
                "you can guess (capitals, spaces and punctuation make no difference)."
            )
    if is_common(new, settings):
        raise InvalidInput(
            "Choose another password: it is on the list of the 30,000 passwords people use "
            "most, which attackers try first."
        )


def check_new_password(
    new: str,
    confirm: str,
    *,
    user: User | None = None,
    centre_names: list[str] | None = None,
    settings: Settings | None = None,
) -> None:
    """Refuse passwords that are short, too long for bcrypt, or easy to guess (the
    user's own name, email or centre, a common password, common words, repeats), with a
    message that says why."""
    settings = settings or get_settings()
    if new != new.strip():
        raise InvalidInput("A password cannot start or end with a space.")
    if len(new) < settings.min_password_length:
        raise InvalidInput(
            f"The new password needs at least {settings.min_password_length} characters."
        )
    if len(new.encode()) > BCRYPT_MAX_BYTES:
        raise InvalidInput(
            f"The new password is too long: at most {BCRYPT_MAX_BYTES} bytes (about "
            f"{BCRYPT_MAX_BYTES} letters, fewer with accents or symbols)."
        )
    if new != confirm:
        raise InvalidInput("The two new passwords are not the same.")
    _refuse_guessable(new, user, list(centre_names or []), settings)
    personal = [user.email, *user.email.split("@"), user.first_name, user.surname] if user else []
    verdict = zxcvbn(new[:BCRYPT_MAX_BYTES], user_inputs=[*personal, "imi", "certificates"])
    if verdict["score"] < MIN_PASSWORD_SCORE:
        hint = verdict["feedback"].get("warning") or "It is too easy to guess."
        raise InvalidInput(
            f"Choose a harder password. {hint} A few unrelated words together work well."
        )


def _set_password(session: Session, user: User, password_hash: str) -> None:
    """Store a new password (hashed beforehand, outside the transaction): every sign-in
    and every unused reset link of the user ends."""
    user.password_hash = password_hash
    user.failed_logins, user.locked_until = 0, None
    user.sessions_valid_after = utcnow()
    _end_reset_links(session, user.id)
    forget_remembered_browsers(session, user_id=user.id)


def forget_remembered_browsers(session: Session, *, user_id: int) -> int:
    """Every "Remember this browser" of the user ends: the code step comes back."""
    ended = session.execute(delete(RememberedBrowser).where(RememberedBrowser.user_id == user_id))
    return cast(CursorResult, ended).rowcount


def change_password(*, user_id: int, current: str, new: str, confirm: str) -> None:
    """Change one's own password. Wrong current passwords count like failed sign-ins:
    at the limit the account locks and its sessions end (AccountLocked)."""
    settings = get_settings()
    with session_scope() as session:
        user = session.get_one(User, user_id)
        names = centre_names_of(session, user)
        check_new_password(new, confirm, user=user, centre_names=names, settings=settings)
    attempt = _judge(User.id == user_id, current or "", settings)
    if attempt is None:
        _refuse_current_password(user_id, settings)
    new_hash = hash_password(new)
    with session_scope() as session:
        _set_password(session, session.get_one(User, user_id), new_hash)
        record_event(session, action="password_changed", user_id=user_id)


def _refuse_current_password(user_id: int, settings: Settings) -> None:
    with session_scope() as session:
        locked = is_locked(session.get_one(User, user_id))
        if locked:
            end_sessions(session, user_id=user_id, action="signed_out_by_lockout")
    if locked:
        raise AccountLocked(
            "Too many wrong current passwords: the account is locked for "
            f"{settings.lockout_minutes} minutes and you have been signed out."
        )
    raise InvalidInput("The current password is not right.")


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _end_reset_links(session: Session, user_id: int) -> None:
    session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=utcnow())
    )


def _recent_reset_requests(session: Session, user_id: int) -> int:
    since = utcnow() - dt.timedelta(hours=1)
    return (
        session.scalar(
            select(func.count())
            .select_from(PasswordResetToken)
            .where(PasswordResetToken.user_id == user_id, PasswordResetToken.created_at >= since)
        )
        or 0
    )


def _new_reset_link(session: Session, user: User, minutes: int, settings: Settings) -> str:
    """A single-use set-password link valid for `minutes`; older links stop working."""
    _end_reset_links(session, user.id)
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=_token_digest(token),
            expires_at=utcnow() + dt.timedelta(minutes=minutes),
        )
    )
    return settings.address(f"reset-password?token={token}")


def send_first_password_link(
    session: Session, *, user: User, centre_name: str, settings: Settings | None = None
) -> None:
    """Welcome a user staff have just added: a link to set a first password (the same
    single-use machinery as Forgotten password, valid for longer)."""
    settings = settings or get_settings()
    hours = settings.first_password_link_hours
    link = _new_reset_link(session, user, hours * 60, settings)
    queue_email(
        session,
        to=user.email,
        subject="Your Digital Certificates account",
        body=(
            f"Hello {user.first_name},\n\n"
            f"You now have an account on the Digital Certificates portal for {centre_name}. "
            f"Your username is this email address. Use this link to set your password:\n"
            f"{link}\n\nThe link works once and expires in {hours} hours; after that, "
            "choose Forgotten password on the sign-in page for a new one.\n"
        ),
        settings=settings,
    )


def request_password_reset(
    session: Session, *, email: str, settings: Settings | None = None
) -> None:
    """Queue a single-use reset link if the address has an active account and has not
    had too many this hour; answer the same either way (the caller shows
    RESET_REQUESTED). A new link ends the older ones; the email goes out in the
    background, so the answer takes as long whatever the address."""
    settings = settings or get_settings()
    user = find_user(session, email)
    if user is None or not user.is_active:
        return
    if _recent_reset_requests(session, user.id) >= settings.reset_requests_per_hour:
        record_event(session, action="password_reset_throttled", user_id=user.id)
        return
    link = _new_reset_link(session, user, settings.reset_token_minutes, settings)
    queue_email(
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


def reset_password(*, token: str, new: str, confirm: str) -> User:
    """Set a new password from a reset link; the link (and every other) then stops
    working. Two uses of one link at once: the first wins, the second is refused."""
    digest = _token_digest(token or "")
    usable = and_(
        PasswordResetToken.token_hash == digest,
        PasswordResetToken.used_at.is_(None),
        PasswordResetToken.expires_at > utcnow(),
    )
    with session_scope() as session:
        user_id = session.scalar(select(PasswordResetToken.user_id).where(usable))
        user = session.get(User, user_id) if user_id is not None else None
        if user is None or not user.is_active:
            raise InvalidInput(LINK_NOT_USABLE)
        check_new_password(new, confirm, user=user, centre_names=centre_names_of(session, user))
    new_hash = hash_password(new)
    with session_scope() as session:
        claimed = cast(
            CursorResult,
            session.execute(update(PasswordResetToken).where(usable).values(used_at=utcnow())),
        ).rowcount
        user = session.get(User, user_id)
        if not claimed or user is None or not user.is_active:
            raise InvalidInput(LINK_NOT_USABLE)
        _set_password(session, user, new_hash)
        record_event(session, action="password_reset", user_id=user.id)
        return user
