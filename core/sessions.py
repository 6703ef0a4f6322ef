"""The sign-in cookie as HTTP sets it: tickets, the cookie's attributes, and who a
request's cookie belongs to.

A password is judged in the page (core.auth.sign_in, with its lockout and timing). The
page then issues a sign-in ticket: a random single-use token, valid for a minute, whose
SHA-256 is a row of sign_in_tickets. The browser posts it to /auth/session, whose
response sets the HttpOnly cookie; no script ever holds the cookie itself. Other
capabilities may add cookies to that same response (b22's "remember this browser"):
register a hook with `on_ticket_redeemed`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from core.auth import cookie_token, read_cookie, session_user
from core.config import Settings, get_settings
from core.models import SignInTicket, User, utcnow
from core.users import Actor, actor_for

TICKET_SECONDS = 60


@dataclass(frozen=True)
class CookieToSet:
    """A cookie for the HTTP response to set: always HttpOnly, SameSite=Lax, Path=/, and
    Secure when PUBLIC_URL is https. `max_age` 0 deletes it."""

    name: str
    value: str
    max_age: int
    secure: bool


@dataclass(frozen=True)
class RedeemedTicket:
    """A ticket just turned into a sign-in (what a hook is told)."""

    user_id: int
    email: str
    signed_in_at: float
    remember_browser: bool


TicketHook = Callable[[Session, RedeemedTicket], list[CookieToSet]]
_hooks: list[TicketHook] = []


def on_ticket_redeemed(hook: TicketHook) -> TicketHook:
    """Register `hook(session, redeemed) -> cookies`: called in the transaction that
    redeems a ticket; the cookies it returns are set on the same response as the
    sign-in cookie. Usable as a decorator; registering the same hook twice is a no-op."""
    if hook not in _hooks:
        _hooks.append(hook)
    return hook


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_sign_in_ticket(
    session: Session,
    *,
    user_id: int,
    signed_in_at: float,
    remember_browser: bool = False,
    now: dt.datetime | None = None,
) -> str:
    """A single-use ticket for the sign-in the page has just judged (call it only after
    core.auth.sign_in succeeded). Expired tickets of everyone are swept away here."""
    now = now or utcnow()
    session.execute(delete(SignInTicket).where(SignInTicket.expires_at <= now))
    token = secrets.token_urlsafe(32)
    session.add(
        SignInTicket(
            user_id=user_id,
            token_hash=_digest(token),
            signed_in_at=signed_in_at,
            remember_browser=remember_browser,
            expires_at=now + dt.timedelta(seconds=TICKET_SECONDS),
        )
    )
    return token


def session_cookie(
    email: str, *, signed_in_at: float, settings: Settings | None = None, now: float | None = None
) -> CookieToSet:
    """The sign-in cookie for a sign-in made at `signed_in_at`, lasting what is left of
    COOKIE_EXPIRY_DAYS."""
    settings = settings or get_settings()
    left = signed_in_at + settings.cookie_expiry_days * 86400 - (now or time.time())
    return CookieToSet(
        name=settings.cookie_name,
        value=cookie_token(email, signed_in_at=signed_in_at, settings=settings),
        max_age=max(0, int(left)),
        secure=settings.secure_cookies,
    )


def deleted_session_cookie(settings: Settings | None = None) -> CookieToSet:
    settings = settings or get_settings()
    return CookieToSet(settings.cookie_name, "", 0, settings.secure_cookies)


def redeem_sign_in_ticket(
    session: Session, *, token: str, now: dt.datetime | None = None
) -> list[CookieToSet]:
    """The cookies a ticket earns (the sign-in cookie first, then the hooks'), or [] for
    a ticket that is unknown, used, expired, or whose user has since been signed out.
    Two redemptions of one ticket at once: one UPDATE decides, the second gets []."""
    now = now or utcnow()
    usable = (
        SignInTicket.token_hash == _digest(token or ""),
        SignInTicket.used_at.is_(None),
        SignInTicket.expires_at > now,
    )
    row = session.execute(
        update(SignInTicket)
        .where(*usable)
        .values(used_at=now)
        .returning(SignInTicket.user_id, SignInTicket.signed_in_at, SignInTicket.remember_browser)
    ).first()
    if row is None:
        return []
    email = session.scalar(select(User.email).where(User.id == row.user_id))
    if email is None or session_user(session, email=email, signed_in_at=row.signed_in_at) is None:
        return []
    redeemed = RedeemedTicket(row.user_id, email, row.signed_in_at, row.remember_browser)
    cookies = [session_cookie(email, signed_in_at=row.signed_in_at)]
    for hook in _hooks:
        cookies.extend(hook(session, redeemed))
    return cookies


def signed_in_actor(session: Session, *, cookie: str | None) -> Actor | None:
    """Who a request's sign-in cookie belongs to, if that sign-in still holds (not
    expired, not logged out, password unchanged, account active); None otherwise."""
    claims = read_cookie(cookie)
    if claims is None:
        return None
    user = session_user(session, email=claims.email, signed_in_at=claims.signed_in_at)
    return actor_for(session, user=user) if user is not None else None
