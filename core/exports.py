"""Exports: the chosen certificates as secure PDFs in one zip, made by a worker and
listed in Document Downloads (Pending with progress, Finished, Expired 24 hours after it
finished, or Failed with the reason). What can be exported is; the rest is left out and
said, before the user types (`plan_export`), in Document Downloads and in a text file
inside the zip: certificates not printed yet (their batch is not Complete), revoked, or
issued before 1 November 2017 (no PDF)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from huey import crontab
from sqlalchemy import Row, Select, bindparam, func, insert, literal, select, true, update
from sqlalchemy.orm import Session
from unidecode import unidecode

from core.audit import record_event
from core.batches import PRINTED, visible_batch_ids
from core.certificate_pdf import CertificateContent, NotDrawn
from core.certificates import PDF_FROM
from core.config import get_settings
from core.db import session_scope
from core.errors import InvalidInput, NotFound
from core.files import AppendOnly, delete_export_file, open_export_file
from core.jobs import Claim, enqueue_job, finish_job, jobs_seen_by, report_progress
from core.models import (
    BatchStatus,
    Candidate,
    Centre,
    Certificate,
    Job,
    JobCertificate,
    JobStatus,
    PrintBatch,
    Qualification,
    User,
    utcnow,
)
from core.paging import Page, paginate
from core.search import SearchCriteria, matching_certificate_ids
from core.signing import signing_renderer
from core.tasks import huey, job_task, queue_after_commit
from core.users import Actor
from core.verify import verification_address

KIND = "export"
KEEP_FOR = dt.timedelta(hours=24)
CHUNK = 250
NO_SUCH_EXPORT = "There is no export with that ID."
NOT_INCLUDED = "not-included.txt"
PRE_2017_REASON = "issued before 1 November 2017, when certificates had no PDF"
REVOKED_REASON = "revoked by the awarding body"
NOT_PRINTED_REASON = "not printed yet (its batch is not Complete)"
NOT_DRAWN_REASON = "could not be drawn (each with its reason)"


@dataclass(frozen=True)
class ExportSelection:
    """What to export: ticked batches (or a whole batch), ticked certificates, or every
    result of a search."""

    batch_ids: tuple[int, ...] = ()
    certificate_ids: tuple[int, ...] = ()
    criteria: SearchCriteria | None = None


@dataclass(frozen=True)
class ExportRow:
    id: int
    file_name: str
    description: str
    certificates: int
    requested_by: str
    requested_at: dt.datetime
    status: str
    progress: int
    total: int
    skipped: int
    reason: str
    revoked: int = 0
    not_printed: int = 0
    not_drawn: int = 0

    @property
    def status_text(self) -> str:
        if self.status == "Pending":
            return f"Pending: {self.progress:,} of {self.total:,}"
        if self.status == "Failed":
            return f"Failed: {self.reason}"
        return self.status

    @property
    def skipped_text(self) -> str:
        if not self.skipped:
            return ""
        counts = {
            NOT_PRINTED_REASON: self.not_printed,
            f"{REVOKED_REASON} (each with its reason)": self.revoked,
            PRE_2017_REASON: self.skipped - self.revoked - self.not_printed - self.not_drawn,
            NOT_DRAWN_REASON: self.not_drawn,
        }
        reasons = [(count, reason) for reason, count in counts.items() if count]
        said = (
            [reason for _, reason in reasons]
            if len(reasons) == 1
            else [f"{count:,} {reason}" for count, reason in reasons]
        )
        return f"{self.skipped:,} not included: {'; '.join(said)} (listed in {NOT_INCLUDED})."

    @property
    def can_download(self) -> bool:
        return self.status == "Finished"


# Names ---------------------------------------------------------------------------------


def _safe(text: str, allowed: str) -> str:
    folded = unidecode(text or "")
    return re.sub(rf"[^A-Za-z0-9{allowed}]+", "-", folded).strip("-._ ")


def download_name(file_name: str) -> str:
    """The name the browser saves the zip as: ASCII letters, digits, - and _ only."""
    stem = _safe(re.sub(r"(?i)\.zip$", "", file_name.strip()), "_")[:80].strip("-")
    return f"{stem or 'certificates'}.zip"


def pdf_name(number: str, full_name: str) -> str:
    """A PDF's name in the zip: certificate number and candidate name, safe characters."""
    return f"{_safe(number, '')}_{_safe(full_name, '')[:80]}.pdf"


# Requesting ----------------------------------------------------------------------------


def _selected_ids(session: Session, actor: Actor, selection: ExportSelection) -> Select:
    """The certificate ids chosen, scoped to the actor (staff: every centre): anything
    of another centre answers NotFound, exactly as something that does not exist."""
    own = true() if actor.is_staff else Certificate.centre_id == actor.centre_id
    if selection.criteria is not None:
        return matching_certificate_ids(actor, selection.criteria)
    if selection.batch_ids:
        ids = visible_batch_ids(session, actor=actor, batch_ids=list(selection.batch_ids))
        return select(Certificate.id).where(Certificate.batch_id.in_(ids), own)
    chosen = set(selection.certificate_ids)
    query = select(Certificate.id).where(Certificate.id.in_(chosen), own)
    if not chosen or len(session.scalars(query).all()) != len(chosen):
        raise NotFound("There is no certificate with that ID.")
    return query


def _check_names(file_name: str, description: str) -> tuple[str, str]:
    file_name, description = file_name.strip(), description.strip()
    if not file_name:
        raise InvalidInput("Give the export a file name.")
    if len(file_name) > 100:
        raise InvalidInput("File names are limited to 100 characters.")
    if len(description) > 500:
        raise InvalidInput("Descriptions are limited to 500 characters.")
    return file_name, description


@dataclass(frozen=True)
class ExportPlan:
    """What an export of a selection will hold and leave out, known before the user
    types a file name. A certificate left out for several reasons counts once, for the
    first of: revoked, not printed yet, issued before 1 November 2017."""

    with_pdf: int
    not_printed: int
    revoked: int
    before: int

    @property
    def left_out(self) -> int:
        return self.not_printed + self.revoked + self.before

    @property
    def left_out_reasons(self) -> list[str]:
        counts = (
            (self.not_printed, NOT_PRINTED_REASON),
            (self.revoked, REVOKED_REASON),
            (self.before, PRE_2017_REASON),
        )
        return [f"{count:,} {reason}" for count, reason in counts if count]

    @property
    def refusal(self) -> str | None:
        """Why nothing at all can be exported (None when something can)."""
        if self.with_pdf:
            return None
        if not self.left_out:
            return "There are no certificates to export here."
        if self.before == self.left_out:
            return (
                "None of these certificates has a PDF: all were "
                f"{PRE_2017_REASON}. Their document cards are in Print Batches."
            )
        return f"None of these certificates can be exported: {'; '.join(self.left_out_reasons)}."


def _counts(session: Session, ids: Select) -> ExportPlan:
    """What the chosen certificates hold: with a PDF, and left out for each reason."""
    chosen = ids.subquery()
    live = Certificate.revoked.is_(False)
    row = session.execute(
        select(
            func.count().filter(live, PRINTED, Certificate.issue_date >= PDF_FROM),
            func.count().filter(live, ~PRINTED),
            func.count().filter(Certificate.revoked),
            func.count().filter(live, PRINTED, Certificate.issue_date < PDF_FROM),
        )
        .select_from(Certificate)
        .join(chosen, chosen.c.id == Certificate.id)
        .outerjoin(PrintBatch, PrintBatch.id == Certificate.batch_id)
    ).one()
    return ExportPlan(*row)


def plan_export(session: Session, *, actor: Actor, selection: ExportSelection) -> ExportPlan:
    """What an export of `selection` would hold and leave out, and why (the Export
    dialog says it before the user types); scoped like the export itself."""
    return _counts(session, _selected_ids(session, actor, selection))


def request_export(
    session: Session,
    *,
    actor: Actor,
    selection: ExportSelection,
    file_name: str,
    description: str = "",
    include_badges: bool = False,
) -> int:
    """Create the export at once (Pending) and queue it for a worker; returns its id.
    Whatever can be exported is; the rest is counted and listed in the zip. With
    `include_badges`, each PDF has its Open Badge (JSON) beside it in the zip."""
    file_name, description = _check_names(file_name, description)
    ids = _selected_ids(session, actor, selection)
    plan = _counts(session, ids)
    if plan.with_pdf + plan.left_out > get_settings().export_max_certificates:
        limit = get_settings().export_max_certificates
        raise InvalidInput(f"An export holds at most {limit:,} certificates; choose fewer.")
    if plan.refusal:
        raise InvalidInput(plan.refusal)
    job = enqueue_job(
        session,
        actor=actor,
        kind=KIND,
        payload={
            "revoked": plan.revoked,
            "not_printed": plan.not_printed,
            **({"badges": True} if include_badges else {}),
        },
        total=plan.with_pdf,
        description=description,
        file_name=file_name,
    )
    job.skipped = plan.left_out
    chosen = ids.subquery()
    session.execute(
        insert(JobCertificate).from_select(
            ["job_id", "certificate_id"], select(literal(job.id), chosen.c.id).distinct()
        )
    )
    record_event(
        session,
        action="export_requested",
        user_id=actor.user_id,
        centre_id=actor.centre_id,
        target=f"job:{job.id}",
        certificates=plan.with_pdf + plan.left_out,
    )
    queue_after_commit(session, KIND, job.id)
    return job.id


# Listing -------------------------------------------------------------------------------


def _shown_status(job: Job, now: dt.datetime) -> str:
    finished_at = job.finished_at
    if job.status == JobStatus.FINISHED and finished_at and finished_at + KEEP_FOR <= now:
        return "Expired"
    if job.status in (JobStatus.PENDING, JobStatus.RUNNING):
        return "Pending"
    return job.status.capitalize()


def _exports_query(actor: Actor) -> Select:
    return (
        select(Job, User.first_name, User.surname)
        .join(User, User.id == Job.user_id)
        .where(jobs_seen_by(actor), Job.kind == KIND)
    )


def _to_row(now: dt.datetime) -> Callable[[Row], ExportRow]:
    def to_row(row: Row) -> ExportRow:
        job, first_name, surname = row
        payload = job.payload or {}
        return ExportRow(
            id=job.id,
            file_name=download_name(job.file_name),
            description=job.description,
            certificates=job.total + job.skipped,
            requested_by=f"{first_name} {surname}".strip(),
            requested_at=job.created_at,
            status=_shown_status(job, now),
            progress=job.progress,
            total=job.total,
            skipped=job.skipped + payload.get("not_drawn", 0),
            reason=job.error or "",
            revoked=payload.get("revoked", 0),
            not_printed=payload.get("not_printed", 0),
            not_drawn=payload.get("not_drawn", 0),
        )

    return to_row


def list_exports(
    session: Session,
    *,
    actor: Actor,
    page: int = 1,
    per_page: int = 10,
    now: dt.datetime | None = None,
) -> Page[ExportRow]:
    """Document Downloads: the centre's exports, newest first, one page."""
    query = _exports_query(actor).order_by(Job.id.desc())
    return paginate(session, query, page=page, per_page=per_page, to_row=_to_row(now or utcnow()))


def get_export(
    session: Session, *, actor: Actor, export_id: int, now: dt.datetime | None = None
) -> ExportRow:
    row = session.execute(_exports_query(actor).where(Job.id == export_id)).first()
    if row is None:
        raise NotFound(NO_SUCH_EXPORT)
    return _to_row(now or utcnow())(row)


EXPIRED = (
    "This export has expired: its file is deleted 24 hours after it is made. Export the "
    "certificates again for a new one."
)


class ExportUnavailable(NotFound):
    """An export the user may see, with nothing to download now (expired, not finished,
    or its file gone): unlike another centre's, it is theirs, so they are told why."""


@dataclass(frozen=True)
class Download:
    name: str
    stored_as: str


def find_download(
    session: Session, *, actor: Actor, export_id: int, now: dt.datetime | None = None
) -> Download:
    """The zip of a Finished export of the actor's centre (read it outside the
    transaction with `read_download`)."""
    export = get_export(session, actor=actor, export_id=export_id, now=now)
    if export.status == "Expired":
        raise ExportUnavailable(EXPIRED)
    if not export.can_download:
        raise ExportUnavailable(
            f"This export is {export.status.lower()}: there is nothing to download."
        )
    stored_as = session.get_one(Job, export_id).result_path
    if stored_as is None:
        raise ExportUnavailable("This export's file is missing: export the certificates again.")
    return Download(export.file_name, stored_as)


def read_download(download: Download) -> bytes:
    with open_export_file(download.stored_as) as handle:
        return handle.read()


# Making (in a worker) ------------------------------------------------------------------


def _give_verify_codes(session: Session, certificate_ids: list[int]) -> None:
    """An unguessable code per certificate, made the first time its PDF is (one
    statement for the chunk: an UPDATE per certificate was a tenth of an export)."""
    missing = session.scalars(
        select(Certificate.id).where(
            Certificate.id.in_(certificate_ids), Certificate.verify_code.is_(None)
        )
    ).all()
    if not missing:
        return
    table = Certificate.__table__
    session.execute(
        update(table)
        .where(table.c.id == bindparam("certificate_id"), table.c.verify_code.is_(None))
        .values(verify_code=bindparam("code")),
        [{"certificate_id": id_, "code": secrets.token_urlsafe(18)} for id_ in missing],
    )


def _chosen(job_id: int, with_pdf: bool) -> Select:
    included = (Certificate.issue_date >= PDF_FROM) & Certificate.revoked.is_(False) & PRINTED
    condition = included if with_pdf else ~included
    return (
        select(
            Certificate.id,
            Certificate.number,
            Candidate.first_name,
            Candidate.surname,
            Qualification.title,
            Qualification.number.label("qualification_number"),
            Qualification.kind,
            Certificate.grade,
            Certificate.issue_date,
            Certificate.expiry_date,
            Centre.name,
            Certificate.verify_code,
            Certificate.revoked,
            Certificate.revoked_reason,
            Certificate.batch_id,
            PrintBatch.status.label("batch_status"),
        )
        .join(JobCertificate, JobCertificate.certificate_id == Certificate.id)
        .outerjoin(PrintBatch, PrintBatch.id == Certificate.batch_id)
        .join(Candidate, Candidate.id == Certificate.candidate_id)
        .join(Qualification, Qualification.id == Certificate.qualification_id)
        .join(Centre, Centre.id == Certificate.centre_id)
        .where(JobCertificate.job_id == job_id, condition)
        .order_by(Certificate.id)
    )


def _chunks(job_id: int) -> Iterator[list[CertificateContent]]:
    """The certificates with a PDF, a chunk at a time, each read in a short transaction."""
    after = 0
    while True:
        with session_scope() as session:
            ids = session.scalars(
                _chosen(job_id, True)
                .with_only_columns(Certificate.id)
                .where(Certificate.id > after)
                .limit(CHUNK)
            ).all()
            if not ids:
                return
            _give_verify_codes(session, list(ids))
            rows = session.execute(_chosen(job_id, True).where(Certificate.id.in_(ids))).all()
        after = ids[-1]
        yield [_content(row) for row in rows]


def _content(row: Row) -> CertificateContent:
    return CertificateContent(
        number=row.number,
        full_name=f"{row.first_name} {row.surname}",
        qualification_title=row.title,
        qualification_number=row.qualification_number,
        kind=row.kind,
        grade=row.grade,
        issue_date=row.issue_date,
        expiry_date=row.expiry_date,
        centre=row.name,
        verify_url=verification_address(row.verify_code),
    )


def _left_out_because(row: Row) -> str:
    if row.revoked:
        return f"{REVOKED_REASON}: {row.revoked_reason}"
    if row.batch_id is not None and row.batch_status != BatchStatus.COMPLETE:
        return f"not printed yet: batch {row.batch_id} is {row.batch_status.title()}"
    return f"issued {row.issue_date:%d/%m/%Y}, {PRE_2017_REASON}"


def _not_included(job_id: int, not_drawn: list[str]) -> str:
    """The listing of what the zip leaves out: chosen but not exportable, and
    `not_drawn` (lines of certificates whose PDF could not be drawn)."""
    with session_scope() as session:
        rows = session.execute(_chosen(job_id, False)).all()
    if not rows and not not_drawn:
        return ""
    lines = [
        f"{row.number}  {row.first_name} {row.surname}  {_left_out_because(row)}" for row in rows
    ] + not_drawn
    return (
        f"These {len(lines)} certificates are not in this export, each for the reason given.\n"
        "Document cards of certificates issued before 1 November 2017 can be viewed and "
        "printed in Print Batches.\n\n" + "\n".join(lines) + "\n"
    )


def _wants_badges(job_id: int) -> bool:
    with session_scope() as session:
        return bool((session.get_one(Job, job_id).payload or {}).get("badges"))


def _write_zip(claim: Claim, stored_as: str) -> int:
    """Write the zip; a certificate that cannot be drawn is listed with the reason, never
    failing the others. Returns how many could not be drawn."""
    renderer = signing_renderer()
    badges = _wants_badges(claim.job_id)
    done = 0
    not_drawn: list[str] = []
    with (
        open_export_file(stored_as, "wb") as handle,
        zipfile.ZipFile(AppendOnly(handle), "w", zipfile.ZIP_STORED) as archive,
    ):
        for contents in _chunks(claim.job_id):
            drawn = []
            for content, pdf in zip(contents, renderer.render_each(contents), strict=True):
                if isinstance(pdf, NotDrawn):
                    not_drawn.append(f"{content.number}  {content.full_name}  {pdf.reason}")
                else:
                    archive.writestr(pdf_name(content.number, content.full_name), pdf)
                    drawn.append(content)
            if badges:
                _write_badges(archive, drawn)
            done += len(contents)
            report_progress(claim, done)
        if listing := _not_included(claim.job_id, not_drawn):
            archive.writestr(NOT_INCLUDED, listing.encode())
    return len(not_drawn)


def _write_badges(archive: zipfile.ZipFile, contents: list[CertificateContent]) -> None:
    """Each certificate's Open Badge beside its PDF: the same name, .json."""
    from core.badges import badge_files

    with session_scope() as session:
        ids = dict(
            session.execute(
                select(Certificate.number, Certificate.id).where(
                    Certificate.number.in_([content.number for content in contents])
                )
            ).all()
        )
    badges = badge_files(list(ids.values()))
    for content in contents:
        certificate_id = ids.get(content.number)
        if certificate_id is not None and (badge := badges.get(certificate_id)) is not None:
            name = pdf_name(content.number, content.full_name).removesuffix(".pdf") + ".json"
            archive.writestr(name, badge.file_bytes())


@job_task(KIND)
def make_export(claim: Claim) -> None:
    """Write the zip under a name of this attempt (an earlier attempt's half-written
    file is deleted, never served), then record it."""
    for attempt in range(1, claim.attempt):
        delete_export_file(f"{claim.job_id}-{attempt}.zip")
    stored_as = f"{claim.job_id}-{claim.attempt}.zip"
    try:
        not_drawn = _write_zip(claim, stored_as)
    except BaseException:
        delete_export_file(stored_as)
        raise
    with session_scope() as session:
        job = session.get_one(Job, claim.job_id)
        left_out = job.skipped + not_drawn
        summary = f"{job.total - not_drawn:,} PDFs" + (
            f", {left_out:,} not included" if left_out else ""
        )
    finish_job(claim, summary=summary, result_path=stored_as, details={"not_drawn": not_drawn})


# Expiry --------------------------------------------------------------------------------


def expire_exports(*, now: dt.datetime | None = None) -> int:
    """Exports finished 24 hours ago or more: delete their files, mark them Expired."""
    cutoff = (now or utcnow()) - KEEP_FOR
    with session_scope() as session:
        due = session.execute(
            select(Job.id, Job.result_path).where(
                Job.kind == KIND, Job.status == JobStatus.FINISHED, Job.finished_at <= cutoff
            )
        ).all()
    for job_id, stored_as in due:
        if stored_as:
            delete_export_file(stored_as)
        with session_scope() as session:
            session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == JobStatus.FINISHED)
                .values(status=JobStatus.EXPIRED.value, result_path=None)
            )
    return len(due)


@huey.periodic_task(crontab(minute="*/5"), name="expire_exports")
def expire_exports_task() -> int:
    return expire_exports()
