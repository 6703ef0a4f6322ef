"""Email candidates that new qualification documents are available: each candidate
with an address once per certificate, ever; the batch's Email Status tells the result."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.audit import record_event
from core.batches import visible_batch_ids
from core.db import session_scope
from core.jobs import enqueue_job, finish_job, report_progress
from core.mail import send_email
from core.models import (
    Candidate,
    Centre,
    Certificate,
    CertificateNotice,
    Job,
    PrintBatch,
    Qualification,
)
from core.users import Actor

PROGRESS_EVERY = 25


def email_candidates(session: Session, *, actor: Actor, batch_ids: list[int]) -> Job:
    """Queue the emails for the chosen batches; a worker sends them."""
    batch_ids = visible_batch_ids(session, actor=actor, batch_ids=batch_ids)
    total = session.scalar(
        select(func.coalesce(func.sum(PrintBatch.records), 0)).where(PrintBatch.id.in_(batch_ids))
    )
    job = enqueue_job(
        session,
        actor=actor,
        kind="email_candidates",
        payload={"batch_ids": batch_ids},
        total=int(total),
        description=f"Email candidates of batch{'es' if len(batch_ids) > 1 else ''} "
        + ", ".join(map(str, batch_ids)),
    )
    record_event(
        session,
        action="email_candidates_requested",
        user_id=actor.user_id,
        centre_id=actor.centre_id,
        target=f"job:{job.id}",
        batch_ids=batch_ids,
    )
    return job


def batch_email_status(sent: int, total: int, failed: int) -> str:
    if failed:
        return f"Failed {failed}"
    if sent == 0:
        return "Not sent"
    return f"Sent {sent} of {total}"


def _message(first_name: str, title: str, number: str, centre: str) -> tuple[str, str]:
    subject = "Your qualification documents are available"
    body = (
        f"Dear {first_name},\n\n"
        f"Your certificate for {title} (certificate number {number}) has been issued "
        f"and is now available through {centre}.\n\n"
        "Please contact your centre if you would like a copy or if any detail on it is "
        "wrong.\n\nInstitute of the Motor Industry\n"
    )
    return subject, body


def _recipients(session: Session, batch_id: int, centre_id: int) -> list:
    return session.execute(
        select(
            Certificate.id,
            Certificate.number,
            Candidate.first_name,
            Candidate.email,
            Qualification.title,
            Centre.name,
        )
        .join(Candidate, Candidate.id == Certificate.candidate_id)
        .join(Qualification, Qualification.id == Certificate.qualification_id)
        .join(Centre, Centre.id == Certificate.centre_id)
        .where(Certificate.batch_id == batch_id, Certificate.centre_id == centre_id)
        .order_by(Certificate.id)
    ).all()


def _notify(row) -> str:
    """Send one notice in its own unit of work: 'sent', 'already', or 'failed'.
    The notice row is written first, so two workers cannot both send it."""
    certificate_id, number, first_name, email, title, centre = row
    try:
        with session_scope() as session:
            session.add(CertificateNotice(certificate_id=certificate_id))
            session.flush()
            subject, body = _message(first_name, title, number, centre)
            outcome = send_email(session, to=email, subject=subject, body=body)
            if outcome.status == "failed":
                session.delete(session.get(CertificateNotice, certificate_id))
                return "failed"
    except IntegrityError:
        return "already"
    return "sent"


@dataclass
class _EmailRun:
    job_id: int
    centre_id: int
    user_id: int
    done: int = 0
    counts: Counter = field(default_factory=Counter)


def _email_batch(run: _EmailRun, batch_id: int) -> None:
    with session_scope() as session:
        rows = _recipients(session, batch_id, run.centre_id)
        notified = set(
            session.scalars(
                select(CertificateNotice.certificate_id).where(
                    CertificateNotice.certificate_id.in_([row[0] for row in rows])
                )
            )
        )
    batch_counts = Counter()
    for row in rows:
        if row.id in notified:
            batch_counts["already"] += 1
        elif not row.email:
            batch_counts["no address"] += 1
        else:
            batch_counts[_notify(row)] += 1
        run.done += 1
        if run.done % PROGRESS_EVERY == 0:
            report_progress(run.job_id, run.done)
    _record_batch_result(run, batch_id, batch_counts, len(rows))
    run.counts.update(batch_counts)


def _record_batch_result(run: _EmailRun, batch_id: int, counts: Counter, total: int) -> None:
    with session_scope() as session:
        batch = session.get(PrintBatch, batch_id)
        sent = counts["sent"] + counts["already"]
        batch.email_status = batch_email_status(sent, total, counts["failed"])
        record_event(
            session,
            action="candidates_emailed",
            user_id=run.user_id,
            centre_id=batch.centre_id,
            target=f"batch:{batch_id}",
            **{key.replace(" ", "_"): value for key, value in counts.items()},
        )


def run_email_job(job_id: int) -> None:
    with session_scope() as session:
        job = session.get(Job, job_id)
        batch_ids = list(job.payload["batch_ids"])
        run = _EmailRun(job_id=job_id, centre_id=job.centre_id, user_id=job.user_id)
    for batch_id in batch_ids:
        _email_batch(run, batch_id)
    finish_job(job_id, summary=summarise(run.counts))


def summarise(counts: Counter) -> str:
    parts = [f"{counts['sent']} sent"]
    if counts["already"]:
        parts.append(f"{counts['already']} already told before")
    if counts["no address"]:
        parts.append(f"{counts['no address']} without an email address")
    if counts["failed"]:
        parts.append(f"{counts['failed']} failed (will be tried again next time)")
    return ", ".join(parts) + "."
