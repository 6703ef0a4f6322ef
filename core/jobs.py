"""Long work as rows of the jobs table, run by workers: a thread inside each app
process by default, `python -m core.cli worker` processes at scale. A job whose worker
stopped sending heartbeats is claimed again."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from core.db import session_scope
from core.models import Job, utcnow
from core.users import Actor

log = logging.getLogger(__name__)
STALE_AFTER = dt.timedelta(minutes=2)
ACTIVE = ("pending", "running")


@dataclass(frozen=True)
class JobRow:
    id: int
    kind: str
    status: str
    description: str
    progress: int
    total: int
    summary: str
    created_at: dt.datetime


def enqueue_job(
    session: Session, *, actor: Actor, kind: str, payload: dict, total: int, description: str
) -> Job:
    job = Job(
        kind=kind,
        centre_id=actor.centre_id,
        user_id=actor.user_id,
        payload=payload,
        total=total,
        description=description,
    )
    session.add(job)
    session.flush()
    return job


def list_active_jobs(session: Session, *, actor: Actor, kind: str) -> list[JobRow]:
    """The actor's own jobs of one kind at their active centre, running or finished,
    until they dismiss them (other users of the centre see the results in the table)."""
    jobs = session.scalars(
        select(Job)
        .where(Job.centre_id == actor.centre_id, Job.kind == kind)
        .where(Job.user_id == actor.user_id, Job.dismissed_at.is_(None))
        .order_by(Job.id.desc())
        .limit(5)
    )
    return [
        JobRow(
            id=job.id,
            kind=job.kind,
            status=job.status,
            description=job.description,
            progress=job.progress,
            total=job.total,
            summary=job.payload.get("summary", job.error or ""),
            created_at=job.created_at,
        )
        for job in jobs
    ]


def dismiss_job(session: Session, *, actor: Actor, job_id: int) -> None:
    """Hide a finished job's banner; only the user who started it can."""
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.user_id == actor.user_id, Job.status.not_in(ACTIVE))
        .values(dismissed_at=utcnow())
    )


def report_progress(job_id: int, done: int) -> None:
    with session_scope() as session:
        session.execute(
            update(Job).where(Job.id == job_id).values(progress=done, heartbeat_at=utcnow())
        )


def finish_job(job_id: int, *, summary: str) -> None:
    with session_scope() as session:
        job = session.get(Job, job_id)
        job.status, job.finished_at, job.progress = "finished", utcnow(), job.total
        job.payload = {**job.payload, "summary": summary}


def _fail_job(job_id: int, error: str) -> None:
    with session_scope() as session:
        job = session.get(Job, job_id)
        job.status, job.finished_at, job.error = "failed", utcnow(), error


def claim_next_job() -> tuple[int, str] | None:
    """Take the oldest pending job, or a running one whose worker went quiet."""
    stale = utcnow() - STALE_AFTER
    with session_scope() as session:
        job = session.execute(
            select(Job.id, Job.kind, Job.attempts)
            .where(
                or_(
                    Job.status == "pending",
                    (Job.status == "running") & (Job.heartbeat_at < stale),
                )
            )
            .order_by(Job.id)
            .limit(1)
        ).first()
        if job is None:
            return None
        claimed = session.execute(
            update(Job)
            .where(Job.id == job.id, Job.attempts == job.attempts)
            .values(
                status="running",
                attempts=job.attempts + 1,
                started_at=utcnow(),
                heartbeat_at=utcnow(),
            )
        ).rowcount
    return (job.id, job.kind) if claimed else None


def _handlers() -> dict[str, Callable[[int], None]]:
    from core import notices

    return {"email_candidates": notices.run_email_job}


def run_pending_jobs(limit: int | None = None) -> int:
    """Run jobs until none is waiting (or `limit` ran); returns how many ran."""
    ran = 0
    while limit is None or ran < limit:
        claimed = claim_next_job()
        if claimed is None:
            return ran
        job_id, kind = claimed
        try:
            _handlers()[kind](job_id)
        except Exception as error:
            log.exception("job %s (%s) failed", job_id, kind)
            _fail_job(job_id, f"This job could not finish: {type(error).__name__}.")
        ran += 1
    return ran


def run_worker_forever(poll_seconds: float = 1.0) -> None:
    log.info("worker started")
    while True:
        try:
            if not run_pending_jobs():
                time.sleep(poll_seconds)
        except Exception:
            log.exception("worker loop error; retrying")
            time.sleep(poll_seconds * 5)


def start_worker_thread() -> threading.Thread:
    thread = threading.Thread(target=run_worker_forever, name="portal-worker", daemon=True)
    thread.start()
    return thread
