"""Email candidates that new qualification documents are available: each candidate
with an address once per certificate, ever; the batch's Email Status tells the result.

Each notice is claimed (committed) before the mail server is called, the message is sent
outside any transaction, and the outcome is recorded in another short one. A worker that
dies between the server's acceptance and that record leaves the claim behind: the
candidate is never told twice, and the batch's Email Status says the outcome is unknown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Row, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.audit import record_event
from core.batches import refuse_unless_complete, visible_batch_ids
from core.candidate_links import create_candidate_link
from core.config import get_settings
from core.db import session_scope
from core.errors import InvalidInput
from core.jobs import Claim, enqueue_job, finish_job, report_progress
from core.mail import deliver_email, keep_email
from core.models import (
    Candidate,
    Centre,
    Certificate,
    CertificateNotice,
    Job,
    JobStatus,
    NoticeStatus,
    PrintBatch,
    Qualification,
    utcnow,
)
from core.tasks import job_task, queue_after_commit
from core.users import Actor

KIND = "email_candidates"

PROGRESS_EVERY = 25


def email_candidates(session: Session, *, actor: Actor, batch_ids: list[int]) -> Job:
    """Queue the emails for the chosen batches; a worker sends them."""
    batch_ids = visible_batch_ids(session, actor=actor, batch_ids=batch_ids)
    _refuse_batches_being_emailed(session, actor=actor, batch_ids=batch_ids)
    refuse_unless_complete(
        session,
        select(Certificate.id).where(Certificate.batch_id.in_(batch_ids)),
        "its candidates can be emailed",
    )
    total = session.scalar(
        select(func.coalesce(func.sum(PrintBatch.records), 0)).where(PrintBatch.id.in_(batch_ids))
    )
    job = enqueue_job(
        session,
        actor=actor,
        kind=KIND,
        payload={"batch_ids": batch_ids},
        total=int(total or 0),
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
    queue_after_commit(session, KIND, job.id)
    return job


def _refuse_batches_being_emailed(session: Session, *, actor: Actor, batch_ids: list[int]) -> None:
    """One emailing of a batch at a time: a second would only find every candidate
    already told, and show a second progress bar beside the first."""
    unfinished = session.scalars(
        select(Job.payload).where(
            Job.kind == KIND,
            Job.status.in_((JobStatus.PENDING, JobStatus.RUNNING)),
        )
    )
    being_emailed = {batch_id for payload in unfinished for batch_id in payload["batch_ids"]}
    busy = sorted(set(batch_ids) & being_emailed)
    if busy:
        names = ", ".join(map(str, busy))
        raise InvalidInput(
            f"Batch{'es' if len(busy) > 1 else ''} {names} {'are' if len(busy) > 1 else 'is'} "
            "already being emailed: its progress shows under the table."
        )


def batch_email_status(sent: int, total: int, failed: int, unknown: int = 0) -> str:
    if failed:
        status = f"Failed {failed}"
    elif sent == 0:
        status = "Not sent"
    else:
        status = f"Sent {sent} of {total}"
    return status + (f", {unknown} unknown" if unknown else "")


def _message(first_name: str, title: str, number: str, centre: str, link: str) -> tuple[str, str]:
    subject = "Your qualification documents are available"
    body = (
        f"Dear {first_name},\n\n"
        f"Your certificate for {title} (certificate number {number}) has been issued "
        f"and is now available through {centre}.\n\n"
        "See your certificate, download its PDF and copy the address where an employer "
        f"can verify it, here (the link is yours, and works for "
        f"{get_settings().candidate_link_days} days):\n{link}\n\n"
        "Please contact your centre if you would like a printed copy or if any detail on "
        "it is wrong.\n\nInstitute of the Motor Industry\n"
    )
    return subject, body


def _recipients(session: Session, batch_id: int) -> Sequence[Row]:
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
        .join(PrintBatch, PrintBatch.id == Certificate.batch_id)
        .where(Certificate.batch_id == batch_id, Certificate.centre_id == PrintBatch.centre_id)
        .order_by(Certificate.id)
    ).all()


def _claim_notice(certificate_id: int) -> str | None:
    """Claim the notice in a transaction of its own, with the candidate's personal link
    (returned); None if it was claimed before."""
    try:
        with session_scope() as session:
            session.add(
                CertificateNotice(certificate_id=certificate_id, status=NoticeStatus.SENDING)
            )
            session.flush()
            return create_candidate_link(session, certificate_id=certificate_id)
    except IntegrityError:
        return None


def _notify(row: Row) -> str:
    """Claim, send (outside any transaction), record: 'sent', 'already' or 'failed'.
    A failed send gives its claim back, to be tried again next time."""
    certificate_id, number, first_name, email, title, centre = row
    link = _claim_notice(certificate_id)
    if link is None:
        return "already"
    subject, body = _message(first_name, title, number, centre, link)
    delivery = deliver_email(to=email, subject=subject, body=body)
    with session_scope() as session:
        keep_email(session, to=email, subject=subject, body=body, delivery=delivery)
        notice = session.get_one(CertificateNotice, certificate_id)
        if delivery.status == "failed":
            session.delete(notice)
            return "failed"
        notice.status, notice.sent_at = NoticeStatus.SENT.value, utcnow()
    return "sent"


@dataclass
class _EmailRun:
    claim: Claim
    user_id: int
    done: int = 0
    counts: Counter = field(default_factory=Counter)


def _email_batch(run: _EmailRun, batch_id: int) -> None:
    with session_scope() as session:
        rows = _recipients(session, batch_id)
        notified = dict(
            session.execute(
                select(CertificateNotice.certificate_id, CertificateNotice.status).where(
                    CertificateNotice.certificate_id.in_([row[0] for row in rows])
                )
            ).all()
        )
    batch_counts: Counter[str] = Counter()
    for row in rows:
        if notified.get(row.id) == NoticeStatus.SENDING:
            batch_counts["unknown"] += 1
        elif row.id in notified:
            batch_counts["already"] += 1
        elif not row.email:
            batch_counts["no address"] += 1
        else:
            batch_counts[_notify(row)] += 1
        run.done += 1
        if run.done % PROGRESS_EVERY == 0:
            report_progress(run.claim, run.done)
    _record_batch_result(run, batch_id, batch_counts, len(rows))
    run.counts.update(batch_counts)


def _record_batch_result(run: _EmailRun, batch_id: int, counts: Counter, total: int) -> None:
    with session_scope() as session:
        batch = session.get_one(PrintBatch, batch_id)
        sent = counts["sent"] + counts["already"]
        batch.email_status = batch_email_status(sent, total, counts["failed"], counts["unknown"])
        record_event(
            session,
            action="candidates_emailed",
            user_id=run.user_id,
            centre_id=batch.centre_id,
            target=f"batch:{batch_id}",
            **{key.replace(" ", "_"): value for key, value in counts.items()},
        )


@job_task(KIND)
def send_candidate_emails(claim: Claim) -> None:
    with session_scope() as session:
        job = session.get_one(Job, claim.job_id)
        batch_ids = list(job.payload["batch_ids"])
        run = _EmailRun(claim=claim, user_id=job.user_id)
    for batch_id in batch_ids:
        _email_batch(run, batch_id)
    finish_job(claim, summary=summarise(run.counts))


def summarise(counts: Counter) -> str:
    parts = [f"{counts['sent']} sent"]
    if counts["already"]:
        parts.append(f"{counts['already']} already told before")
    if counts["no address"]:
        parts.append(f"{counts['no address']} without an email address")
    if counts["failed"]:
        parts.append(f"{counts['failed']} failed (will be tried again next time)")
    if counts["unknown"]:
        parts.append(
            f"{counts['unknown']} not known to have arrived (a send was cut off; "
            "not sent again, so that no one is told twice)"
        )
    return ", ".join(parts) + "."
