"""Search certificates by number, candidate, names and date of birth, and export the
results as CSV. Every criterion is an index range; the centre scope comes first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, fields, replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Row,
    Select,
    SQLColumnExpression,
    func,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session

from core.audit import record_event
from core.certificates import CertificateRow, certificate_rows_query, to_certificate_row
from core.csv_stream import SessionSource, csv_stream
from core.db import session_scope
from core.errors import InvalidInput
from core.models import Centre, Certificate, CertificateNamePart
from core.paging import Page, paginate
from core.text import (
    clean_text,
    parse_date_of_birth,
    parse_id,
    prefix_upper_bound,
    search_key,
    uk_date,
)
from core.users import Actor

CSV_ROW_LIMIT = 100_000
_LABELS = {
    "certificate_number": "Certificate Number",
    "candidate_id": "Candidate ID",
    "first_name": "First Name",
    "surname": "Surname",
    "date_of_birth": "D.O.B",
}
ASK_FOR_A_CRITERION = (
    "Enter at least one of Certificate Number, Candidate ID, First Name, Surname or D.O.B."
)


@dataclass(frozen=True)
class SearchCriteria:
    """What the user typed (raw text), plus the centre filter staff may choose."""

    certificate_number: str = ""
    candidate_id: str = ""
    first_name: str = ""
    surname: str = ""
    date_of_birth: str = ""
    centre_id: int | None = None

    def is_empty(self) -> bool:
        return not any(
            str(getattr(self, f.name)).strip() for f in fields(self) if f.name != "centre_id"
        )

    def describe(self) -> str:
        """A short name for what was searched, for file names."""
        parts = [
            f"{f.name.replace('_', '-')}-{search_key(str(getattr(self, f.name)))}"
            for f in fields(self)
            if f.name != "centre_id" and str(getattr(self, f.name)).strip()
        ]
        return "_".join(parts) or "all"


def _prefix(column: SQLColumnExpression[str], text: str) -> ColumnElement[bool]:
    return (column >= text) & (column < prefix_upper_bound(text))


def _scoped_prefix(
    centre_column: SQLColumnExpression[int],
    column: SQLColumnExpression[str],
    centre_id: int | None,
    text: str,
) -> ColumnElement[bool]:
    """A prefix range; within one centre written on (centre, column) pairs, which only
    the index led by the centre can serve (PostgreSQL otherwise took the all-centres
    index and filtered out every other centre's rows)."""
    if centre_id is None:
        return _prefix(column, text)
    pair = tuple_(centre_column, column)
    return (pair >= (centre_id, text)) & (pair < (centre_id, prefix_upper_bound(text)))


def _surname_matches(key: str, centre_id: int | None) -> CompoundSelect:
    """Ids of certificates whose surname, or a later part of it, starts with `key`: two
    index ranges (Nowak-Łukasiewicz is found by "nowak" and by "lukas")."""
    whole = select(Certificate.id).where(
        _scoped_prefix(Certificate.centre_id, Certificate.surname_key, centre_id, key)
    )
    part = select(CertificateNamePart.certificate_id).where(
        _scoped_prefix(CertificateNamePart.centre_id, CertificateNamePart.part_key, centre_id, key)
    )
    return union_all(whole, part)


def _name_key(text: str) -> str:
    key = search_key(text)
    if not key:
        raise InvalidInput("Names need at least one letter or digit.")
    return key


def _conditions(criteria: SearchCriteria, centre_id: int | None) -> list:
    typed = {
        f.name: clean_text(getattr(criteria, f.name), _LABELS[f.name], 100)
        for f in fields(criteria)
        if f.name != "centre_id"
    }
    conditions = []
    if number := typed["certificate_number"].upper():
        conditions.append(_prefix(Certificate.number, number))
    if candidate := typed["candidate_id"]:
        conditions.append(_prefix(Certificate.candidate_number, candidate))
    if typed["first_name"]:
        conditions.append(_prefix(Certificate.first_name_key, _name_key(typed["first_name"])))
    if typed["surname"]:
        matches = _surname_matches(_name_key(typed["surname"]), centre_id)
        conditions.append(Certificate.id.in_(matches))
    if typed["date_of_birth"]:
        conditions.append(Certificate.birth_date == parse_date_of_birth(typed["date_of_birth"]))
    return conditions


def search_conditions(criteria: SearchCriteria, centre_id: int | None) -> list:
    """The Search page's criteria as SQL conditions (none when all are empty); the
    caller scopes the query to the centre."""
    return _conditions(criteria, centre_id)


def _search_query(actor: Actor, criteria: SearchCriteria) -> Select:
    if criteria.is_empty():
        raise InvalidInput(ASK_FOR_A_CRITERION)
    centre_id = criteria.centre_id if actor.is_staff else actor.centre_id
    query = certificate_rows_query().where(*_conditions(criteria, centre_id))
    if centre_id is not None or not actor.is_staff:
        query = query.where(Certificate.centre_id == centre_id)
    return query.order_by(Certificate.surname_key, Certificate.first_name_key, Certificate.id)


def search_certificates(
    session: Session,
    *,
    actor: Actor,
    criteria: SearchCriteria,
    page: int = 1,
    per_page: int = 10,
    total: int | None = None,
) -> Page[CertificateRow]:
    """One page of matches, by surname then first name (stable across pages); for
    staff each row also names its centre (number and name). `total` is the count of
    the same search by the same actor, when known: turning its pages then reads only
    the page."""
    query, to_row = _search_query(actor, criteria), to_certificate_row
    if actor.is_staff:
        query = query.add_columns(Centre.number, Centre.name).join(
            Centre, Centre.id == Certificate.centre_id
        )
        to_row = _with_centre
    return paginate(session, query, page=page, per_page=per_page, to_row=to_row, total=total)


def _with_centre(row: Sequence[Any]) -> CertificateRow:
    *certificate, number, name = row
    return replace(to_certificate_row(certificate), centre=f"{number} {name}")


CSV_HEADER = [
    "Certificate Number",
    "Candidate ID",
    "First Name",
    "Surname",
    "Qualification Number",
    "Qualification",
    "Grade",
    "Issue Date",
    "Centre",
]


def _csv_cells(rows: Iterable[Row]) -> Iterator[tuple[object, ...]]:
    for row in rows:
        certificate, centre = to_certificate_row(row[:-1]), row[-1]
        yield (
            certificate.number,
            certificate.candidate_number,
            certificate.first_name,
            certificate.surname,
            certificate.qualification_number,
            certificate.qualification_title,
            certificate.grade,
            uk_date(certificate.issue_date),
            centre,
        )


def search_csv_stream(
    session: Session,
    *,
    actor: Actor,
    criteria: SearchCriteria,
    sessions: SessionSource = session_scope,
) -> Iterator[bytes]:
    """Every match (not only one page) as CSV, streamed in chunks as it is read (see
    core.csv_stream). The search is checked and counted here, in `session`: more than
    CSV_ROW_LIMIT matches is refused before a byte is sent. The export is audited when
    the last row has been read."""
    query = _search_query(actor, criteria)
    found = session.scalars(
        select(func.count()).select_from(
            query.with_only_columns(Certificate.id)
            .order_by(None)
            .limit(CSV_ROW_LIMIT + 1)
            .subquery()
        )
    ).one()
    if found > CSV_ROW_LIMIT:
        raise InvalidInput(
            f"More than {CSV_ROW_LIMIT:,} certificates match; narrow the search to export."
        )

    def audit(unit: Session, rows: int) -> None:
        record_event(
            unit,
            action="search_exported",
            user_id=actor.user_id,
            centre_id=actor.centre_id,
            target=criteria.describe(),
            rows=rows,
        )

    rows = query.add_columns(Centre.name).join(Centre, Centre.id == Certificate.centre_id)
    return csv_stream(
        CSV_HEADER, rows, lambda _, chunk: _csv_cells(chunk), sessions=sessions, finished=audit
    )


def search_csv(session: Session, *, actor: Actor, criteria: SearchCriteria) -> bytes:
    """The whole CSV at once, read in `session` (for small uses and tests)."""
    return b"".join(
        search_csv_stream(
            session, actor=actor, criteria=criteria, sessions=lambda: nullcontext(session)
        )
    )


URL_NAMES = {
    "certificate_number": "cert",
    "candidate_id": "candidate",
    "first_name": "first",
    "surname": "surname",
    "date_of_birth": "dob",
}


def criteria_to_query(criteria: SearchCriteria) -> dict[str, str]:
    """The criteria as an address's query, as the Search page's own address keeps them."""
    values = {url: getattr(criteria, name) for name, url in URL_NAMES.items()}
    if criteria.centre_id is not None:
        values["centre"] = str(criteria.centre_id)
    return {key: value for key, value in values.items() if value}


def criteria_from_query(params: Mapping[str, str]) -> SearchCriteria:
    values = {name: params.get(url, "") for name, url in URL_NAMES.items()}
    centre = params.get("centre", "")
    return SearchCriteria(**values, centre_id=parse_id(centre, "centre") if centre else None)


def csv_file_name(criteria: SearchCriteria, at: dt.datetime) -> str:
    return f"certificates_{criteria.describe()}_{at:%Y-%m-%d_%H%M}.csv"


def matching_certificate_ids(actor: Actor, criteria: SearchCriteria) -> Select:
    """The ids of every match, scoped like the search itself (for an export)."""
    return _search_query(actor, criteria).with_only_columns(Certificate.id).order_by(None)
