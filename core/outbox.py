"""The outbox as staff read it: every email queued or sent, with its status and text.

With no mail server (SMTP_HOST empty) the outbox is the delivery: a new user's
set-password email is read here, link included. Once an email has gone out by SMTP its
stored link token is gone (core/mail.py), so the text shown can no longer be used."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.models import OutboxEmail
from core.paging import Page, paginate
from core.users import Actor, require_staff

EMAIL_STATUSES = ("queued", "sending", "sent", "outbox", "failed")
STATUS_HELP = {
    "queued": "waiting for the mail server",
    "sending": "handed to the mail server, outcome not yet recorded",
    "sent": "accepted by the mail server",
    "outbox": "no mail server set: kept here only",
    "failed": "the mail server refused it or could not be reached",
}


@dataclass(frozen=True)
class OutboxFilters:
    status: str | None = None
    to: str = ""  # the start of the address


@dataclass(frozen=True)
class OutboxRow:
    id: int
    created_at: dt.datetime
    to: str
    subject: str
    status: str
    sent_at: dt.datetime | None


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    created_at: dt.datetime
    to: str
    subject: str
    status: str
    error: str
    body: str


def list_outbox(
    session: Session,
    *,
    actor: Actor,
    filters: OutboxFilters = OutboxFilters(),
    page: int = 1,
    per_page: int = 10,
) -> Page[OutboxRow]:
    """Every email, newest first, by status and the start of the address."""
    require_staff(actor)
    query = select(
        OutboxEmail.id,
        OutboxEmail.created_at,
        OutboxEmail.to_address,
        OutboxEmail.subject,
        OutboxEmail.status,
        OutboxEmail.sent_at,
    ).order_by(OutboxEmail.id.desc())
    if filters.status:
        query = query.where(OutboxEmail.status == filters.status)
    to = filters.to.strip().lower()
    if to:
        query = query.where(
            OutboxEmail.to_address >= to, OutboxEmail.to_address < to + "\U0010ffff"
        )
    return paginate(session, query, page=page, per_page=per_page, to_row=lambda r: OutboxRow(*r))


def read_email(session: Session, *, actor: Actor, email_id: int) -> OutboxMessage:
    """One email's whole text, for staff only (an unsent one still holds its link)."""
    require_staff(actor)
    email = session.get(OutboxEmail, email_id)
    if email is None:
        raise NotFound("There is no email with that ID.")
    return OutboxMessage(
        id=email.id,
        created_at=email.created_at,
        to=email.to_address,
        subject=email.subject,
        status=email.status,
        error=email.error or "",
        body=email.body,
    )
