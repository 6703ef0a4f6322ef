"""Email goes out by SMTP when SMTP_HOST is set, otherwise into the outbox."""

from __future__ import annotations

import logging
import secrets

from sqlalchemy import select

from core import auth, cli
from core.config import get_settings, load_settings
from core.db import session_scope
from core.mail import deliver_queued_emails, queue_email, send_email
from core.models import OutboxEmail
from tests.factories import make_user
from tests.smtp import smtp_server


def test_without_smtp_host_email_waits_in_the_outbox(session):
    row = send_email(session, to="a@b.example", subject="Hello", body="Body")
    assert (row.status, row.sent_at) == ("outbox", None)


def test_with_smtp_host_email_arrives_at_the_smtp_server(session):
    with smtp_server() as (port, inbox):
        settings = get_settings().model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
        row = send_email(session, to="a@b.example", subject="Hello", body="Body", settings=settings)
    assert row.status == "sent"
    assert [(m["To"], m["Subject"], m.get_content().strip()) for m in inbox] == [
        ("a@b.example", "Hello", "Body")
    ]


def test_unreachable_smtp_server_is_recorded_as_failed_not_dropped(session):
    with smtp_server() as (port, _inbox):
        pass  # the server is gone: nothing listens on this port any more
    settings = get_settings().model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    row = send_email(session, to="a@b.example", subject="Hello", body="Body", settings=settings)
    assert row.status == "failed" and row.error


def test_reset_link_arrives_by_smtp_once_the_worker_delivers_it(db_url):
    with session_scope() as session:
        email = make_user(session, email="coordinator@fanshaws.example").email
    with smtp_server() as (port, inbox):
        settings = get_settings().model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
        with session_scope() as session:
            auth.request_password_reset(session, email=email, settings=settings)
        deliver_queued_emails(settings)
    (message,) = inbox
    assert message["To"] == email
    assert "http://localhost:8501/reset-password?token=" in message.get_content()


def test_queued_email_to_an_unreachable_server_is_recorded_as_failed(db_url):
    with smtp_server() as (port, _inbox):
        pass  # the server is gone: nothing listens on this port any more
    settings = get_settings().model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    with session_scope() as session:
        queue_email(session, to="a@b.example", subject="Hello", body="Body", settings=settings)
    assert deliver_queued_emails(settings) == 1
    with session_scope() as session:
        row = session.scalar(select(OutboxEmail))
    assert row.status == "failed" and row.error


def test_in_development_every_email_is_also_in_the_server_log(session, caplog):
    with caplog.at_level(logging.INFO, logger="core.mail"):
        send_email(session, to="new@fanshaws.example", subject="Welcome", body="Link: http://x/1")
    assert "new@fanshaws.example" in caplog.text and "Link: http://x/1" in caplog.text


def test_in_production_email_bodies_stay_out_of_the_log(session, caplog):
    settings = load_settings(
        {
            "APP_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(32),
            "PDF_OWNER_PASSWORD": secrets.token_urlsafe(16),
            "OPAYO_ENCRYPTION_PASSWORD": secrets.token_urlsafe(12),  # 16 characters
        }
    )
    with caplog.at_level(logging.INFO, logger="core.mail"):
        send_email(session, to="a@b.example", subject="S", body="secret link", settings=settings)
    assert "secret link" not in caplog.text


def test_cli_outbox_prints_the_latest_emails_oldest_first(db_url, capsys):
    with session_scope(db_url) as session:
        for number in range(7):
            send_email(session, to=f"user{number}@fanshaws.example", subject="S", body=f"B{number}")
    assert cli.main(["outbox", "--limit", "2"]) == 0
    printed = capsys.readouterr().out
    assert "user4@" not in printed
    assert printed.index("To: user5@fanshaws.example") < printed.index("user6@fanshaws.example")
    assert "B6" in printed
