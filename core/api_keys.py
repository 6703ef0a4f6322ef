"""API keys: a centre's systems call /api/v1 with `Authorization: Bearer <key>`.

A coordinator makes a key for their active centre in Profile (a name, an expiry of at
most a year, a scope: read, or read and export). The key is shown once; only its
SHA-256 is stored (the key is 256 random bits, so a fast hash is enough, as for
password-reset tokens), with its first characters (`prefix`, not secret) to find it and
name it in lists. Creation, use from an address not seen before, and revocation are
audited. Staff see and revoke every centre's keys.

Each key is rate limited on its own (API_RATE_LIMIT, the `limits` library as the Verify
page uses it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets
import time
from dataclasses import dataclass

from limits import parse_many
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import record_event
from core.config import Settings, get_settings
from core.errors import InvalidInput, NotFound, PermissionDenied, PortalError
from core.models import ApiKey, ApiKeyScope, Centre, Role, utcnow
from core.text import clean_text
from core.users import Actor, require_coordinator
from core.verify import _limiter

KEY_START = "dck_"
MAX_DAYS = 365
SEEN_ADDRESSES = 50
LAST_USE_EVERY = dt.timedelta(minutes=1)  # last use is written at most once a minute
NO_SUCH_KEY = "There is no API key with that ID."
COORDINATORS_ONLY = "Only a centre coordinator can manage the centre's API keys."


class Unauthorized(PortalError):
    """No usable API key: missing, unknown, wrong, expired or revoked (HTTP 401)."""


class RateLimited(PortalError):
    """The key has used up its requests for now (HTTP 429, retry after `retry_after` s)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class NewKey:
    """A key just made: `secret` is shown once and never again."""

    id: int
    secret: str
    prefix: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class KeyRow:
    id: int
    name: str
    prefix: str
    scope: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None
    last_used_from: str
    centre: str = ""

    def status(self, now: dt.datetime) -> str:
        if self.revoked_at is not None:
            return "Revoked"
        return "Expired" if self.expires_at <= now else "Active"


@dataclass(frozen=True)
class KeyHolder:
    """Who calls the API: the key and its centre, and the actor core functions take (the
    key's centre, on behalf of the coordinator who made it)."""

    key_id: int
    prefix: str
    scope: ApiKeyScope
    actor: Actor

    @property
    def can_export(self) -> bool:
        return self.scope == ApiKeyScope.EXPORT


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _require_coordinator(session: Session, actor: Actor) -> None:
    """A coordinator of the centre the actor acts for, as the database says now."""
    try:
        require_coordinator(session, actor)
    except PermissionDenied:
        raise PermissionDenied(COORDINATORS_ONLY) from None


def create_api_key(
    session: Session,
    *,
    actor: Actor,
    name: str,
    expires_on: dt.date,
    scope: ApiKeyScope | str,
    now: dt.datetime | None = None,
) -> NewKey:
    """A new key for the actor's active centre (coordinators only)."""
    _require_coordinator(session, actor)
    now = now or utcnow()
    name = clean_text(name, "Name", 100)
    if not name:
        raise InvalidInput("Give the key a name that says which system uses it.")
    try:
        scope = ApiKeyScope(scope)
    except ValueError:
        raise InvalidInput("Choose the key's scope: read, or read and export.") from None
    if expires_on <= now.date():
        raise InvalidInput("The expiry date must be after today.")
    if expires_on > now.date() + dt.timedelta(days=MAX_DAYS):
        raise InvalidInput("A key expires within a year; choose an earlier date.")
    prefix = secrets.token_hex(4)
    secret = f"{KEY_START}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        centre_id=actor.centre_id,
        created_by_id=actor.user_id,
        name=name,
        prefix=prefix,
        secret_hash=_digest(secret),
        scope=scope,
        created_at=now,
        expires_at=dt.datetime.combine(expires_on, dt.time()),
        addresses=[],
    )
    session.add(key)
    session.flush()
    record_event(
        session,
        action="api_key_created",
        user_id=actor.user_id,
        centre_id=actor.centre_id,
        target=f"api_key:{key.id}",
        name=name,
        prefix=prefix,
        scope=scope.value,
        expires_on=expires_on.isoformat(),
    )
    return NewKey(id=key.id, secret=secret, prefix=prefix, expires_at=key.expires_at)


_ROW = (
    ApiKey.id,
    ApiKey.name,
    ApiKey.prefix,
    ApiKey.scope,
    ApiKey.created_at,
    ApiKey.expires_at,
    ApiKey.revoked_at,
    ApiKey.last_used_at,
    ApiKey.last_used_from,
)


def list_api_keys(session: Session, *, actor: Actor) -> list[KeyRow]:
    """The keys of the actor's active centre, newest first (staff: every centre's)."""
    query = select(
        *_ROW, Centre.number.label("centre_number"), Centre.name.label("centre_name")
    ).join(Centre, Centre.id == ApiKey.centre_id)
    if not actor.is_staff:
        _require_coordinator(session, actor)
        query = query.where(ApiKey.centre_id == actor.centre_id)
    rows = session.execute(query.order_by(ApiKey.created_at.desc(), ApiKey.id.desc()))
    return [
        KeyRow(
            id=row.id,
            name=row.name,
            prefix=row.prefix,
            scope=ApiKeyScope(row.scope).value,
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            last_used_at=row.last_used_at,
            last_used_from=row.last_used_from,
            centre=f"{row.centre_number} {row.centre_name}",
        )
        for row in rows
    ]


def revoke_api_key(
    session: Session, *, actor: Actor, key_id: int, now: dt.datetime | None = None
) -> None:
    """Revoke a key of the actor's centre (staff: any); another centre's key answers as
    one that does not exist. Revoking twice changes nothing."""
    if not actor.is_staff:
        _require_coordinator(session, actor)
    query = select(ApiKey).where(ApiKey.id == key_id)
    if not actor.is_staff:
        query = query.where(ApiKey.centre_id == actor.centre_id)
    key = session.scalar(query)
    if key is None:
        raise NotFound(NO_SUCH_KEY)
    if key.revoked_at is not None:
        return
    key.revoked_at, key.revoked_by_id = now or utcnow(), actor.user_id
    record_event(
        session,
        action="api_key_revoked",
        user_id=actor.user_id,
        centre_id=key.centre_id,
        target=f"api_key:{key.id}",
        prefix=key.prefix,
    )


def authenticate(
    session: Session, *, authorization: str, address: str, now: dt.datetime | None = None
) -> KeyHolder:
    """The holder of the key in an `Authorization: Bearer` header, or Unauthorized.
    Records the key's last use (at most once a minute) and audits an address the key
    has not been used from before."""
    now = now or utcnow()
    scheme, _, secret = (authorization or "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret.startswith(KEY_START):
        raise Unauthorized("Send an API key: Authorization: Bearer dck_…")
    prefix = secret[len(KEY_START) :].partition("_")[0]
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None or not hmac.compare_digest(key.secret_hash, _digest(secret)):
        raise Unauthorized("This API key is not valid.")
    if key.revoked_at is not None:
        raise Unauthorized("This API key has been revoked.")
    if key.expires_at <= now:
        raise Unauthorized("This API key has expired.")
    address = (address or "unknown")[:64]
    if address not in (key.addresses or []):
        key.addresses = [*(key.addresses or []), address][-SEEN_ADDRESSES:]
        record_event(
            session,
            action="api_key_used_from_new_address",
            user_id=key.created_by_id,
            centre_id=key.centre_id,
            target=f"api_key:{key.id}",
            prefix=key.prefix,
            address=address,
        )
    if (
        key.last_used_at is None
        or now - key.last_used_at >= LAST_USE_EVERY
        or key.last_used_from != address
    ):
        key.last_used_at, key.last_used_from = now, address
    return KeyHolder(
        key_id=key.id,
        prefix=key.prefix,
        scope=ApiKeyScope(key.scope),
        actor=Actor(
            user_id=key.created_by_id,
            email=f"api-key:{key.prefix}",
            role=Role.COORDINATOR.value,
            centre_id=key.centre_id,
        ),
    )


def require_export_scope(holder: KeyHolder) -> None:
    if not holder.can_export:
        raise PermissionDenied("This API key may only read; exports need a read and export key.")


def check_key_rate(holder: KeyHolder, settings: Settings | None = None) -> None:
    """Count one request for this key; past API_RATE_LIMIT, RateLimited with the
    seconds until the window lets the next one through. Counted by the key's random
    prefix, not its row id: a shared limiter store (Redis) may serve more than one
    database, and row ids repeat between them."""
    settings = settings or get_settings()
    limiter = _limiter(settings.rate_limit_url)
    for limit in parse_many(settings.api_rate_limit):
        if not limiter.hit(limit, "api", holder.prefix):
            reset = limiter.get_window_stats(limit, "api", holder.prefix).reset_time
            raise RateLimited(
                f"Too many requests with this key: at most {limit}.",
                retry_after=max(1, math.ceil(reset - time.time())),
            )
