"""Print batches of the actor's active centre: the table, one batch, its certificates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core.certificates import CertificateRow, certificate_rows_query, to_certificate_row
from core.errors import InvalidInput, NotFound
from core.models import Certificate, PrintBatch, User
from core.paging import Page, paginate
from core.users import Actor

BATCH_STATUSES = ("COMPLETE", "PRINTING", "PENDING", "FAILED")
BATCH_TYPES = ("Certificate", "Reprint", "Letter")
NO_SUCH_BATCH = "There is no batch with that ID."


@dataclass(frozen=True)
class BatchFilters:
    status: str | None = None
    batch_type: str | None = None
    started_from: dt.date | None = None
    started_to: dt.date | None = None
    finished_from: dt.date | None = None
    finished_to: dt.date | None = None

    def check(self) -> None:
        if self.status is not None and self.status not in BATCH_STATUSES:
            raise InvalidInput("Choose a status from the list.")
        if self.batch_type is not None and self.batch_type not in BATCH_TYPES:
            raise InvalidInput("Choose a type from the list.")
        for label, start, end in (
            ("Started", self.started_from, self.started_to),
            ("Finished", self.finished_from, self.finished_to),
        ):
            if start and end and start > end:
                raise InvalidInput(f"{label}: the 'from' date is after the 'to' date.")


@dataclass(frozen=True)
class BatchRow:
    id: int
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    user: str
    records: int
    email_status: str
    batch_type: str
    reference: str


def _day_after(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time())


def _batches_query(actor: Actor) -> Select:
    return (
        select(PrintBatch, User.first_name, User.surname)
        .outerjoin(User, User.id == PrintBatch.operator_id)
        .where(PrintBatch.centre_id == actor.centre_id)
    )


def _to_batch_row(row) -> BatchRow:
    batch, first_name, surname = row
    return BatchRow(
        id=batch.id,
        status=batch.status,
        started_at=batch.started_at,
        finished_at=batch.finished_at,
        user=f"{first_name or ''}{(surname or '')[:1]}",
        records=batch.records,
        email_status=batch.email_status or "Not sent",
        batch_type=batch.batch_type,
        reference=batch.reference,
    )


def _filtered(query: Select, filters: BatchFilters) -> Select:
    conditions = []
    if filters.status:
        conditions.append(PrintBatch.status == filters.status)
    if filters.batch_type:
        conditions.append(PrintBatch.batch_type == filters.batch_type)
    if filters.started_from:
        conditions.append(PrintBatch.started_at >= filters.started_from)
    if filters.started_to:
        conditions.append(PrintBatch.started_at < _day_after(filters.started_to))
    if filters.finished_from:
        conditions.append(PrintBatch.finished_at >= filters.finished_from)
    if filters.finished_to:
        conditions.append(PrintBatch.finished_at < _day_after(filters.finished_to))
    return query.where(*conditions)


def list_batches(
    session: Session,
    *,
    actor: Actor,
    filters: BatchFilters = BatchFilters(),
    page: int = 1,
    per_page: int = 10,
) -> Page[BatchRow]:
    """The Print Batches table: newest first, filtered, one page."""
    filters.check()
    query = _filtered(_batches_query(actor), filters).order_by(
        PrintBatch.started_at.desc(), PrintBatch.id.desc()
    )
    return paginate(session, query, page=page, per_page=per_page, to_row=_to_batch_row)


def get_batch(session: Session, *, actor: Actor, batch_id: int) -> BatchRow:
    row = session.execute(_batches_query(actor).where(PrintBatch.id == batch_id)).first()
    if row is None:
        raise NotFound(NO_SUCH_BATCH)
    return _to_batch_row(row)


def list_batch_certificates(
    session: Session, *, actor: Actor, batch_id: int, page: int = 1, per_page: int = 10
) -> Page[CertificateRow]:
    """A batch's certificates in certificate-number order (the batch must be visible)."""
    get_batch(session, actor=actor, batch_id=batch_id)
    query = (
        certificate_rows_query()
        .where(Certificate.batch_id == batch_id, Certificate.centre_id == actor.centre_id)
        .order_by(Certificate.id)
    )
    return paginate(session, query, page=page, per_page=per_page, to_row=to_certificate_row)


def visible_batch_ids(session: Session, *, actor: Actor, batch_ids: list[int]) -> list[int]:
    """The ids among `batch_ids` that the actor may act on; any other means NotFound."""
    found = set(
        session.scalars(
            select(PrintBatch.id).where(
                PrintBatch.id.in_(batch_ids), PrintBatch.centre_id == actor.centre_id
            )
        )
    )
    if not batch_ids or found != set(batch_ids):
        raise NotFound(NO_SUCH_BATCH)
    return sorted(found)
