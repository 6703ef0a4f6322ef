"""Two-factor sign-in: time-based codes (TOTP, RFC 6238, with pyotp), recovery codes,
remembered browsers, who must use it, and staff's reset.

Enrolment shows a new secret (as a QR code and as text) and stores it only once the
user has typed a first code from it. A code is accepted once: the time-step of the last
accepted code is stored, and only a later step is accepted (the 30-second step before
and after the current one are allowed for clocks that differ). Wrong codes are charged
to the same count as wrong passwords (core.auth), before they are judged. Recovery codes
and remembered browsers' tokens are stored as SHA-256 digests; they are long random
values, so a slow hash would add nothing but time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import re
import secrets
import time
from dataclasses import dataclass
from typing import cast

import pyotp
import segno
from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session

from core import auth
from core.audit import record_event
from core.config import Settings, get_settings
from core.db import session_scope
from core.errors import InvalidInput, NotFound
from core.mail import queue_email
from core.models import Centre, Membership, RecoveryCode, RememberedBrowser, Role, User, utcnow
from core.sessions import CookieToSet, RedeemedTicket
from core.users import Actor, require_coordinator, require_staff

RECOVERY_CODES = 10
STEP_SECONDS = 30
VALID_WINDOW = 1  # steps either side of now: a phone's clock a little off still works
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
_SIX_DIGITS = re.compile(r"^\d{6}$")
CODE_REFUSED = (
    "That code is not right, or it was used already. Type the code your authenticator "
    "app shows now, or one of your recovery codes. Wrong codes count like wrong "
    "passwords: too many and the account rests for a while."
)
STEP_EXPIRED = "The sign-in took too long or was ended. Please sign in again with your password."
LOCKED = (
    "Too many wrong passwords or codes: the account is locked for {minutes} minutes. "
    "Then sign in again with your password."
)
FIRST_CODE_REFUSED = (
    "That code does not match the new secret. Check that the app shows the account just "
    "added and type the code it shows now (codes change every 30 seconds)."
)


class SignInExpired(InvalidInput):
    """The code step can no longer complete: the password must be given again."""


# ---- codes ---------------------------------------------------------------------------


def new_secret() -> str:
    """A new base32 secret of 160 bits, as RFC 4226 recommends."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, email: str, settings: Settings | None = None) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    settings = settings or get_settings()
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=settings.totp_issuer)


def qr_png(uri: str) -> bytes:
    """The enrolment QR code as a PNG (segno writes PNG itself)."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _folded_code(code: str) -> str:
    return re.sub(r"[\s\-]", "", code or "").lower()


def matching_step(secret: str, code: str, *, now: float | None = None) -> int | None:
    """The time-step whose code `code` is, within the allowed window; None if none."""
    code = _folded_code(code)
    if not secret or not _SIX_DIGITS.match(code):
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    moment = time.time() if now is None else now
    current = int(moment // STEP_SECONDS)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(current + offset), code):
            return current + offset
    return None


def _claim_step(session: Session, user_id: int, step: int) -> bool:
    """Record `step` as used, only if it is later than the last one used: one UPDATE, so
    two tabs typing the same code at once cannot both succeed."""
    claimed = session.execute(
        update(User)
        .where(User.id == user_id)
        .where((User.totp_last_step.is_(None)) | (User.totp_last_step < step))
        .values(totp_last_step=step)
    )
    return bool(cast(CursorResult, claimed).rowcount)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _new_recovery_code() -> str:
    letters = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{letters[:5]}-{letters[5:]}"


def _replace_recovery_codes(session: Session, user_id: int) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user_id, code_hash=_digest(code)) for code in codes)
    return codes


def _use_recovery_code(session: Session, user_id: int, code: str) -> bool:
    folded = _folded_code(code)
    if len(folded) != 10:
        return False
    used = session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == _digest(f"{folded[:5]}-{folded[5:]}"),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    return bool(cast(CursorResult, used).rowcount)


def recovery_codes_left(session: Session, *, user_id: int) -> int:
    query = select(RecoveryCode.id).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
    )
    return len(session.scalars(query).all())


# ---- who must use it -----------------------------------------------------------------


def is_required(session: Session, *, user: User) -> bool:
    """Staff always; a centre user when any centre they belong to requires it."""
    if user.role == Role.STAFF.value:
        return True
    query = (
        select(Centre.id)
        .join(Membership, Membership.centre_id == Centre.id)
        .where(Membership.user_id == user.id, Centre.require_two_factor.is_(True))
    )
    return session.scalars(query.limit(1)).first() is not None


@dataclass(frozen=True)
class Status:
    """What Profile shows of a user's two-factor sign-in."""

    enabled: bool
    required: bool
    recovery_codes_left: int
    remembered_browsers: int
    centre_requires: bool  # the actor's active centre requires it of everyone


def status(session: Session, *, actor: Actor) -> Status:
    user = session.get_one(User, actor.user_id)
    centre = session.get(Centre, actor.centre_id) if actor.centre_id is not None else None
    browsers = select(RememberedBrowser.id).where(
        RememberedBrowser.user_id == user.id, RememberedBrowser.expires_at > utcnow()
    )
    return Status(
        enabled=user.has_two_factor,
        required=is_required(session, user=user),
        recovery_codes_left=recovery_codes_left(session, user_id=user.id),
        remembered_browsers=len(session.scalars(browsers).all()),
        centre_requires=bool(centre and centre.require_two_factor),
    )


def set_centre_requirement(session: Session, *, actor: Actor, required: bool) -> Centre:
    """A centre's coordinator requires two-factor sign-in of everyone at their centre
    (each is taken to set it up at their next page), or stops requiring it."""
    require_coordinator(session, actor)
    centre = session.get_one(Centre, actor.centre_id)
    before = centre.require_two_factor
    if before != required:
        centre.require_two_factor = required
        record_event(
            session,
            action="centre_two_factor_required" if required else "centre_two_factor_optional",
            user_id=actor.user_id,
            centre_id=centre.id,
            target=f"centre:{centre.id}",
            before={"require_two_factor": before},
            after={"require_two_factor": required},
        )
    return centre


# ---- enrolment -----------------------------------------------------------------------


def enrol(session: Session, *, user_id: int, secret: str, code: str) -> list[str]:
    """Turn two-factor sign-in on with `secret`, once `code` shows the app holds it; the
    ten recovery codes, to be shown once (only their digests are kept)."""
    user = session.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound("No such user.")
    if user.has_two_factor:
        raise InvalidInput("Two-factor sign-in is already on for this account.")
    step = matching_step(secret, code)
    if step is None:
        raise InvalidInput(FIRST_CODE_REFUSED)
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, utcnow(), step
    codes = _replace_recovery_codes(session, user_id)
    record_event(session, action="two_factor_enabled", user_id=user_id, target=f"user:{user_id}")
    return codes


def new_recovery_codes(session: Session, *, user_id: int) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    user = session.get(User, user_id)
    if user is None or not user.has_two_factor:
        raise InvalidInput("Turn two-factor sign-in on first.")
    codes = _replace_recovery_codes(session, user_id)
    record_event(session, action="recovery_codes_replaced", user_id=user_id)
    return codes


def _switch_off(session: Session, user: User) -> None:
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = None, None, None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    auth.forget_remembered_browsers(session, user_id=user.id)


def turn_off(session: Session, *, user_id: int, code: str) -> None:
    """A user turns their own second factor off, with a current code; refused where it
    is required (staff, or a centre that requires it)."""
    user = session.get(User, user_id)
    if user is None or not user.has_two_factor:
        raise InvalidInput("Two-factor sign-in is not on for this account.")
    if is_required(session, user=user):
        raise InvalidInput(
            "Your account must use two-factor sign-in (staff always, and your centre's "
            "coordinator may require it), so it cannot be turned off."
        )
    step = matching_step(user.totp_secret or "", code)
    if step is None or not _claim_step(session, user_id, step):
        raise InvalidInput(CODE_REFUSED)
    _switch_off(session, user)
    record_event(session, action="two_factor_disabled", user_id=user_id, target=f"user:{user_id}")


def reset_second_factor(session: Session, *, actor: Actor, user_id: int) -> User:
    """Staff end a user's second factor (a lost phone): secret, recovery codes and
    remembered browsers go, every sign-in of theirs ends, and they are emailed. Where it
    is required they set it up again at their next sign-in."""
    require_staff(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no user with that ID.")
    if user.id == actor.user_id:
        raise InvalidInput("You cannot reset your own second factor; ask another member of staff.")
    before = {"two_factor": "on" if user.has_two_factor else "off"}
    _switch_off(session, user)
    user.sessions_valid_after = utcnow()
    record_event(
        session,
        action="two_factor_reset",
        user_id=actor.user_id,
        centre_id=user.active_centre_id,
        target=f"user:{user.id}",
        before=before,
        after={"two_factor": "off"},
    )
    queue_email(
        session,
        to=user.email,
        subject="Your two-factor sign-in was reset",
        body=(
            f"Hello {user.first_name},\n\n"
            "A member of the awarding body's staff has reset the two-factor sign-in of your "
            "Digital Certificates account, and you have been signed out everywhere. Next "
            "time you sign in with your password you can set it up again with your "
            "authenticator app (staff, and users of centres that require it, are taken to "
            "do so at once).\n\nIf you did not ask for this, tell us at once by replying "
            "to this email.\n"
        ),
    )
    return user


# ---- the second step of signing in ---------------------------------------------------


@dataclass(frozen=True)
class SignedIn:
    """A complete sign-in."""

    user_id: int
    email: str
    method: str  # "code", "recovery code" or "remembered browser"


def finish_sign_in(*, pending: str, code: str, settings: Settings | None = None) -> SignedIn:
    """The code step: a code from the app or an unused recovery code completes the
    sign-in the password began (`pending`, from core.auth.sign_in). Each try is first
    charged to the account's count of failed attempts; a right one clears it."""
    settings = settings or get_settings()
    signed_in = locked = None
    with session_scope() as session:
        found = auth.read_pending(session, pending, settings=settings)
        if found is None:
            raise SignInExpired(STEP_EXPIRED)
        user, _ = found
        attempt = auth.charge_attempt(session, which=User.id == user.id, settings=settings)
        if attempt is None:
            locked = True
        else:
            step = matching_step(user.totp_secret or "", code)
            if step is not None and _claim_step(session, user.id, step):
                signed_in = SignedIn(user.id, user.email, "code")
            elif _use_recovery_code(session, user.id, code):
                signed_in = SignedIn(user.id, user.email, "recovery code")
            if signed_in is not None:
                auth.clear_failed_attempts(session, user.id)
                record_event(session, action="sign_in", user_id=user.id, method=signed_in.method)
            else:
                record_event(session, action="second_factor_refused", user_id=user.id)
                locked = attempt.locked_now
    if signed_in is not None:
        return signed_in
    if locked:
        raise auth.AccountLocked(LOCKED.format(minutes=settings.lockout_minutes))
    raise InvalidInput(CODE_REFUSED)


def remember_browser(session: Session, *, user_id: int, settings: Settings | None = None) -> str:
    """A token for this browser's cookie: for `remember_browser_days` the user's
    password alone signs them in here. Only its digest is stored."""
    settings = settings or get_settings()
    token = secrets.token_urlsafe(32)
    session.add(
        RememberedBrowser(
            user_id=user_id,
            token_hash=_digest(token),
            expires_at=utcnow() + dt.timedelta(days=settings.remember_browser_days),
        )
    )
    record_event(session, action="browser_remembered", user_id=user_id)
    return token


def remember_browser_cookie(session: Session, redeemed: RedeemedTicket) -> list[CookieToSet]:
    """A sign-in ticket hook (core.sessions): when the code step asked to remember this
    browser, the response that sets the sign-in cookie sets this one too, HttpOnly."""
    if not redeemed.remember_browser:
        return []
    settings = get_settings()
    token = remember_browser(session, user_id=redeemed.user_id, settings=settings)
    days = settings.remember_browser_days
    return [
        CookieToSet(
            settings.remember_cookie_name,
            token,
            max_age=int(days * 86400),
            secure=settings.secure_cookies,
        )
    ]


def is_browser_remembered(session: Session, *, user_id: int, token: str | None) -> bool:
    """Whether `token` is one this user's "Remember this browser" issued and still
    holds (not expired, not ended by a password change, "Sign out everywhere" or a
    reset). Anything but a non-empty text is no token."""
    if not isinstance(token, str) or not token:
        return False
    row = session.scalar(
        select(RememberedBrowser.id).where(
            RememberedBrowser.token_hash == _digest(token),
            RememberedBrowser.user_id == user_id,
            RememberedBrowser.expires_at > utcnow(),
        )
    )
    return row is not None


def finish_with_remembered_browser(
    *, pending: str, token: str | None, settings: Settings | None = None
) -> SignedIn | None:
    """Complete the sign-in without a code when this browser is remembered for the user
    whose password step `pending` records; None otherwise (ask for the code)."""
    settings = settings or get_settings()
    with session_scope() as session:
        found = auth.read_pending(session, pending, settings=settings)
        if found is None or not is_browser_remembered(session, user_id=found[0].id, token=token):
            return None
        user = found[0]
        auth.clear_failed_attempts(session, user.id)
        record_event(session, action="sign_in", user_id=user.id, method="remembered browser")
        return SignedIn(user.id, user.email, "remembered browser")


def sign_out_everywhere(session: Session, *, user_id: int) -> None:
    """End every sign-in of the user and forget every browser they asked us to
    remember: next time each asks for the password and the code."""
    auth.forget_remembered_browsers(session, user_id=user_id)
    auth.end_sessions(session, user_id=user_id, action="signed_out_everywhere")
