"""What the centre API (/api/v1) answers, as pydantic models (the OpenAPI document is
generated from them), and the queries behind it: keyset (cursor) pages, each scoped to
the key's centre. An object of another centre answers exactly as one that does not
exist.

Cursors are opaque to clients: the base64url of the last row's sort key. Certificates
are in (updated_at, id) order, so `updated_since` plus the cursor is an incremental
sync: keep the newest `updated_at` seen and ask again from it (a row changed during
the sync comes again later, never missed).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Row, Select, select, tuple_
from sqlalchemy.orm import Session

from core.batches import BATCH_TYPES, NO_SUCH_BATCH, BatchFilters, filter_batches, get_batch
from core.certificates import NO_SUCH_CERTIFICATE, has_pdf
from core.errors import InvalidInput, NotFound
from core.exports import ExportRow, ExportSelection, get_export, request_export
from core.models import Candidate, Certificate, PrintBatch, Qualification
from core.search import SearchCriteria, search_conditions
from core.users import Actor

MAX_PAGE = 1_000
DEFAULT_PAGE = 100


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """The database's naive UTC as an aware time, so that JSON says ...Z (RFC 3339)."""
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value


Utc = Annotated[dt.datetime, AfterValidator(_as_utc)]


# Answers -------------------------------------------------------------------------------


class CertificateOut(Model):
    """A certificate as a centre's system receives it (no date of birth or email)."""

    id: int
    number: str = Field(examples=["016559933-01-1800"])
    candidate_number: str = Field(examples=["42231110"])
    first_name: str
    surname: str
    qualification_number: str = Field(examples=["603/1465/5"])
    qualification_title: str
    qualification_kind: str
    grade: str
    issue_date: dt.date
    expiry_date: dt.date | None
    batch_id: int | None
    revoked: bool
    revoked_at: Utc | None
    has_pdf: bool = Field(description="issued on or after 1 November 2017 (before: card only)")
    has_badge: bool = Field(description="an Open Badge is available (has a PDF, not revoked)")
    updated_at: Utc = Field(description="moves on whenever the certificate changes (UTC)")


class CertificatePage(Model):
    data: list[CertificateOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null: end")


class BatchOut(Model):
    id: int
    status: Literal["PENDING", "PRINTING", "COMPLETE", "FAILED"]
    type: str = Field(examples=list(BATCH_TYPES))
    started_at: Utc
    finished_at: Utc | None
    records: int
    reference: str
    email_status: str
    failure_reason: str


class BatchPage(Model):
    data: list[BatchOut]
    next_cursor: str | None


class ExportOut(Model):
    id: int
    file_name: str
    description: str
    status: Literal["Pending", "Finished", "Expired", "Failed"]
    progress: int = Field(description="PDFs made so far")
    total: int = Field(description="PDFs the zip will hold")
    skipped: int = Field(description="chosen certificates without a PDF (listed in the zip)")
    requested_at: Utc
    reason: str = Field(description="why it failed, if it did")
    download: str | None = Field(description="the zip's address while Finished")


class ExportRequest(Model):
    """What to export: batches or certificates of the key's centre (one of them)."""

    file_name: str = Field(min_length=1, max_length=100)
    description: str = Field("", max_length=500)
    batch_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(
        default_factory=list, max_length=1_000
    )
    certificate_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(
        default_factory=list, max_length=10_000
    )
    include_badges: bool = Field(
        False, description="add each certificate's Open Badge (JSON) beside its PDF"
    )


class CredentialCheckRequest(Model):
    credential: str = Field(
        min_length=1, max_length=200_000, description="our Open Badge JSON file, or its VC-JWT"
    )


class CredentialCheckOut(Model):
    verdict: Literal["Valid", "Revoked", "Expired", "Not issued by us", "Changed"]
    reason: str
    certificate_number: str | None


class BadgeOut(Model):
    """A certificate's Open Badge: the credential, and its VC-JWT (the proof)."""

    credential: dict[str, Any]
    jwt: str


class Problem(Model):
    """An error (RFC 9457 problem details), as application/problem+json."""

    model_config = ConfigDict(extra="allow")
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None


# Questions -----------------------------------------------------------------------------

Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
Limit = Annotated[int, Field(ge=1, le=MAX_PAGE)]
Text = Annotated[str, Field(max_length=100)]
Day = Annotated[dt.date, Field(ge=dt.date(1900, 1, 1), le=dt.date(2999, 12, 31))]


class BatchQuery(Model):
    """Filters as on Print Batches; newest first."""

    status: Literal["PENDING", "PRINTING", "COMPLETE", "FAILED"] | None = None
    type: Literal["Certificate", "Reprint", "Letter"] | None = None
    started_from: Day | None = None
    started_to: Day | None = None
    finished_from: Day | None = None
    finished_to: Day | None = None
    limit: Limit = DEFAULT_PAGE
    cursor: Annotated[str, Field(max_length=200)] | None = None


class PageQuery(Model):
    limit: Limit = DEFAULT_PAGE
    cursor: Annotated[str, Field(max_length=200)] | None = None


class CertificateQuery(Model):
    """The Search page's criteria (prefixes, as there), and `updated_since`."""

    updated_since: dt.datetime | None = Field(
        None, description="only certificates changed at or after this moment (UTC)"
    )
    certificate_number: Text = ""
    candidate_id: Text = ""
    first_name: Text = ""
    surname: Text = ""
    date_of_birth: Text = Field("", description="30/09/1981, 1981-09-30 or 30-September-1981")
    limit: Limit = DEFAULT_PAGE
    cursor: Annotated[str, Field(max_length=200)] | None = None


M = TypeVar("M", bound=Model)


def parse_query(model: type[M], values: dict[str, str]) -> M:
    """A question's parameters, or InvalidInput naming what is wrong."""
    try:
        return model.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(map(str, first["loc"])) or "request"
        raise InvalidInput(f"{where}: {first['msg']}") from None


# Cursors -------------------------------------------------------------------------------


def _plain(value: object) -> object:
    if isinstance(value, dt.datetime):
        return (
            value.replace(tzinfo=value.tzinfo or dt.UTC)
            .astimezone(dt.UTC)
            .replace(tzinfo=None)
            .isoformat()
        )
    return value


def encode_cursor(*values: object) -> str:
    text = json.dumps([_plain(value) for value in values])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, kinds: tuple[type, ...]) -> tuple:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError
        return tuple(
            dt.datetime.fromisoformat(value) if kind is dt.datetime else kind(value)
            for kind, value in zip(kinds, values, strict=True)
        )
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor: not a cursor this API gave; start again without it") from None


def etag(body: bytes) -> str:
    """A strong ETag of an answer's JSON."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


# Certificates --------------------------------------------------------------------------

_CERTIFICATE_COLUMNS = (
    Certificate.id,
    Certificate.number,
    Certificate.candidate_number,
    Candidate.first_name,
    Candidate.surname,
    Qualification.number,
    Qualification.title,
    Qualification.kind,
    Certificate.grade,
    Certificate.issue_date,
    Certificate.expiry_date,
    Certificate.batch_id,
    Certificate.revoked,
    Certificate.revoked_at,
    Certificate.updated_at,
)


def _certificates(actor: Actor) -> Select:
    return (
        select(*_CERTIFICATE_COLUMNS)
        .join(Candidate, Candidate.id == Certificate.candidate_id)
        .join(Qualification, Qualification.id == Certificate.qualification_id)
        .where(Certificate.centre_id == actor.centre_id)
    )


def _certificate_values(row: Row) -> dict[str, object]:
    (id_, number, candidate_number, first, surname, q_number, q_title, kind, grade) = row[:9]
    issue_date, expiry_date, batch_id, revoked, revoked_at, updated_at = row[9:]
    return {
        "id": id_,
        "number": number,
        "candidate_number": candidate_number,
        "first_name": first,
        "surname": surname,
        "qualification_number": q_number,
        "qualification_title": q_title,
        "qualification_kind": kind,
        "grade": grade,
        "issue_date": issue_date,
        "expiry_date": expiry_date,
        "batch_id": batch_id,
        "revoked": revoked,
        "revoked_at": revoked_at,
        "has_pdf": has_pdf(issue_date),
        "has_badge": has_pdf(issue_date) and not revoked,
        "updated_at": updated_at,
    }


def _certificate_out(row: Row) -> CertificateOut:
    return CertificateOut.model_validate(_certificate_values(row))


def _certificate_page(
    rows: Sequence[Row], limit: int, cursor_of: Callable[[dict[str, Any]], str]
) -> CertificatePage:
    """A page from `limit + 1` rows (one more means there is a next page), validated in
    one go (pydantic's core validates a list of dicts ten times faster than one model
    at a time)."""
    data = [_certificate_values(row) for row in rows[:limit]]
    more = len(rows) > limit
    return CertificatePage.model_validate(
        {"data": data, "next_cursor": cursor_of(data[-1]) if more else None}
    )


def list_certificates(
    session: Session, *, actor: Actor, query: CertificateQuery
) -> CertificatePage:
    """The centre's certificates in (updated_at, id) order, one page after the cursor."""
    criteria = SearchCriteria(
        certificate_number=query.certificate_number,
        candidate_id=query.candidate_id,
        first_name=query.first_name,
        surname=query.surname,
        date_of_birth=query.date_of_birth,
    )
    statement = _certificates(actor).where(*search_conditions(criteria, actor.centre_id))
    if query.updated_since is not None:
        since = query.updated_since
        if since.tzinfo is not None:
            try:
                since = since.astimezone(dt.UTC).replace(tzinfo=None)
            except OverflowError:
                raise InvalidInput("updated_since: out of range") from None
        statement = statement.where(Certificate.updated_at >= since)
    if query.cursor:
        after = _decode_cursor(query.cursor, (dt.datetime, int))
        statement = statement.where(tuple_(Certificate.updated_at, Certificate.id) > after)
    rows = session.execute(
        statement.order_by(Certificate.updated_at, Certificate.id).limit(query.limit + 1)
    ).all()
    return _certificate_page(
        rows, query.limit, lambda last: encode_cursor(last["updated_at"], last["id"])
    )


def get_certificate(session: Session, *, actor: Actor, certificate_id: int) -> CertificateOut:
    row = session.execute(_certificates(actor).where(Certificate.id == certificate_id)).first()
    if row is None:
        raise NotFound(NO_SUCH_CERTIFICATE)
    return _certificate_out(row)


def list_batch_certificates(
    session: Session, *, actor: Actor, batch_id: int, query: PageQuery
) -> CertificatePage:
    """A batch's certificates by id (the batch must be the centre's)."""
    get_batch(session, actor=actor, batch_id=batch_id)
    statement = _certificates(actor).where(Certificate.batch_id == batch_id)
    if query.cursor:
        (after,) = _decode_cursor(query.cursor, (int,))
        statement = statement.where(Certificate.id > after)
    rows = session.execute(statement.order_by(Certificate.id).limit(query.limit + 1)).all()
    return _certificate_page(rows, query.limit, lambda last: encode_cursor(last["id"]))


# Batches -------------------------------------------------------------------------------


def _batch_out(batch: PrintBatch) -> BatchOut:
    return BatchOut(
        id=batch.id,
        status=batch.status,
        type=batch.batch_type,
        started_at=batch.started_at,
        finished_at=batch.finished_at,
        records=batch.records,
        reference=batch.reference,
        email_status=batch.email_status or "Not sent",
        failure_reason=batch.failure_reason or "",
    )


def list_batches(session: Session, *, actor: Actor, query: BatchQuery) -> BatchPage:
    """The centre's batches, newest first (as Print Batches), filtered, after the cursor."""
    filters = BatchFilters(
        status=query.status,
        batch_type=query.type,
        started_from=query.started_from,
        started_to=query.started_to,
        finished_from=query.finished_from,
        finished_to=query.finished_to,
    )
    filters.check()
    statement = filter_batches(
        select(PrintBatch).where(PrintBatch.centre_id == actor.centre_id), filters
    )
    if query.cursor:
        started, after = _decode_cursor(query.cursor, (dt.datetime, int))
        statement = statement.where(tuple_(PrintBatch.started_at, PrintBatch.id) < (started, after))
    batches = session.scalars(
        statement.order_by(PrintBatch.started_at.desc(), PrintBatch.id.desc()).limit(
            query.limit + 1
        )
    ).all()
    data = [_batch_out(batch) for batch in batches[: query.limit]]
    more = len(batches) > query.limit
    return BatchPage(
        data=data,
        next_cursor=encode_cursor(data[-1].started_at, data[-1].id) if more else None,
    )


def get_batch_out(session: Session, *, actor: Actor, batch_id: int) -> BatchOut:
    batch = session.scalar(
        select(PrintBatch).where(PrintBatch.id == batch_id, PrintBatch.centre_id == actor.centre_id)
    )
    if batch is None:
        raise NotFound(NO_SUCH_BATCH)
    return _batch_out(batch)


# Exports -------------------------------------------------------------------------------


def _export_out(row: ExportRow, download: str) -> ExportOut:
    return ExportOut(
        id=row.id,
        file_name=row.file_name,
        description=row.description,
        status=row.status,
        progress=row.progress,
        total=row.total,
        skipped=row.skipped,
        requested_at=row.requested_at,
        reason=row.reason,
        download=download if row.can_download else None,
    )


def create_export(
    session: Session, *, actor: Actor, request: ExportRequest, download_address: str
) -> ExportOut:
    """Request an export of batches or certificates of the centre (core's export: a
    Huey worker makes the zip); `download_address` has `{id}` for the export's id."""
    if bool(request.batch_ids) == bool(request.certificate_ids):
        raise InvalidInput("Give batch_ids or certificate_ids (one of them).")
    export_id = request_export(
        session,
        actor=actor,
        selection=ExportSelection(
            batch_ids=tuple(request.batch_ids), certificate_ids=tuple(request.certificate_ids)
        ),
        file_name=request.file_name,
        description=request.description,
        include_badges=request.include_badges,
    )
    session.flush()
    return get_export_out(
        session, actor=actor, export_id=export_id, download_address=download_address
    )


def get_export_out(
    session: Session, *, actor: Actor, export_id: int, download_address: str
) -> ExportOut:
    row = get_export(session, actor=actor, export_id=export_id)
    return _export_out(row, download_address.format(id=export_id))
