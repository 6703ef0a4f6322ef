"""Import certificate claims (issue 9, item 3): every row checked first, a file with any
problem imports nothing, a good file makes certificates and one Pending batch per centre
and kind, in one transaction; importing the same file twice creates nothing new."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from core.claims import (
    COLUMNS,
    ClaimImport,
    claims_template,
    get_claim_import,
    list_claim_imports,
    request_claims_import,
    store_claims_file,
)
from core.db import session_scope
from core.errors import InvalidInput, PermissionDenied
from core.files import export_file_exists
from core.models import (
    AuditEvent,
    Candidate,
    Certificate,
    CertificateNamePart,
    ClaimRow,
    PrintBatch,
    Qualification,
    Role,
)
from core.search import SearchCriteria, search_certificates
from tests.factories import make_actor, make_centre
from tests.queue import run_queued_tasks


def _row(**changes: str) -> dict[str, str]:
    row = {
        "certificate_number": "016559934-01-1800",
        "centre_number": "0412",
        "candidate_number": "42231110",
        "first_name": "Alison",
        "surname": "Winbery",
        "date_of_birth": "30/09/1981",
        "email": "alison@mail.example",
        "qualification_number": "603/1465/5",
        "qualification_title": "IMI Level 3 Diploma in Light Vehicle Maintenance",
        "kind": "Qualification",
        "grade": "Pass",
        "issue_date": "17/08/2024",
        "expiry_date": "",
        "description": "",
    }
    return row | changes


def _csv(rows: list[dict[str, str]], columns=COLUMNS, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(row.get(column, "") for column in columns)
    return buffer.getvalue().encode(encoding)


@pytest.fixture
def staff(db_url):
    with session_scope(db_url) as session:
        for number, name in (("0412", "Fanshaws"), ("0877", "Northgate College")):
            centre = make_centre(session, name)
            centre.number = number
        return make_actor(session, centre, role=Role.STAFF)


def _import(db_url, actor, content: bytes, name: str = "claims.csv") -> ClaimImport:
    stored = store_claims_file(actor=actor, upload=io.BytesIO(content))
    with session_scope(db_url) as session:
        import_id = request_claims_import(session, actor=actor, stored_name=stored, file_name=name)
    run_queued_tasks()
    with session_scope(db_url) as session:
        return get_claim_import(session, actor=actor, import_id=import_id)


def _count(db_url, model) -> int:
    with session_scope(db_url) as session:
        return session.scalar(select(func.count()).select_from(model))


def _nothing_imported(db_url) -> bool:
    return all(
        _count(db_url, model) == 0
        for model in (Certificate, Candidate, Qualification, PrintBatch, ClaimRow)
    )


def _refused_for(db_url, staff, rows, **kwargs) -> list[tuple[int, str]]:
    result = _import(db_url, staff, _csv(rows, **kwargs))
    assert result.outcome == "refused" and "nothing was imported" in result.summary
    assert _nothing_imported(db_url)
    return [(problem.line, problem.field) for problem in result.problems]


def test_a_good_file_creates_certificates_candidates_and_qualifications(db_url, staff):
    rows = [
        _row(),
        _row(certificate_number="016559935-01-1800", qualification_number="601/5441/0"),
        _row(certificate_number="016559936-01-1800", candidate_number="42231111", surname="Nowak"),
    ]
    result = _import(db_url, staff, _csv(rows))
    assert (result.status, result.outcome) == ("finished", "imported")
    assert "3 certificates imported" in result.summary
    assert (_count(db_url, Certificate), _count(db_url, Candidate)) == (3, 2)
    assert _count(db_url, Qualification) == 2
    assert _count(db_url, ClaimRow) == 0  # the staging rows are gone


def test_one_pending_batch_per_centre_and_kind(db_url, staff):
    rows = [
        _row(),
        _row(certificate_number="016559935-01-1800", candidate_number="42231112"),
        _row(certificate_number="016559936-01-1800", centre_number="0877"),
        _row(
            certificate_number="016559937-01-1800",
            qualification_number="QAP/0012",
            qualification_title="Quality Assured Programme: Tyre Fitting",
            kind="Quality Assured Programme",
        ),
    ]
    result = _import(db_url, staff, _csv(rows))
    with session_scope(db_url) as session:
        batches = session.execute(
            select(
                PrintBatch.centre_id, PrintBatch.reference, PrintBatch.records, PrintBatch.status
            ).order_by(PrintBatch.id)
        ).all()
    assert len(result.batch_ids) == 3
    assert [(records, status) for _, _, records, status in batches] == [
        (2, "PENDING"),
        (1, "PENDING"),
        (1, "PENDING"),
    ]
    assert [reference.split(":")[0] for _, reference, _, _ in batches] == [
        "Qualification",
        "Quality Assured Programme",
        "Qualification",
    ]


def test_importing_the_same_file_twice_creates_nothing_new(db_url, staff):
    content = _csv([_row(), _row(certificate_number="016559935-01-1800")])
    _import(db_url, staff, content)
    again = _import(db_url, staff, content, name="claims again.csv")
    assert again.outcome == "imported"
    assert "nothing new was created" in again.summary
    assert (_count(db_url, Certificate), _count(db_url, PrintBatch)) == (2, 1)


def test_a_file_with_new_and_already_imported_rows_imports_only_the_new(db_url, staff):
    _import(db_url, staff, _csv([_row()]))
    result = _import(db_url, staff, _csv([_row(), _row(certificate_number="016559935-01-1800")]))
    assert "1 certificates imported" in result.summary and "1 rows were imported before" in (
        result.summary
    )
    assert (_count(db_url, Certificate), _count(db_url, PrintBatch)) == (2, 2)


def test_imported_certificates_are_found_by_any_part_of_the_surname(db_url, staff):
    _import(db_url, staff, _csv([_row(first_name="Zoë", surname="Nowak-Łukasiewicz")]))
    with session_scope(db_url) as session:
        parts = set(session.scalars(select(CertificateNamePart.part_key)))
        found = search_certificates(session, actor=staff, criteria=SearchCriteria(surname="lukas"))
    assert parts == {"lukasiewicz"}
    assert [row.surname for row in found.rows] == ["Nowak-Łukasiewicz"]


def test_a_bad_date_refuses_the_file(db_url, staff):
    rows = [_row(), _row(certificate_number="016559935-01-1800", issue_date="31/02/2024")]
    assert _refused_for(db_url, staff, rows) == [(3, "issue_date")]


def test_an_unknown_centre_refuses_the_file(db_url, staff):
    assert _refused_for(db_url, staff, [_row(centre_number="9999")]) == [(2, "centre_number")]


def test_a_certificate_number_twice_in_the_file_refuses_it(db_url, staff):
    rows = [_row(), _row(candidate_number="42231111")]
    assert _refused_for(db_url, staff, rows) == [(3, "certificate_number")]


def test_a_certificate_number_of_another_certificate_refuses_the_file(db_url, staff):
    _import(db_url, staff, _csv([_row()]))
    result = _import(db_url, staff, _csv([_row(candidate_number="42231111", surname="Other")]))
    assert result.outcome == "refused"
    assert [(p.line, p.field) for p in result.problems] == [(2, "certificate_number")]
    assert (_count(db_url, Certificate), _count(db_url, Candidate)) == (1, 1)


def test_missing_columns_refuse_the_file(db_url, staff):
    columns = [column for column in COLUMNS if column not in ("grade", "issue_date")]
    result = _import(db_url, staff, _csv([_row()], columns=columns))
    assert result.outcome == "refused"
    assert result.problems[0].message == "missing column(s): grade, issue_date"
    assert _nothing_imported(db_url)


def test_a_file_that_is_not_utf8_refuses_the_file(db_url, staff):
    rows = [_row(), _row(certificate_number="016559935-01-1800", first_name="Siân")]
    problems = _refused_for(db_url, staff, rows, encoding="latin-1")
    assert problems == [(3, "file")]


def test_a_spreadsheet_formula_in_a_name_refuses_the_file(db_url, staff):
    rows = [_row(first_name='=HYPERLINK("http://evil.example","Alison")')]
    assert _refused_for(db_url, staff, rows) == [(2, "first_name")]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("surname", ""),
        ("certificate_number", "12345"),
        ("candidate_number", "4223"),
        ("kind", "Diploma"),
        ("email", "not an email"),
        ("expiry_date", "01/01/2020"),
    ],
)
def test_each_bad_field_is_named_and_refuses_the_file(db_url, staff, column, value):
    assert _refused_for(db_url, staff, [_row(**{column: value})]) == [(2, column)]


def test_every_bad_row_and_field_is_listed(db_url, staff):
    rows = [_row(surname="", issue_date="yesterday"), _row(), _row(centre_number="1")]
    problems = _refused_for(
        db_url, staff, [rows[0], _row(certificate_number="016559935-01-1800"), rows[2]]
    )
    assert problems == [
        (2, "surname"),
        (2, "issue_date"),
        (3, "candidate_number"),  # line 2 gives the candidate no surname
        (4, "certificate_number"),  # line 2's number again
        (4, "centre_number"),
        (4, "candidate_number"),
    ]


def test_a_candidate_number_with_two_names_refuses_the_file(db_url, staff):
    rows = [_row(), _row(certificate_number="016559935-01-1800", first_name="Alice")]
    assert _refused_for(db_url, staff, rows) == [(3, "candidate_number")]


def test_the_template_imported_unchanged_creates_nothing_and_says_why(db_url, staff):
    template = claims_template()
    assert template.startswith("\ufeff".encode()) and b"certificate_number" in template
    result = _import(db_url, staff, template)
    assert result.outcome == "refused" and _nothing_imported(db_url)
    assert [p.message for p in result.problems] == [
        "holds no claims to import: add one row per certificate under the header "
        "(rows starting with # are examples and are ignored)"
    ]


def test_the_templates_example_row_imports_once_its_mark_is_removed(db_url, staff):
    text = claims_template().decode("utf-8-sig").replace("# example, ignored: ", "")
    assert _import(db_url, staff, text.encode()).outcome == "imported"
    assert _count(db_url, Certificate) == 1


def test_a_number_twice_is_reported_even_when_its_partner_row_has_another_error(db_url, staff):
    rows = [_row(issue_date="31/02/2024"), _row(candidate_number="42231111")]
    assert _refused_for(db_url, staff, rows) == [(2, "issue_date"), (3, "certificate_number")]


def test_a_candidate_named_twice_is_reported_even_when_its_partner_row_has_another_error(
    db_url, staff
):
    rows = [
        _row(email="not an email"),
        _row(certificate_number="016559935-01-1800", first_name="Alice"),
    ]
    assert _refused_for(db_url, staff, rows) == [(2, "email"), (3, "candidate_number")]


def test_every_problem_of_every_row_is_reported_in_one_pass_sorted_by_line(db_url, staff):
    rows = [
        _row(),
        _row(candidate_number="42231111", surname="Other"),  # the number of line 2 again
        _row(certificate_number="016559935-01-1800", centre_number="1"),
        _row(certificate_number="016559936-01-1800", first_name="Alice", grade=""),
    ]
    assert _refused_for(db_url, staff, rows) == [
        (3, "certificate_number"),
        (4, "centre_number"),
        (5, "candidate_number"),
        (5, "grade"),
    ]


def test_an_import_is_audited_with_what_it_made(db_url, staff):
    _import(db_url, staff, _csv([_row()]))
    with session_scope(db_url) as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "claims_imported"))
    assert event.user_id == staff.user_id
    assert event.detail["certificates"] == 1 and len(event.detail["sha256"]) == 64


def test_the_uploaded_file_is_deleted_once_imported(db_url, staff):
    stored = store_claims_file(actor=staff, upload=io.BytesIO(_csv([_row()])))
    with session_scope(db_url) as session:
        request_claims_import(session, actor=staff, stored_name=stored, file_name="a.csv")
    assert export_file_exists(stored)
    run_queued_tasks()
    assert not export_file_exists(stored)


def test_an_import_of_a_file_never_uploaded_is_refused(db_url, staff):
    with session_scope(db_url) as session, pytest.raises(InvalidInput, match="Upload it again"):
        request_claims_import(session, actor=staff, stored_name="../etc/passwd", file_name="x")


def test_imports_are_listed_newest_first(db_url, staff):
    _import(db_url, staff, _csv([_row()]), name="first.csv")
    _import(db_url, staff, _csv([_row(centre_number="1")]), name="second.csv")
    with session_scope(db_url) as session:
        page = list_claim_imports(session, actor=staff)
    assert [(row.file_name, row.status_text) for row in page.rows] == [
        ("second.csv", "Refused"),
        ("first.csv", "Imported"),
    ]


@pytest.fixture
def coordinator(db_url, staff):
    with session_scope(db_url) as session:
        return make_actor(session, make_centre(session, "Riverside"))


def test_a_centre_user_cannot_store_a_claims_file(db_url, coordinator):
    with pytest.raises(PermissionDenied):
        store_claims_file(actor=coordinator, upload=io.BytesIO(_csv([_row()])))


def test_a_centre_user_cannot_start_an_import(db_url, staff, coordinator):
    stored = store_claims_file(actor=staff, upload=io.BytesIO(_csv([_row()])))
    with session_scope(db_url) as session, pytest.raises(PermissionDenied):
        request_claims_import(session, actor=coordinator, stored_name=stored, file_name="a")


def test_a_centre_user_cannot_list_imports(db_url, coordinator):
    with session_scope(db_url) as session, pytest.raises(PermissionDenied):
        list_claim_imports(session, actor=coordinator)


def test_a_centre_user_cannot_read_an_import(db_url, staff, coordinator):
    result = _import(db_url, staff, _csv([_row()]))
    with session_scope(db_url) as session, pytest.raises(PermissionDenied):
        get_claim_import(session, actor=coordinator, import_id=result.id)
