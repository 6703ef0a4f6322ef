"""Email: through SMTP when SMTP_HOST is set, otherwise kept in the outbox table.

Either way every message is a row of the outbox, so staff can see what went out and
nothing is silently dropped.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy.orm import Session

from core.config import Settings, get_settings
from core.models import OutboxEmail, utcnow

log = logging.getLogger(__name__)


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


def keep_email(
    session: Session, *, to: str, subject: str, body: str, delivery: Delivery
) -> OutboxEmail:
    """The outbox row of a message, with what became of it."""
    row = OutboxEmail(
        to_address=to, subject=subject, body=body, status=delivery.status, error=delivery.error
    )
    if delivery.status == "sent":
        row.sent_at = utcnow()
    session.add(row)
    return row


def send_email(
    session: Session, *, to: str, subject: str, body: str, settings: Settings | None = None
) -> OutboxEmail:
    """Send (or keep) one plain-text email; returns its outbox row with its status."""
    delivery = deliver_email(to=to, subject=subject, body=body, settings=settings)
    return keep_email(session, to=to, subject=subject, body=body, delivery=delivery)
