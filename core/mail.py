"""Email: through SMTP when SMTP_HOST is set, otherwise kept in the outbox table.

Either way every message is a row of the outbox, so staff can see what went out and
nothing is silently dropped. Messages a user waits on (password links) are queued and
delivered by a worker, so the page answers at once and no SMTP conversation happens
inside a database transaction. Once a message has gone out by SMTP, the stored copy no
longer holds a usable link token; with no mail server the outbox is the delivery and
keeps it.
"""

from __future__ import annotations

import logging
import re
import smtplib
from email.message import EmailMessage

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.config import Settings, get_settings
from core.db import session_scope
from core.models import OutboxEmail, utcnow

log = logging.getLogger(__name__)
_LINK_TOKEN = re.compile(r"token=[\w-]+")
TOKEN_REMOVED = "token=(removed once sent)"


def _deliver(settings: Settings, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)


def _record_outcome(row: OutboxEmail, error: Exception | None) -> None:
    if error is None:
        row.status, row.sent_at = "sent", utcnow()
        row.body = _LINK_TOKEN.sub(TOKEN_REMOVED, row.body)
    else:
        log.warning("email %s could not be sent: %s", row.id, error)
        row.status, row.error = "failed", str(error)


def send_email(
    session: Session, *, to: str, subject: str, body: str, settings: Settings | None = None
) -> OutboxEmail:
    """Send (or keep) one plain-text email now; returns its outbox row with its status."""
    settings = settings or get_settings()
    row = OutboxEmail(to_address=to, subject=subject, body=body)
    session.add(row)
    if not settings.smtp_host:
        row.status = "outbox"
        return row
    try:
        _deliver(settings, to, subject, body)
    except (OSError, smtplib.SMTPException) as error:
        _record_outcome(row, error)
    else:
        _record_outcome(row, None)
    return row


def queue_email(
    session: Session, *, to: str, subject: str, body: str, settings: Settings | None = None
) -> OutboxEmail:
    """Keep one email for a worker to send (deliver_queued_emails); with no SMTP server
    it goes straight to the outbox."""
    settings = settings or get_settings()
    row = OutboxEmail(
        to_address=to,
        subject=subject,
        body=body,
        status="queued" if settings.smtp_host else "outbox",
    )
    session.add(row)
    session.flush()
    return row


def _claim(email_id: int) -> OutboxEmail | None:
    with session_scope() as session:
        claimed = session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.id == email_id, OutboxEmail.status == "queued")
            .values(status="sending")
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
        try:
            _deliver(settings, row.to_address, row.subject, row.body)
            error = None
        except (OSError, smtplib.SMTPException) as failure:
            error = failure
        with session_scope() as session:
            _record_outcome(session.get(OutboxEmail, email_id), error)
        tried += 1
    return tried
