"""Email candidates of a batch: counted, once per certificate, by SMTP or outbox."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core import config
from core.db import session_scope
from core.errors import InvalidInput, NotFound
from core.jobs import dismiss_job, list_active_jobs, stale_jobs
from core.models import AuditEvent, Centre, Job, OutboxEmail, PrintBatch, utcnow
from core.notices import batch_email_status, email_candidates
from core.tasks import huey, requeue_stale_jobs
from tests.factories import make_actor, make_batch, make_candidate, make_centre, make_certificate
from tests.queue import run_queued_tasks
from tests.smtp import smtp_server

ROOT = Path(__file__).resolve().parent.parent
RUN_QUEUE = "from tests.queue import run_queued_tasks; run_queued_tasks()"


@pytest.fixture
def batch_of_five(db_url):
    """Five certificates, one of whose candidates has no email address."""
    with session_scope(db_url) as session:
        fanshaws = make_centre(session, "Fanshaws")
        batch = make_batch(session, fanshaws)
        for index in range(5):
            email = None if index == 0 else f"candidate{index}@mail.example"
            make_certificate(
                session, fanshaws, batch=batch, candidate=make_candidate(session, email=email)
            )
        return make_actor(session, fanshaws), batch.id


def _email(db_url, actor, batch_ids) -> Job:
    with session_scope(db_url) as session:
        job = email_candidates(session, actor=actor, batch_ids=batch_ids)
    run_queued_tasks()
    with session_scope(db_url) as session:
        return session.get(Job, job.id)


def _status(db_url, batch_id) -> str:
    with session_scope(db_url) as session:
        return session.get(PrintBatch, batch_id).email_status


def test_email_candidates_counts_sent_and_missing_addresses(db_url, batch_of_five):
    actor, batch_id = batch_of_five
    job = _email(db_url, actor, [batch_id])
    assert job.status == "finished"
    assert job.payload["summary"] == "4 sent, 1 without an email address."
    assert _status(db_url, batch_id) == "Sent 4 of 5"


def test_no_candidate_gets_the_same_notice_twice(db_url, batch_of_five):
    actor, batch_id = batch_of_five
    _email(db_url, actor, [batch_id])
    again = _email(db_url, actor, [batch_id])
    assert again.payload["summary"] == "0 sent, 4 already told before, 1 without an email address."
    with session_scope(db_url) as session:
        assert session.scalar(select(func.count()).select_from(OutboxEmail)) == 4
    assert _status(db_url, batch_id) == "Sent 4 of 5"


def test_a_batch_already_being_emailed_is_refused_until_that_emailing_ends(db_url, batch_of_five):
    actor, batch_id = batch_of_five
    with session_scope(db_url) as session:
        email_candidates(session, actor=actor, batch_ids=[batch_id])
    refused = pytest.raises(InvalidInput, match=f"Batch {batch_id} is already being emailed")
    with refused, session_scope(db_url) as session:
        email_candidates(session, actor=actor, batch_ids=[batch_id])
    run_queued_tasks()
    assert _email(db_url, actor, [batch_id]).status == "finished"


def test_candidate_emails_arrive_at_a_real_smtp_server(db_url, batch_of_five, monkeypatch):
    actor, batch_id = batch_of_five
    with smtp_server() as (port, inbox):
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(port))
        config.get_settings.cache_clear()
        _email(db_url, actor, [batch_id])
    assert sorted(message["To"] for message in inbox) == [
        f"candidate{index}@mail.example" for index in range(1, 5)
    ]
    assert "qualification documents are available" in inbox[0]["Subject"]


def test_failed_sends_are_reported_and_retried_next_time(db_url, batch_of_five, monkeypatch):
    actor, batch_id = batch_of_five
    with smtp_server() as (port, _inbox):
        pass  # nothing listens on this port any more
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    config.get_settings.cache_clear()
    job = _email(db_url, actor, [batch_id])
    assert _status(db_url, batch_id) == "Failed 4"
    assert "4 failed" in job.payload["summary"]
    monkeypatch.setenv("SMTP_HOST", "")
    config.get_settings.cache_clear()
    _email(db_url, actor, [batch_id])
    assert _status(db_url, batch_id) == "Sent 4 of 5"


def test_emailing_another_centres_batch_is_not_found(db_url, batch_of_five):
    _actor, batch_id = batch_of_five
    with session_scope(db_url) as session:
        stranger = make_actor(session, make_centre(session, "Northgate"))
    with session_scope(db_url) as session, pytest.raises(NotFound):
        email_candidates(session, actor=stranger, batch_ids=[batch_id])


def test_each_batch_emailed_is_an_audit_event(db_url, batch_of_five):
    actor, batch_id = batch_of_five
    _email(db_url, actor, [batch_id])
    with session_scope(db_url) as session:
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["email_candidates_requested", "candidates_emailed"]


def test_progress_is_visible_to_the_user_who_asked(db_url, batch_of_five):
    actor, batch_id = batch_of_five
    _email(db_url, actor, [batch_id])
    with session_scope(db_url) as session:
        (row,) = list_active_jobs(session, actor=actor, kind="email_candidates")
    assert (row.status, row.progress, row.total) == ("finished", 5, 5)


def test_the_banner_is_not_shown_to_other_users_of_the_centre(db_url, batch_of_five):
    actor, batch_id = batch_of_five
    _email(db_url, actor, [batch_id])
    with session_scope(db_url) as session:
        colleague = make_actor(session, session.get(Centre, actor.centre_id))
        assert colleague.centre_id == actor.centre_id
        assert list_active_jobs(session, actor=colleague, kind="email_candidates") == []


def test_the_banner_stays_past_an_hour_until_dismissed(db_url, batch_of_five):
    actor, batch_id = batch_of_five
    job = _email(db_url, actor, [batch_id])
    with session_scope(db_url) as session:
        session.get(Job, job.id).finished_at = utcnow() - dt.timedelta(hours=5)
    with session_scope(db_url) as session:
        assert [row.id for row in list_active_jobs(session, actor=actor, kind=job.kind)] == [job.id]
        dismiss_job(session, actor=actor, job_id=job.id)
    with session_scope(db_url) as session:
        assert list_active_jobs(session, actor=actor, kind=job.kind) == []


@pytest.mark.parametrize(
    ("sent", "total", "failed", "shown"),
    [(38, 40, 0, "Sent 38 of 40"), (0, 40, 0, "Not sent"), (30, 40, 2, "Failed 2")],
)
def test_email_status_wording(sent, total, failed, shown):
    assert batch_email_status(sent, total, failed) == shown


def test_email_status_says_when_an_outcome_is_unknown():
    assert batch_email_status(6, 7, 0, unknown=1) == "Sent 6 of 7, 1 unknown"


def test_stale_running_job_is_picked_up_again(db_url, batch_of_five):
    actor, batch_id = batch_of_five
    with session_scope(db_url) as session:
        job = email_candidates(session, actor=actor, batch_ids=[batch_id])
    huey.flush()  # the queued task was lost with its worker
    with session_scope(db_url) as session:
        job = session.get(Job, job.id)
        job.status, job.attempts = "running", 1
        job.heartbeat_at = utcnow() - dt.timedelta(minutes=10)
    assert requeue_stale_jobs.call_local() == 1
    assert run_queued_tasks() == 1
    assert _status(db_url, batch_id) == "Sent 4 of 5"


def _seven_candidates(db_url):
    with session_scope(db_url) as session:
        centre = make_centre(session, "Fanshaws")
        batch = make_batch(session, centre)
        for index in range(7):
            candidate = make_candidate(session, email=f"candidate{index}@mail.example")
            make_certificate(session, centre, batch=batch, candidate=candidate)
        return make_actor(session, centre), batch.id


def _use_smtp(monkeypatch, port: int) -> dict[str, str]:
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    config.get_settings.cache_clear()
    return dict(os.environ)


def test_worker_killed_after_the_server_accepted_a_message_never_sends_it_again(
    db_url, monkeypatch
):
    actor, batch_id = _seven_candidates(db_url)
    with session_scope(db_url) as session:
        job_id = email_candidates(session, actor=actor, batch_ids=[batch_id]).id
    worker: list[subprocess.Popen] = []

    def kill_the_worker_at_the_third(messages) -> None:
        if len(messages) == 3 and worker:
            worker.pop().kill()  # the server holds the message; the worker never hears 250

    with smtp_server(on_message=kill_the_worker_at_the_third) as (port, inbox):
        env = _use_smtp(monkeypatch, port)
        worker.append(subprocess.Popen([sys.executable, "-c", RUN_QUEUE], cwd=ROOT, env=env))
        process = worker[0]
        assert process.wait(timeout=60) == -signal.SIGKILL
        with session_scope(db_url) as session:  # another worker, once the heartbeat is old
            job = session.get(Job, job_id)
            job.heartbeat_at = utcnow() - dt.timedelta(minutes=10)
        assert requeue_stale_jobs.call_local() == 1
        run_queued_tasks()
    assert sorted(message["To"] for message in inbox) == [
        f"candidate{index}@mail.example" for index in range(7)
    ]
    assert _status(db_url, batch_id) == "Sent 6 of 7, 1 unknown"


def test_a_slow_but_alive_job_is_not_taken_over(db_url, batch_of_five, monkeypatch):
    actor, batch_id = batch_of_five
    monkeypatch.setenv("TASK_STALE_SECONDS", "1")
    monkeypatch.setenv("HEARTBEAT_SECONDS", "0.2")
    with smtp_server(delay=0.6) as (port, inbox):  # 4 messages: 2.4 s, progress saved never
        _use_smtp(monkeypatch, port)
        with session_scope(db_url) as session:
            job_id = email_candidates(session, actor=actor, batch_ids=[batch_id]).id
        running = threading.Thread(target=run_queued_tasks)
        running.start()
        seen_as_dead = []
        while running.is_alive():
            seen_as_dead += stale_jobs()
            time.sleep(0.1)
    assert seen_as_dead == []
    assert len(inbox) == 4
    with session_scope(db_url) as session:
        job = session.get(Job, job_id)
        assert (job.status, job.attempts) == ("finished", 1)
