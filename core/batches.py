"""Print batches: the table (a centre user's centre; staff, every centre), one batch,
its certificates, and its production (Pending, Printing, Complete or Failed), which staff
move on. A batch's certificates are exported and its candidates emailed once Complete."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Row, Select, func, or_, select, true, update
from sqlalchemy.orm import Session

from core.audit import record_event
from core.certificates import CertificateRow, certificate_rows_query, to_certificate_row
from core.csv_stream import SessionSource, csv_stream
from core.db import session_scope
from core.errors import InvalidInput, NotFound
from core.models import BatchStatus, Centre, Certificate, PrintBatch, User, utcnow
from core.paging import Page, paginate
from core.text import clean_text, uk_date
from core.users import Actor, require_staff

BATCH_STATUSES = tuple(status.value for status in BatchStatus)
BATCH_TYPES = ("Certificate", "Reprint", "Letter")
NO_SUCH_BATCH = "There is no batch with that ID."
# Production moves forward; a Failed batch may be put back to Pending to try again.
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    BatchStatus.PENDING: (BatchStatus.PRINTING, BatchStatus.FAILED),
    BatchStatus.PRINTING: (BatchStatus.COMPLETE, BatchStatus.FAILED),
    BatchStatus.FAILED: (BatchStatus.PENDING,),
    BatchStatus.COMPLETE: (),
}
CSV_HEADER = (
    "ID",
    "Centre Number",
    "Centre",
    "Status",
    "Failure Reason",
    "Started",
    "Finished",
    "User",
    "Records",
    "Email Status",
    "Type",
    "Reference",
)


@dataclass(frozen=True)
class BatchFilters:
    status: str | None = None
    batch_type: str | None = None
    started_from: dt.date | None = None
    started_to: dt.date | None = None
    finished_from: dt.date | None = None
    finished_to: dt.date | None = None
    centre: str | None = None  # a centre's number, or part of its name

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
        clean_text(self.centre or "", "Centre", 200)


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
    centre_number: str = ""
    centre_name: str = ""
    failure_reason: str = ""

    @property
    def status_text(self) -> str:
        """The status as the table shows it: a failed batch says why."""
        if self.status == BatchStatus.FAILED and self.failure_reason:
            return f"{self.status}: {self.failure_reason}"
        return self.status

    @property
    def centre(self) -> str:
        return f"{self.centre_number} {self.centre_name}".strip()


@dataclass(frozen=True)
class CentreBatchCounts:
    """How many of a centre's batches are at each status (staff's All batches)."""

    centre_number: str
    centre_name: str
    pending: int
    printing: int
    complete: int
    failed: int
    total: int


def _day_after(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time())


def _in_scope(actor: Actor) -> ColumnElement[bool]:
    """Staff see every centre's batches; anyone else, their active centre's."""
    return true() if actor.is_staff else PrintBatch.centre_id == actor.centre_id


_ROW_COLUMNS = (
    PrintBatch.id,
    PrintBatch.status,
    PrintBatch.started_at,
    PrintBatch.finished_at,
    User.first_name,
    User.surname,
    PrintBatch.records,
    PrintBatch.email_status,
    PrintBatch.batch_type,
    PrintBatch.reference,
    PrintBatch.failure_reason,
    PrintBatch.centre_id,
)


def _batches_query(actor: Actor) -> Select:
    """Plain columns (no ORM objects, no centre join: counting a page reads no more than
    it must); the centres' numbers and names are added to the rows shown."""
    return (
        select(*_ROW_COLUMNS)
        .outerjoin(User, User.id == PrintBatch.operator_id)
        .where(_in_scope(actor))
    )


def _to_batch_row(row: Row, centres: dict[int, tuple[str, str]]) -> BatchRow:
    (
        batch_id,
        status,
        started_at,
        finished_at,
        first_name,
        surname,
        records,
        email_status,
        batch_type,
        reference,
        failure_reason,
        centre_id,
    ) = row
    centre_number, centre_name = centres.get(centre_id, ("", ""))
    return BatchRow(
        id=batch_id,
        status=status,
        started_at=started_at,
        finished_at=finished_at,
        user=f"{first_name or ''}{(surname or '')[:1]}",
        records=records,
        email_status=email_status or "Not sent",
        batch_type=batch_type,
        reference=reference,
        centre_number=centre_number,
        centre_name=centre_name,
        failure_reason=failure_reason or "",
    )


def _centres(session: Session, centre_ids: set[int] | None = None) -> dict[int, tuple[str, str]]:
    """Centre numbers and names by id (`centre_ids` only, when given)."""
    query = select(Centre.id, Centre.number, Centre.name)
    if centre_ids is not None:
        query = query.where(Centre.id.in_(centre_ids))
    return {centre_id: (number, name) for centre_id, number, name in session.execute(query)}


def _with_centres(session: Session, rows: Sequence[Row]) -> list[BatchRow]:
    centres = _centres(session, {row.centre_id for row in rows})
    return [_to_batch_row(row, centres) for row in rows]


def _centres_matching(text: str) -> Select:
    """Centres whose number is `text` or whose name holds it, whatever the case."""
    return select(Centre.id).where(
        or_(Centre.number == text, func.lower(Centre.name).contains(text.lower(), autoescape=True))
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
    if filters.centre and filters.centre.strip():
        conditions.append(PrintBatch.centre_id.in_(_centres_matching(filters.centre.strip())))
    return query.where(*conditions)


def filter_batches(query: Select, filters: BatchFilters) -> Select:
    """`query` narrowed by the Print Batches filters (the API's batches use them too)."""
    return _filtered(query, filters)


def _newest_first(query: Select) -> Select:
    return query.order_by(PrintBatch.started_at.desc(), PrintBatch.id.desc())


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
    query = _newest_first(_filtered(_batches_query(actor), filters))
    found = paginate(session, query, page=page, per_page=per_page, to_row=lambda row: row)
    rows = _with_centres(session, found.rows)
    return Page(rows=rows, total=found.total, page=found.page, per_page=found.per_page)


def _csv_cells(row: BatchRow) -> Iterable[object]:
    return (
        row.id,
        row.centre_number,
        row.centre_name,
        row.status,
        row.failure_reason,
        uk_date(row.started_at),
        uk_date(row.finished_at),
        row.user,
        row.records,
        row.email_status,
        row.batch_type,
        row.reference,
    )


def batches_csv_stream(
    session: Session,
    *,
    actor: Actor,
    filters: BatchFilters = BatchFilters(),
    sessions: SessionSource = session_scope,
) -> Iterator[bytes]:
    """Every batch the filters find (all pages) as CSV, streamed in chunks as it is read
    (core.csv_stream); the filters are checked here, before a byte is sent, and the
    export is audited when the last row has been read."""
    filters.check()
    query = _newest_first(_filtered(_batches_query(actor), filters))

    def cells(unit: Session, rows: Sequence[Row]) -> Iterable[Iterable[object]]:
        return (_csv_cells(row) for row in _with_centres(unit, rows))

    def audit(unit: Session, rows: int) -> None:
        record_event(
            unit,
            action="batches_exported",
            user_id=actor.user_id,
            centre_id=None if actor.is_staff else actor.centre_id,
            rows=rows,
            filters={key: str(value) for key, value in vars(filters).items() if value},
        )

    return csv_stream(CSV_HEADER, query, cells, sessions=sessions, finished=audit)


def batches_csv(session: Session, *, actor: Actor, filters: BatchFilters = BatchFilters()) -> bytes:
    """The whole CSV at once, read in `session` (for small uses and tests)."""
    return b"".join(
        batches_csv_stream(
            session, actor=actor, filters=filters, sessions=lambda: nullcontext(session)
        )
    )


_FILTER_DATES = ("started_from", "started_to", "finished_from", "finished_to")


def filters_to_query(filters: BatchFilters) -> dict[str, str]:
    """The filters as an address's query (the CSV download's link)."""
    return {
        key: value.isoformat() if isinstance(value, dt.date) else str(value)
        for key, value in vars(filters).items()
        if value not in (None, "")
    }


def filters_from_query(params: Mapping[str, str]) -> BatchFilters:
    """The filters an address carries; a date that is not yyyy-mm-dd is refused."""
    values: dict[str, Any] = {}
    for key in ("status", "batch_type", "centre"):
        if params.get(key):
            values[key] = params[key]
    for key in _FILTER_DATES:
        if params.get(key):
            try:
                values[key] = dt.date.fromisoformat(params[key])
            except ValueError:
                raise InvalidInput("A date in the address is not valid.") from None
    filters = BatchFilters(**values)
    filters.check()
    return filters


def count_batches_by_centre(
    session: Session,
    *,
    actor: Actor,
    filters: BatchFilters = BatchFilters(),
    page: int = 1,
    per_page: int = 10,
) -> Page[CentreBatchCounts]:
    """Staff: for each centre with batches the filters find, how many are at each
    status; centres in name order, one page."""
    require_staff(actor)
    filters.check()
    statuses = (BatchStatus.PENDING, BatchStatus.PRINTING, BatchStatus.COMPLETE, BatchStatus.FAILED)
    # Counted per centre id first (the centre-first indexes cover it), then named.
    counted = _filtered(
        select(
            PrintBatch.centre_id,
            *(func.count().filter(PrintBatch.status == s).label(s) for s in statuses),
            func.count().label("total"),
        ),
        filters,
    )
    counts = counted.group_by(PrintBatch.centre_id).subquery()
    query = (
        select(
            Centre.number,
            Centre.name,
            *(counts.c[status] for status in statuses),
            counts.c.total,
        )
        .join(counts, counts.c.centre_id == Centre.id)
        .order_by(Centre.name, Centre.id)
    )
    return paginate(
        session, query, page=page, per_page=per_page, to_row=lambda row: CentreBatchCounts(*row)
    )


def get_batch(session: Session, *, actor: Actor, batch_id: int) -> BatchRow:
    row = session.execute(_batches_query(actor).where(PrintBatch.id == batch_id)).first()
    if row is None:
        raise NotFound(NO_SUCH_BATCH)
    return _with_centres(session, [row])[0]


def list_batch_certificates(
    session: Session, *, actor: Actor, batch_id: int, page: int = 1, per_page: int = 10
) -> Page[CertificateRow]:
    """A batch's certificates in certificate-number order (the batch must be visible)."""
    get_batch(session, actor=actor, batch_id=batch_id)
    query = (
        certificate_rows_query().where(Certificate.batch_id == batch_id).order_by(Certificate.id)
    )
    return paginate(session, query, page=page, per_page=per_page, to_row=to_certificate_row)


def visible_batch_ids(session: Session, *, actor: Actor, batch_ids: list[int]) -> list[int]:
    """The ids among `batch_ids` of the actor's active centre (staff: any centre), where
    exports and emails are made; any other means NotFound."""
    found = set(
        session.scalars(select(PrintBatch.id).where(PrintBatch.id.in_(batch_ids), _in_scope(actor)))
    )
    if not batch_ids or found != set(batch_ids):
        raise NotFound(NO_SUCH_BATCH)
    return sorted(found)


# A certificate is printed once its batch is Complete (one with no batch never waited).
PRINTED = or_(Certificate.batch_id.is_(None), PrintBatch.status == BatchStatus.COMPLETE.value)


def not_printed_refusal(session: Session, certificate: Certificate) -> str | None:
    """Why a certificate whose batch is not Complete cannot be ordered (None if it can):
    a reprint or letter of something never printed is not a duplicate of anything."""
    if certificate.batch_id is None:
        return None
    status = session.scalar(select(PrintBatch.status).where(PrintBatch.id == certificate.batch_id))
    if status == BatchStatus.COMPLETE:
        return None
    return (
        f"Certificate {certificate.number} has not been printed yet: it can be ordered once "
        "its batch is Complete."
    )


def refuse_unless_complete(session: Session, certificate_ids: Select, waiting_for: str) -> None:
    """InvalidInput naming the first batch not yet Complete among the chosen certificates'
    batches (`waiting_for`: what waits, such as "its certificates can be exported")."""
    chosen = certificate_ids.subquery()
    waiting = session.execute(
        select(PrintBatch.id, PrintBatch.status)
        .join(Certificate, Certificate.batch_id == PrintBatch.id)
        .join(chosen, chosen.c.id == Certificate.id)
        .where(PrintBatch.status != BatchStatus.COMPLETE)
        .order_by(PrintBatch.id)
        .limit(1)
    ).first()
    if waiting is not None:
        batch_id, status = waiting
        raise InvalidInput(
            f"Batch {batch_id} is {status.title()}: {waiting_for} once it is Complete."
        )


def _check_transition(current: str, wanted: str, reason: str) -> str:
    if wanted not in BATCH_STATUSES:
        raise InvalidInput("Choose a status from the list.")
    allowed = NEXT_STATUSES[current]
    if wanted not in allowed:
        choices = " or ".join(status.title() for status in allowed) or "nothing else"
        raise InvalidInput(
            f"A {current.title()} batch cannot become {wanted.title()}; it can become {choices}."
        )
    reason = clean_text(reason, "Reason", 300)
    if wanted == BatchStatus.FAILED and not reason:
        raise InvalidInput("Say why the batch failed.")
    return reason if wanted == BatchStatus.FAILED else ""


def set_batch_status(
    session: Session, *, actor: Actor, batch_id: int, status: str, reason: str = ""
) -> BatchRow:
    """Staff move a batch on (see NEXT_STATUSES); Failed needs a reason. Audited with the
    status before and after."""
    require_staff(actor)
    batch = session.get(PrintBatch, batch_id)
    if batch is None:
        raise NotFound(NO_SUCH_BATCH)
    before = {"status": batch.status, "reason": batch.failure_reason}
    reason = _check_transition(batch.status, status, reason)
    finished = utcnow() if status in (BatchStatus.COMPLETE, BatchStatus.FAILED) else None
    changed = cast(
        CursorResult,
        session.execute(
            update(PrintBatch)
            .where(PrintBatch.id == batch_id, PrintBatch.status == before["status"])
            .values(status=status, failure_reason=reason, finished_at=finished)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if not changed:
        raise InvalidInput("Someone changed this batch's status a moment ago. Look again.")
    record_event(
        session,
        action="batch_status_changed",
        user_id=actor.user_id,
        centre_id=batch.centre_id,
        target=f"batch:{batch_id}",
        before=before,
        after={"status": status, "reason": reason},
    )
    session.expire(batch)
    return get_batch(session, actor=actor, batch_id=batch_id)
