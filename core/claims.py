"""Import certificate claims (staff): a CSV file of the certificates the awarding body has
awarded becomes candidates, qualifications, certificates and one Pending print batch per
centre and kind of certificate.

Every row is checked first. A file with any problem imports nothing and says which rows
and fields are wrong: every problem of every row, in one pass, sorted by line (rows with
problems of their own are staged too, so that their partners in a number given twice or
a candidate named twice are reported); a good file is imported in one transaction. Rows
whose first cell starts with # are comments (the template's example row) and are
ignored. A row whose certificate
is already in the database exactly as the row says is skipped, so importing the same file
twice creates nothing new.

The work is a background job (core.jobs): the uploaded file waits in the file store
(core.files), the worker streams it (never the whole file in memory), stages the checked
rows in `claim_rows` in chunks, lets the database find duplicates and clashes, and then
creates everything with a few INSERT ... SELECT statements.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import heapq
import io
import itertools
import re
import secrets
import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import IO, Any, BinaryIO, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Row,
    Select,
    SQLColumnExpression,
    and_,
    delete,
    exists,
    false,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from core.audit import record_event
from core.db import session_scope
from core.errors import InvalidInput, NotFound
from core.files import delete_export_file, export_file_exists, open_export_file
from core.jobs import Claim, enqueue_job, finish_job, report_progress, report_total
from core.models import (
    BatchStatus,
    Candidate,
    Centre,
    Certificate,
    CertificateNamePart,
    ClaimNamePart,
    ClaimRow,
    Job,
    PrintBatch,
    Qualification,
    QualificationKind,
    User,
    utcnow,
)
from core.paging import Page, paginate
from core.tasks import job_task, queue_after_commit
from core.text import later_name_parts, looks_like_formula, search_key
from core.users import Actor, require_staff

KIND = "import_claims"
COLUMNS = (
    "certificate_number",
    "centre_number",
    "candidate_number",
    "first_name",
    "surname",
    "date_of_birth",
    "email",
    "qualification_number",
    "qualification_title",
    "kind",
    "grade",
    "issue_date",
    "expiry_date",
    "description",
)
OPTIONAL = {"date_of_birth", "email", "expiry_date", "description"}
LENGTHS = {
    "certificate_number": 30,
    "candidate_number": 20,
    "first_name": 100,
    "surname": 100,
    "email": 254,
    "qualification_number": 20,
    "qualification_title": 300,
    "grade": 40,
    "description": 300,
}
TEMPLATE_ROW = (
    "016559934-01-1800",
    "0412",
    "42231110",
    "Alison",
    "Winbery",
    "30/09/1981",
    "alison.winbery@mail.example",
    "603/1465/5",
    "IMI Level 3 Diploma in Light Vehicle Maintenance and Repair Principles",
    "Qualification",
    "Pass",
    "17/08/2024",
    "",
    "",
)
CHUNK = 5_000
ERRORS_KEPT = 500
NO_SUCH_IMPORT = "There is no import with that ID."
NOTHING_IMPORTED = "nothing was imported"
COMMENT = "#"
EXAMPLE_MARK = "# example, ignored: "
NO_CLAIMS = (
    "holds no claims to import: add one row per certificate under the header "
    "(rows starting with # are examples and are ignored)"
)
_FIELD_ORDER = {name: index for index, name in enumerate(("file", "header", "row", *COLUMNS))}
_PATTERNS = {
    "certificate_number": (re.compile(r"^[0-9]{9}-[0-9]{2}-[0-9]{4}$"), "like 016559933-01-1800"),
    "candidate_number": (re.compile(r"^[0-9]{8}$"), "8 digits, like 42231110"),
    "qualification_number": (
        re.compile(r"^[A-Z0-9]{2,8}(/[A-Z0-9]{1,8}){1,3}$"),
        "like 603/1465/5 or QAP/0012",
    ),
    "email": (re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), "an email address"),
}
_DATE = re.compile(r"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$|^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
KINDS = {kind.value.lower(): kind.value for kind in QualificationKind} | {
    "qap": QualificationKind.QAP.value
}


@dataclass(frozen=True)
class ClaimProblem:
    line: int
    field: str
    message: str


@dataclass
class ProblemLog:
    """Every problem counted; the ERRORS_KEPT first by line kept (memory stays flat,
    whichever check finds them and in whatever order)."""

    count: int = 0
    _heap: list[tuple[tuple[int, int, int], ClaimProblem]] = field(default_factory=list)
    _order: Iterator[int] = field(default_factory=itertools.count)

    def add(self, line: int, column: str, message: str) -> None:
        self.count += 1
        rank = (line, _FIELD_ORDER.get(column, len(_FIELD_ORDER)), next(self._order))
        negated = (-rank[0], -rank[1], -rank[2])  # a max-heap: the last kept is on top
        entry = (negated, ClaimProblem(line, column, message))
        if len(self._heap) < ERRORS_KEPT:
            heapq.heappush(self._heap, entry)
        elif negated > self._heap[0][0]:
            heapq.heapreplace(self._heap, entry)

    @property
    def kept(self) -> list[ClaimProblem]:
        """The kept problems by line, then field (in the file's column order)."""
        return [problem for _, problem in sorted(self._heap, reverse=True)]


@dataclass(frozen=True)
class ClaimImport:
    """An import as the staff screen shows it."""

    id: int
    file_name: str
    requested_by: str
    requested_at: dt.datetime
    status: str  # pending, running, finished, failed (the job's)
    outcome: str  # "", "imported" or "refused"
    progress: int
    total: int
    summary: str
    problem_count: int = 0
    problems: tuple[ClaimProblem, ...] = ()
    batch_ids: tuple[int, ...] = ()

    @property
    def is_running(self) -> bool:
        return self.status in ("pending", "running")

    @property
    def status_text(self) -> str:
        if self.is_running:
            return f"Checking: {self.progress:,} of about {self.total:,} rows"
        if self.status == "failed":
            return f"Failed: {self.summary}"
        return "Refused" if self.outcome == "refused" else "Imported"


# The file -------------------------------------------------------------------------------


def claims_template() -> bytes:
    """A CSV with the columns an import needs and one example row, marked with # so
    that the template imported as it is creates nothing (it says it holds no claims)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerow([EXAMPLE_MARK + TEMPLATE_ROW[0], *TEMPLATE_ROW[1:]])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def store_claims_file(*, actor: Actor, upload: BinaryIO) -> str:
    """Copy an uploaded file to the file store (outside any transaction), by a name the
    portal makes; returns that name for request_claims_import."""
    require_staff(actor)
    name = f"claims-{secrets.token_hex(16)}.csv"
    with open_export_file(name, "wb") as stored:
        shutil.copyfileobj(upload, stored, 1 << 20)
    return name


def request_claims_import(
    session: Session, *, actor: Actor, stored_name: str, file_name: str
) -> int:
    """Queue the import of a stored file (see store_claims_file); returns its id."""
    require_staff(actor)
    try:
        stored = export_file_exists(stored_name)
    except ValueError:
        stored = False
    if not stored:
        raise InvalidInput("The uploaded file was not found. Upload it again.")
    file_name = (file_name or "claims.csv").strip()[:200]
    job = enqueue_job(
        session,
        actor=actor,
        kind=KIND,
        payload={"stored_name": stored_name},
        total=0,
        description=f"Import {file_name}",
        file_name=file_name,
    )
    record_event(
        session,
        action="claims_import_requested",
        user_id=actor.user_id,
        target=f"job:{job.id}",
        file_name=file_name,
    )
    queue_after_commit(session, KIND, job.id)
    return job.id


# Reading the imports ---------------------------------------------------------------------


def _imports_query() -> Select:
    return (
        select(Job, User.email)
        .join(User, User.id == Job.user_id)
        .where(Job.kind == KIND)
        .order_by(Job.id.desc())
    )


def _to_import(row: Row, with_problems: bool = False) -> ClaimImport:
    job, email = row
    payload = job.payload or {}
    problems = payload.get("problems", []) if with_problems else []
    return ClaimImport(
        id=job.id,
        file_name=job.file_name,
        requested_by=email,
        requested_at=job.created_at,
        status=job.status,
        outcome=payload.get("outcome", ""),
        progress=job.progress,
        total=job.total,
        summary=payload.get("summary", job.error or ""),
        problem_count=payload.get("problem_count", 0),
        problems=tuple(ClaimProblem(*problem) for problem in problems),
        batch_ids=tuple(payload.get("batch_ids", ())),
    )


def list_claim_imports(
    session: Session, *, actor: Actor, page: int = 1, per_page: int = 10
) -> Page[ClaimImport]:
    """Every claims import, newest first."""
    require_staff(actor)
    return paginate(session, _imports_query(), page=page, per_page=per_page, to_row=_to_import)


def get_claim_import(session: Session, *, actor: Actor, import_id: int) -> ClaimImport:
    """One import with the problems it found."""
    require_staff(actor)
    row = session.execute(_imports_query().where(Job.id == import_id)).first()
    if row is None:
        raise NotFound(NO_SUCH_IMPORT)
    return _to_import(row, with_problems=True)


# Checking one row ------------------------------------------------------------------------


@lru_cache(maxsize=65_536)
def _date(text: str) -> dt.date | None:
    """dd/mm/yyyy (or yyyy-mm-dd); None when it is no date."""
    match = _DATE.match(text)
    if not match:
        return None
    day, month, year, iso_year, iso_month, iso_day = match.groups()
    try:
        if iso_year:
            return dt.date(int(iso_year), int(iso_month), int(iso_day))
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


_key = lru_cache(maxsize=65_536)(search_key)


@dataclass
class _RowChecker:
    """Checks rows against the header's positions and the centres on file."""

    positions: dict[str, int]
    width: int  # fields in the header
    centres: dict[str, int]
    today: dt.date
    log: ProblemLog

    def check(self, line: int, cells: list[str]) -> dict | None:
        """The row as a claim_rows row (with `has_problems` after logging problems of
        its own), or None when its fields cannot be told apart."""
        if len(cells) != self.width:
            self.log.add(line, "row", f"has {len(cells)} fields; the header has {self.width}")
            return None
        values = {name: cells[index].strip() for name, index in self.positions.items()}
        problems_before = self.log.count
        for name in COLUMNS:
            self._check_text(line, name, values[name])
        centre_id = self.centres.get(values["centre_number"])
        if values["centre_number"] and centre_id is None:
            self.log.add(line, "centre_number", "no centre has this number")
        kind = KINDS.get(values["kind"].lower())
        if values["kind"] and kind is None:
            kinds = " or ".join(kind.value for kind in QualificationKind)
            self.log.add(line, "kind", f"should be {kinds}")
        dates = {name: self._check_date(line, name, values[name]) for name in _DATE_COLUMNS}
        self._check_dates(line, dates)
        if self.log.count > problems_before:
            return _as_read(line, values, centre_id, kind, dates)
        return {
            "line": line,
            "certificate_number": values["certificate_number"],
            "centre_id": centre_id,
            "candidate_number": values["candidate_number"],
            "first_name": values["first_name"],
            "surname": values["surname"],
            "first_name_key": _key(values["first_name"]),
            "surname_key": _key(values["surname"]),
            "birth_date": dates["date_of_birth"],
            "email": values["email"] or None,
            "qualification_number": values["qualification_number"],
            "qualification_title": values["qualification_title"],
            "kind": kind,
            "grade": values["grade"],
            "issue_date": dates["issue_date"],
            "expiry_date": dates["expiry_date"],
            "description": values["description"],
            "skipped": False,
            "has_problems": False,
        }

    def _check_text(self, line: int, name: str, value: str) -> None:
        if not value:
            if name not in OPTIONAL:
                self.log.add(line, name, "is empty")
            return
        if looks_like_formula(value):
            self.log.add(line, name, "starts like a spreadsheet formula (= + - @)")
        elif _CONTROL.search(value):
            self.log.add(line, name, "holds a character that cannot be used")
        elif len(value) > LENGTHS.get(name, 300):
            self.log.add(line, name, f"is longer than {LENGTHS.get(name, 300)} characters")
        elif name in _PATTERNS and not _PATTERNS[name][0].match(value):
            self.log.add(line, name, f"should be {_PATTERNS[name][1]}")

    def _check_date(self, line: int, name: str, value: str) -> dt.date | None:
        if not value or looks_like_formula(value):
            return None
        day = _date(value)
        if day is None:
            self.log.add(line, name, "is not a date (dd/mm/yyyy)")
        return day

    def _check_dates(self, line: int, dates: dict[str, dt.date | None]) -> None:
        born, issued, expires = dates["date_of_birth"], dates["issue_date"], dates["expiry_date"]
        if issued and issued > self.today:
            self.log.add(line, "issue_date", "is in the future")
        if born and (born > self.today or (issued and born >= issued)):
            self.log.add(line, "date_of_birth", "is after the issue date")
        if issued and expires and expires <= issued:
            self.log.add(line, "expiry_date", "is not after the issue date")


_DATE_COLUMNS = ("date_of_birth", "issue_date", "expiry_date")
_STAGED_LENGTHS = LENGTHS | {"kind": 40}


def _as_read(
    line: int,
    values: dict[str, str],
    centre_id: int | None,
    kind: str | None,
    dates: dict[str, dt.date | None],
) -> dict:
    """A row with problems of its own, staged as far as it could be read (text made to
    fit the staging columns, unreadable values left empty) so that the checks across
    rows see it; it is never imported."""

    def text(name: str) -> str:
        return _CONTROL.sub("", values[name])[: _STAGED_LENGTHS.get(name, 300)]

    first_name, surname = text("first_name"), text("surname")
    return {
        "line": line,
        "certificate_number": text("certificate_number"),
        "centre_id": centre_id or 0,
        "candidate_number": text("candidate_number"),
        "first_name": first_name,
        "surname": surname,
        "first_name_key": _key(first_name)[:100],
        "surname_key": _key(surname)[:100],
        "birth_date": dates["date_of_birth"],
        "email": text("email") or None,
        "qualification_number": text("qualification_number"),
        "qualification_title": text("qualification_title"),
        "kind": kind or text("kind"),
        "grade": text("grade"),
        "issue_date": dates["issue_date"] or dt.date.min,
        "expiry_date": dates["expiry_date"],
        "description": text("description"),
        "skipped": False,
        "has_problems": True,
    }


# Reading the file ------------------------------------------------------------------------


def _column_name(heading: str) -> str:
    return re.sub(r"[\s\-]+", "_", heading.strip().lower())


def _header_positions(header: list[str], log: ProblemLog) -> dict[str, int] | None:
    positions = {_column_name(heading): index for index, heading in enumerate(header)}
    missing = [name for name in COLUMNS if name not in positions]
    if missing:
        log.add(1, "header", "missing column(s): " + ", ".join(missing))
        return None
    return {name: positions[name] for name in COLUMNS}


def _text_lines(stored: IO[bytes], log: ProblemLog) -> Iterator[str]:
    """The file's lines as text; at the first line that is not UTF-8 a problem is logged
    and reading stops."""
    for number, raw in enumerate(stored, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            log.add(
                number,
                "file",
                "is not UTF-8 text from this line: save it from your spreadsheet as 'CSV UTF-8'",
            )
            return
        yield line.removeprefix("\ufeff") if number == 1 else line


def _rows(stored: IO[bytes], log: ProblemLog) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of every non-empty row, the header first; a file that is not UTF-8
    text or not CSV stops with a problem logged."""
    reader = csv.reader(_text_lines(stored, log), strict=True)
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells) and not cells[0].lstrip().startswith(COMMENT):
                yield reader.line_num, cells
    except csv.Error as error:
        log.add(reader.line_num, "file", f"is not a readable CSV file here ({error})")


def _file_facts(name: str) -> tuple[int, str]:
    """(rows after the header, about; sha256) in one streamed pass."""
    digest, lines, last = hashlib.sha256(), 0, b"\n"
    with open_export_file(name) as stored:
        while chunk := stored.read(1 << 20):
            digest.update(chunk)
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    lines += last != b"\n"
    return max(lines - 1, 0), digest.hexdigest()


def _centre_numbers() -> dict[str, int]:
    with session_scope() as session:
        return dict(session.execute(select(Centre.number, Centre.id)).all())


def _stage(claim: Claim, name: str, log: ProblemLog) -> int:
    """Check every row, staging each readable one in chunks (with its problems marked);
    returns the rows read."""
    with open_export_file(name) as stored:
        rows = _rows(stored, log)
        header = next(rows, None)
        if header is None:
            if not log.count:
                log.add(1, "file", "is empty")
            return 0
        positions = _header_positions(header[1], log)
        if positions is None:
            return 0
        checker = _RowChecker(positions, len(header[1]), _centre_numbers(), dt.date.today(), log)
        read, chunk = 0, []
        for line, cells in rows:
            read += 1
            staged = checker.check(line, cells)
            if staged is not None:
                chunk.append(staged)
            if len(chunk) >= CHUNK:
                _insert_staged(claim.job_id, chunk)
                report_progress(claim, read)
                chunk = []
        _insert_staged(claim.job_id, chunk)
        report_progress(claim, read)
    if not read and not log.count:
        log.add(1, "file", NO_CLAIMS)
    return read


def _insert_staged(job_id: int, rows: list[dict]) -> None:
    if not rows:
        return
    parts = [
        {"job_id": job_id, "line": row["line"], "part_key": part}
        for row in rows
        for part in later_name_parts(row["surname"])
    ]
    with session_scope() as session:
        session.execute(insert(ClaimRow.__table__), [{"job_id": job_id, **row} for row in rows])
        if parts:
            session.execute(insert(ClaimNamePart.__table__), parts)


# Checks the database makes -----------------------------------------------------------------


def _first_lines(job_id: int, column: SQLColumnExpression[Any]) -> Select:
    """The first line holding each value of `column` in the file."""
    return select(func.min(ClaimRow.line)).where(ClaimRow.job_id == job_id).group_by(column)


def _lines_of(
    session: Session, job_id: int, column: SQLColumnExpression[Any], values: Select
) -> Sequence[Row]:
    """The rows whose `column` is among `values` (few: only those found wrong), by value
    then line."""
    return session.execute(
        select(ClaimRow.line, column, ClaimRow.first_name, ClaimRow.surname, ClaimRow.birth_date)
        .where(ClaimRow.job_id == job_id, column.in_(values))
        .order_by(column, ClaimRow.line)
    ).all()


def _repeated_numbers(session: Session, job_id: int, log: ProblemLog) -> None:
    number = ClaimRow.certificate_number
    repeated = (
        select(number)
        .where(ClaimRow.job_id == job_id, number != "")
        .group_by(number)
        .having(func.count() > 1)
    )
    first: dict[str, int] = {}
    for line, value, *_ in _lines_of(session, job_id, number, repeated):
        if value in first:
            log.add(line, "certificate_number", f"is also on line {first[value]} of this file")
        else:
            first[value] = line


def _candidates_named_twice(session: Session, job_id: int, log: ProblemLog) -> None:
    number = ClaimRow.candidate_number
    named_twice = (
        select(number)
        .where(ClaimRow.job_id == job_id, number != "")
        .group_by(number)
        .having(
            or_(
                func.count(ClaimRow.first_name.distinct()) > 1,
                func.count(ClaimRow.surname.distinct()) > 1,
                func.count(ClaimRow.birth_date.distinct()) > 1,
            )
        )
    )
    first: dict[str, tuple] = {}
    for line, value, *person in _lines_of(session, job_id, number, named_twice):
        first_line, first_person = first.setdefault(value, (line, person))
        if person != first_person:
            message = f"has another name or birth date on line {first_line}"
            log.add(line, "candidate_number", message)


def _differs(row: type[ClaimRow], person: type[Candidate]) -> ColumnElement[bool]:
    return or_(
        row.first_name != person.first_name,
        row.surname != person.surname,
        and_(
            row.birth_date.is_not(None),
            person.birth_date.is_not(None),
            row.birth_date != person.birth_date,
        ),
    )


def _clashes_with_database(session: Session, job_id: int, log: ProblemLog) -> None:
    """Certificate numbers given to another certificate, candidate numbers of another
    person, qualification numbers of another kind (rows without problems of their own:
    the others' values may be only partly read)."""
    checked = ClaimRow.has_problems.is_(False)
    certificate_clashes = session.execute(
        select(ClaimRow.line)
        .join(Certificate, Certificate.number == ClaimRow.certificate_number)
        .join(Candidate, Candidate.id == Certificate.candidate_id)
        .join(Qualification, Qualification.id == Certificate.qualification_id)
        .where(ClaimRow.job_id == job_id, checked, ~_same_certificate())
        .order_by(ClaimRow.line)
    )
    for (line,) in certificate_clashes:
        log.add(line, "certificate_number", "already belongs to another certificate")
    people = session.execute(
        select(ClaimRow.line)
        .join(Candidate, Candidate.candidate_number == ClaimRow.candidate_number)
        .where(ClaimRow.job_id == job_id, checked, _differs(ClaimRow, Candidate))
        .order_by(ClaimRow.line)
    )
    for (line,) in people:
        log.add(line, "candidate_number", "belongs to a candidate with another name or birth date")
    kinds = session.execute(
        select(ClaimRow.line, Qualification.kind)
        .join(Qualification, Qualification.number == ClaimRow.qualification_number)
        .where(ClaimRow.job_id == job_id, checked, Qualification.kind != ClaimRow.kind)
        .order_by(ClaimRow.line)
    )
    for line, kind in kinds:
        log.add(line, "kind", f"differs from the qualification's kind on file ({kind})")


def _same_certificate() -> ColumnElement[bool]:
    """The staged row says what the certificate of that number already says."""
    return and_(
        Certificate.centre_id == ClaimRow.centre_id,
        Candidate.candidate_number == ClaimRow.candidate_number,
        Qualification.number == ClaimRow.qualification_number,
        Certificate.issue_date == ClaimRow.issue_date,
    )


def _skip_already_imported(session: Session, job_id: int) -> int:
    """Mark the rows whose certificate is already in the database, as they say."""
    already = (
        select(Certificate.id)
        .join(Candidate, Candidate.id == Certificate.candidate_id)
        .join(Qualification, Qualification.id == Certificate.qualification_id)
        .where(Certificate.number == ClaimRow.certificate_number, _same_certificate())
    )
    return cast(
        CursorResult,
        session.execute(
            update(ClaimRow)
            .where(ClaimRow.job_id == job_id, exists(already))
            .values(skipped=True)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount


def _check_staged(job_id: int, log: ProblemLog) -> None:
    with session_scope() as session:
        _repeated_numbers(session, job_id, log)
        _candidates_named_twice(session, job_id, log)
        _clashes_with_database(session, job_id, log)
        if not log.count:
            _skip_already_imported(session, job_id)


# Creating everything, in one transaction ---------------------------------------------------


def _new_rows(job_id: int) -> list:
    return [ClaimRow.job_id == job_id, ClaimRow.skipped.is_(False)]


def _create_qualifications(session: Session, job_id: int) -> int:
    new = session.execute(
        select(ClaimRow.qualification_number, ClaimRow.qualification_title, ClaimRow.kind).where(
            *_new_rows(job_id),
            ClaimRow.line.in_(_first_lines(job_id, ClaimRow.qualification_number)),
            ~exists().where(Qualification.number == ClaimRow.qualification_number),
        )
    ).all()
    if new:
        session.execute(
            insert(Qualification.__table__),
            [{"number": number, "title": title, "kind": kind} for number, title, kind in new],
        )
    return len(new)


def _create_candidates(session: Session, job_id: int) -> int:
    columns = ["candidate_number", "first_name", "surname", "birth_date", "email"]
    new = select(*(getattr(ClaimRow, name) for name in columns)).where(
        *_new_rows(job_id),
        ClaimRow.line.in_(_first_lines(job_id, ClaimRow.candidate_number)),
        ~exists().where(Candidate.candidate_number == ClaimRow.candidate_number),
    )
    # rowcount of INSERT ... SELECT is -1 through psycopg here: count first.
    count = session.scalar(select(func.count()).select_from(new.subquery())) or 0
    session.execute(insert(Candidate.__table__).from_select(columns, new))
    return count


def _create_batches(session: Session, job: Job) -> list[int]:
    """One Pending print batch per centre and kind of certificate."""
    groups = session.execute(
        select(ClaimRow.centre_id, ClaimRow.kind, func.count())
        .where(*_new_rows(job.id))
        .group_by(ClaimRow.centre_id, ClaimRow.kind)
        .order_by(ClaimRow.centre_id, ClaimRow.kind)
    ).all()
    batch_ids = []
    for centre_id, kind, records in groups:
        batch = PrintBatch(
            centre_id=centre_id,
            status=BatchStatus.PENDING.value,
            started_at=utcnow().replace(microsecond=0),
            operator_id=job.user_id,
            records=records,
            batch_type="Certificate",
            reference=f"{kind}: {job.file_name}"[:200],
        )
        session.add(batch)
        session.flush()
        session.execute(
            update(ClaimRow)
            .where(*_new_rows(job.id), ClaimRow.centre_id == centre_id, ClaimRow.kind == kind)
            .values(batch_id=batch.id)
            .execution_options(synchronize_session=False)
        )
        batch_ids.append(batch.id)
    return batch_ids


def _create_certificates(session: Session, job_id: int) -> None:
    session.execute(
        insert(Certificate.__table__).from_select(
            [
                "number",
                "candidate_id",
                "qualification_id",
                "centre_id",
                "batch_id",
                "grade",
                "issue_date",
                "expiry_date",
                "description",
                "revoked",
                "candidate_number",
                "first_name_key",
                "surname_key",
                "birth_date",
            ],
            select(
                ClaimRow.certificate_number,
                Candidate.id,
                Qualification.id,
                ClaimRow.centre_id,
                ClaimRow.batch_id,
                ClaimRow.grade,
                ClaimRow.issue_date,
                ClaimRow.expiry_date,
                ClaimRow.description,
                false(),
                ClaimRow.candidate_number,
                ClaimRow.first_name_key,
                ClaimRow.surname_key,
                func.coalesce(ClaimRow.birth_date, Candidate.birth_date),
            )
            .join(Candidate, Candidate.candidate_number == ClaimRow.candidate_number)
            .join(Qualification, Qualification.number == ClaimRow.qualification_number)
            .where(*_new_rows(job_id)),
        )
    )
    # The surname parts a search finds them by, as the ORM hook writes them.
    session.execute(
        insert(CertificateNamePart.__table__).from_select(
            ["certificate_id", "part_key", "centre_id"],
            select(Certificate.id, ClaimNamePart.part_key, Certificate.centre_id)
            .join(
                ClaimRow,
                and_(ClaimRow.job_id == ClaimNamePart.job_id, ClaimRow.line == ClaimNamePart.line),
            )
            .join(Certificate, Certificate.number == ClaimRow.certificate_number)
            .where(ClaimNamePart.job_id == job_id, ClaimRow.skipped.is_(False)),
        )
    )


@dataclass(frozen=True)
class _Created:
    rows: int
    skipped: int
    certificates: int
    candidates: int
    qualifications: int
    batch_ids: list[int]


def _create_everything(job_id: int, rows: int, sha256: str) -> _Created:
    started = time.perf_counter()
    with session_scope() as session:
        job = session.get_one(Job, job_id)
        skipped = (
            session.scalar(
                select(func.count()).where(ClaimRow.job_id == job_id, ClaimRow.skipped.is_(True))
            )
            or 0
        )
        qualifications = _create_qualifications(session, job_id)
        candidates = _create_candidates(session, job_id)
        batch_ids = _create_batches(session, job)
        _create_certificates(session, job_id)
        certificates = rows - skipped
        created = _Created(rows, skipped, certificates, candidates, qualifications, batch_ids)
        record_event(
            session,
            action="claims_imported",
            user_id=job.user_id,
            target=f"job:{job_id}",
            file_name=job.file_name,
            sha256=sha256,
            # How long the one transaction held its writes (on SQLite, every writer waits).
            transaction_seconds=round(time.perf_counter() - started, 2),
            **{name: value for name, value in vars(created).items()},
        )
    return created


def _clear_staging(job_id: int) -> None:
    with session_scope() as session:
        session.execute(delete(ClaimNamePart).where(ClaimNamePart.job_id == job_id))
        session.execute(delete(ClaimRow).where(ClaimRow.job_id == job_id))


def _summary(created: _Created) -> str:
    if not created.certificates:
        return (
            f"All {created.rows:,} rows were imported before: nothing new was created "
            "(importing the same file again is safe)."
        )
    text = (
        f"{created.certificates:,} certificates imported in {len(created.batch_ids)} "
        f"Pending batch(es): {', '.join(map(str, created.batch_ids))}"
    )
    if created.skipped:
        text += f"; {created.skipped:,} rows were imported before and were skipped"
    return text + "."


def _refuse(claim: Claim, job_id: int, log: ProblemLog) -> None:
    with session_scope() as session:
        job = session.get_one(Job, job_id)
        record_event(
            session,
            action="claims_import_refused",
            user_id=job.user_id,
            target=f"job:{job_id}",
            file_name=job.file_name,
            problems=log.count,
        )
    finish_job(
        claim,
        summary=f"{log.count:,} problem(s) found: {NOTHING_IMPORTED}. Correct the file and "
        "import it again.",
        details={
            "outcome": "refused",
            "problem_count": log.count,
            "problems": [[p.line, p.field, p.message] for p in log.kept],
        },
    )


@job_task(KIND)
def import_claims(claim: Claim) -> None:
    """The worker's part: check, stage, create (or refuse), then tidy up."""
    with session_scope() as session:
        stored_name = session.get_one(Job, claim.job_id).payload["stored_name"]
    _clear_staging(claim.job_id)  # a retried attempt starts again
    rows, sha256 = _file_facts(stored_name)
    report_total(claim, rows)
    log = ProblemLog()
    read = _stage(claim, stored_name, log)
    _check_staged(claim.job_id, log)
    if log.count:
        _refuse(claim, claim.job_id, log)
    else:
        created = _create_everything(claim.job_id, read, sha256)
        finish_job(
            claim,
            summary=_summary(created),
            details={"outcome": "imported", "batch_ids": created.batch_ids},
        )
    _clear_staging(claim.job_id)
    delete_export_file(stored_name)
