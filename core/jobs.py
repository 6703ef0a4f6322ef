"""Rows of the jobs table: what users see of background work (status, progress, result).

Huey (core.tasks) carries the execution. A worker claims a job in a short transaction,
beats its heartbeat on time (not on progress) while it works, and records the outcome
in another short transaction. Every write after the claim names the attempt it belongs
to, so a worker whose job was taken over can no longer touch it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import cast

from sqlalchemy import ColumnElement, CursorResult, false, func, select, update
from sqlalchemy.orm import Session

from core.config import get_settings
from core.db import session_scope
from core.models import Job, JobStatus, utcnow
from core.users import Actor

log = logging.getLogger(__name__)
ACTIVE = (JobStatus.PENDING.value, JobStatus.RUNNING.value)
WORKER_DEATHS_ALLOWED = 2  # beyond the retries, before a job is failed


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


@dataclass(frozen=True)
class Claim:
    """One attempt at a job by one worker."""

    job_id: int
    attempt: int


class Superseded(Exception):
    """The job was taken over by another worker (or finished); this attempt must stop."""


def enqueue_job(
    session: Session,
    *,
    actor: Actor,
    kind: str,
    payload: dict,
    total: int,
    description: str,
    file_name: str = "",
) -> Job:
    job = Job(
        kind=kind,
        centre_id=None if actor.is_staff else actor.centre_id,
        user_id=actor.user_id,
        payload=payload,
        total=total,
        description=description,
        file_name=file_name,
    )
    session.add(job)
    session.flush()
    return job


def jobs_seen_by(actor: Actor) -> ColumnElement[bool]:
    """The jobs an actor may see: a centre user, their active centre's; staff, staff's
    (recorded against no centre); a user of no centre, none (never "centre is NULL")."""
    if actor.is_staff:
        return Job.centre_id.is_(None)
    if actor.centre_id is None:
        return false()
    return Job.centre_id == actor.centre_id


def list_active_jobs(session: Session, *, actor: Actor, kind: str) -> list[JobRow]:
    """The actor's own jobs of one kind at their active centre, running or finished,
    until they dismiss them (other users of the centre see the results in the table)."""
    jobs = session.scalars(
        select(Job)
        .where(jobs_seen_by(actor), Job.kind == kind)
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


def _stale_before(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(seconds=get_settings().task_stale_seconds)


def _last_sign_of_life() -> ColumnElement[dt.datetime]:
    return func.coalesce(Job.heartbeat_at, Job.created_at)


def claim_job(job_id: int, *, now: dt.datetime | None = None) -> Claim | None:
    """Take the job if it is pending, or running without a heartbeat for a while; None
    when it is done or alive in another worker. A job claimed more often than its retries
    and WORKER_DEATHS_ALLOWED allow fails (a job that kills its worker must not loop)."""
    now = now or utcnow()
    max_claims = get_settings().task_retries + 1 + WORKER_DEATHS_ALLOWED
    with session_scope() as session:
        job = session.get(Job, job_id)
        if job is None or job.status not in ACTIVE:
            return None
        if job.status == JobStatus.RUNNING and (job.heartbeat_at or now) >= _stale_before(now):
            return None
        if job.attempts >= max_claims:
            job.status, job.finished_at = JobStatus.FAILED.value, now
            job.error = f"It stopped {job.attempts} times before finishing."
            return None
        attempt = job.attempts + 1
        claimed = cast(
            CursorResult,
            session.execute(
                update(Job)
                .where(Job.id == job_id, Job.attempts == attempt - 1)
                .values(
                    status=JobStatus.RUNNING.value,
                    attempts=attempt,
                    started_at=now,
                    heartbeat_at=now,
                    progress=0,
                    error=None,
                )
            ),
        ).rowcount
    return Claim(job_id, attempt) if claimed else None


def _update_claimed(claim: Claim, **values: object) -> None:
    """Write to the job only while this attempt still holds it."""
    with session_scope() as session:
        updated = cast(
            CursorResult,
            session.execute(
                update(Job)
                .where(
                    Job.id == claim.job_id,
                    Job.attempts == claim.attempt,
                    Job.status == JobStatus.RUNNING.value,
                )
                .values(**values)
            ),
        ).rowcount
    if not updated:
        raise Superseded(f"job {claim.job_id} attempt {claim.attempt} no longer holds it")


def report_progress(claim: Claim, done: int) -> None:
    _update_claimed(claim, progress=done, heartbeat_at=utcnow())


def report_total(claim: Claim, total: int) -> None:
    """How much there is to do, once the worker knows (a file's rows)."""
    _update_claimed(claim, total=total, heartbeat_at=utcnow())


def finish_job(
    claim: Claim, *, summary: str, result_path: str | None = None, details: dict | None = None
) -> None:
    """The job is done: its summary (and any `details` the screen shows) go in its payload."""
    with session_scope() as session:
        job = session.get_one(Job, claim.job_id)
        payload = {**job.payload, **(details or {}), "summary": summary}
    _update_claimed(
        claim,
        status=JobStatus.FINISHED.value,
        finished_at=utcnow(),
        progress=Job.total,
        payload=payload,
        result_path=result_path,
    )


def fail_job(claim: Claim, reason: str) -> None:
    _update_claimed(claim, status=JobStatus.FAILED.value, finished_at=utcnow(), error=reason)


def release_job(claim: Claim, reason: str) -> None:
    """Back to pending, to be tried again; the reason shows meanwhile."""
    _update_claimed(claim, status=JobStatus.PENDING.value, heartbeat_at=utcnow(), error=reason)


@contextmanager
def heartbeat(claim: Claim, every: float | None = None) -> Iterator[None]:
    """Beat the job's heartbeat every `every` seconds while the block runs, however
    slowly it progresses (a slow mail server must not look like a dead worker)."""
    every = every or get_settings().heartbeat_seconds
    stop = threading.Event()

    def beat_until_stopped() -> None:
        while not stop.wait(every):
            try:
                _update_claimed(claim, heartbeat_at=utcnow())
            except Superseded:
                return
            except Exception:
                log.exception("heartbeat of job %s failed; trying again", claim.job_id)

    beating = threading.Thread(target=beat_until_stopped, name=f"heartbeat-{claim.job_id}")
    beating.daemon = True
    beating.start()
    try:
        yield
    finally:
        stop.set()
        beating.join()


def stale_jobs(*, now: dt.datetime | None = None) -> list[tuple[int, str]]:
    """Jobs waiting or running with no sign of life for a while: their worker died, or
    their queued task was lost. (id, kind) pairs, oldest first."""
    now = now or utcnow()
    with session_scope() as session:
        return [
            (row.id, row.kind)
            for row in session.execute(
                select(Job.id, Job.kind)
                .where(Job.status.in_(ACTIVE), _last_sign_of_life() < _stale_before(now))
                .order_by(Job.id)
            )
        ]
