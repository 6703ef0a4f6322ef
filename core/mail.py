"""Email: through SMTP when SMTP_HOST is set, otherwise kept in the outbox table.

Either way every message is a row of the outbox, so staff can see what went out and
nothing is silently dropped. SMTP never happens inside a database transaction: a slow
mail server must not hold a lock. Messages a user waits on (password links) are queued
and sent by the task engine, so the page answers at once. Once a message has gone out by
SMTP, the stored copy no longer holds a usable link token; with no mail server the outbox
is the delivery and keeps it.
"""

from __future__ import annotations

import logging
import re
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import cast

from huey import crontab
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from core.config import Settings, get_settings
from core.db import session_scope
from core.models import OutboxEmail, utcnow
from core.tasks import after_commit, huey

log = logging.getLogger(__name__)
_LINK_TOKEN = re.compile(r"token=[\w-]+")
TOKEN_REMOVED = "token=(removed once sent)"


def _deliver(settings: Settings, message: EmailMessage) -> None:
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)


@dataclass(frozen=True)
class Delivery:
    """What became of one message: 'sent' (the server accepted it), 'outbox' (no SMTP
    server configured) or 'failed' (refused or unreachable, with the error)."""

    status: str
    error: str | None = None


def deliver_email(
    *, to: str, subject: str, body: str, settings: Settings | None = None
) -> Delivery:
    """Hand one plain-text email to the SMTP server. No database work: call it outside
    any transaction (a slow mail server must not hold a database lock)."""
    settings = settings or get_settings()
    if not settings.smtp_host:
        return Delivery("outbox")
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        _deliver(settings, message)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("email to %s failed: %s", to, error)
        return Delivery("failed", str(error))
    return Delivery("sent")


def _stored_body(body: str, delivery: Delivery) -> str:
    """What the outbox keeps: a sent message loses its link tokens (the recipient has
    them); one the outbox delivers, or that failed, keeps them."""
    return _LINK_TOKEN.sub(TOKEN_REMOVED, body) if delivery.status == "sent" else body


def _record(row: OutboxEmail, delivery: Delivery) -> OutboxEmail:
    row.status, row.error = delivery.status, delivery.error
    row.body = _stored_body(row.body, delivery)
    if delivery.status == "sent":
        row.sent_at = utcnow()
    return row


def _show_in_development(row: OutboxEmail, settings: Settings) -> None:
    """Outside production every email is also written to the server log, so that a
    first sign-in works out of the box with no mail server (see the README)."""
    if not settings.is_production:
        log.info("email to %s: %s\n%s", row.to_address, row.subject, row.body)


def keep_email(
    session: Session,
    *,
    to: str,
    subject: str,
    body: str,
    delivery: Delivery,
    settings: Settings | None = None,
) -> OutboxEmail:
    """The outbox row of a message, with what became of it."""
    row = OutboxEmail(to_address=to, subject=subject, body=body)
    session.add(row)
    _show_in_development(row, settings or get_settings())
    return _record(row, delivery)


def send_email(
    session: Session, *, to: str, subject: str, body: str, settings: Settings | None = None
) -> OutboxEmail:
    """Send (or keep) one plain-text email; returns its outbox row with its status."""
    settings = settings or get_settings()
    delivery = deliver_email(to=to, subject=subject, body=body, settings=settings)
    return keep_email(
        session, to=to, subject=subject, body=body, delivery=delivery, settings=settings
    )


def queue_email(
    session: Session, *, to: str, subject: str, body: str, settings: Settings | None = None
) -> OutboxEmail:
    """Keep one email for the task engine to send once this unit of work commits; with
    no SMTP server it goes straight to the outbox."""
    settings = settings or get_settings()
    status = "queued" if settings.smtp_host else "outbox"
    row = OutboxEmail(to_address=to, subject=subject, body=body, status=status)
    session.add(row)
    session.flush()
    _show_in_development(row, settings)
    if status == "queued":
        after_commit(session, deliver_queued)
    return row


def _claim(email_id: int) -> OutboxEmail | None:
    with session_scope() as session:
        claimed = cast(
            CursorResult,
            session.execute(
                update(OutboxEmail)
                .where(OutboxEmail.id == email_id, OutboxEmail.status == "queued")
                .values(status="sending")
            ),
        ).rowcount
        return session.get(OutboxEmail, email_id) if claimed else None


def deliver_queued_emails(settings: Settings | None = None, limit: int = 100) -> int:
    """Send queued emails: claim each in a short transaction, talk SMTP outside any,
    record the outcome in another. Returns how many were tried."""
    settings = settings or get_settings()
    if not settings.smtp_host:
        return 0
    with session_scope() as session:
        ids = list(
            session.scalars(
                select(OutboxEmail.id)
                .where(OutboxEmail.status == "queued")
                .order_by(OutboxEmail.id)
                .limit(limit)
            )
        )
    tried = 0
    for email_id in ids:
        row = _claim(email_id)
        if row is None:
            continue
        delivery = deliver_email(
            to=row.to_address, subject=row.subject, body=row.body, settings=settings
        )
        with session_scope() as session:
            _record(session.get_one(OutboxEmail, email_id), delivery)
        tried += 1
    return tried


def latest_emails(session: Session, *, limit: int = 5) -> list[OutboxEmail]:
    """The most recent emails of the outbox, newest first (`python -m core.cli outbox`)."""
    return list(session.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(limit)))


def describe_email(email: OutboxEmail) -> str:
    return (
        f"#{email.id} {email.created_at:%d/%m/%Y %H:%M} [{email.status}]\n"
        f"To: {email.to_address}\nSubject: {email.subject}\n\n{email.body}"
    )


@huey.task(name="mail.deliver_queued")
def deliver_queued() -> int:
    return deliver_queued_emails()


@huey.periodic_task(crontab(minute="*"), name="mail.deliver_queued_every_minute")
def deliver_queued_every_minute() -> int:
    """Catches what could not be queued at once (the queue was unreachable)."""
    return deliver_queued_emails()
