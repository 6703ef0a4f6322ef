"""Email: through SMTP when SMTP_HOST is set, otherwise kept in the outbox table.

Either way every message is a row of the outbox, so staff can see what went out and
nothing is silently dropped.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from sqlalchemy import select
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


def send_email(
    session: Session, *, to: str, subject: str, body: str, settings: Settings | None = None
) -> OutboxEmail:
    """Send (or keep) one plain-text email; returns its outbox row with its status."""
    settings = settings or get_settings()
    row = OutboxEmail(to_address=to, subject=subject, body=body)
    session.add(row)
    if not settings.is_production:
        log.info("email to %s: %s\n%s", to, subject, body)  # development: read it here
    if not settings.smtp_host:
        row.status = "outbox"
        return row
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        _deliver(settings, message)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("email to %s failed: %s", to, error)
        row.status, row.error = "failed", str(error)
    else:
        row.status, row.sent_at = "sent", utcnow()
    return row


def latest_emails(session: Session, *, limit: int = 5) -> list[OutboxEmail]:
    """The most recent emails of the outbox, newest first (`python -m core.cli outbox`)."""
    return list(session.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(limit)))


def describe_email(email: OutboxEmail) -> str:
    return (
        f"#{email.id} {email.created_at:%d/%m/%Y %H:%M} [{email.status}]\n"
        f"To: {email.to_address}\nSubject: {email.subject}\n\n{email.body}"
    )
