"""Search (guide: Search): each criterion, combinations, accents, dates, paging, CSV,
isolation between centres, and index use."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import text

from core.errors import InvalidInput
from core.models import Role
from core.search import (
    SearchCriteria,
    _search_query,
    csv_file_name,
    search_certificates,
    search_csv,
)
from core.text import later_name_parts
from tests.factories import make_actor, make_candidate, make_centre, make_certificate

PEOPLE = [
    ("Alison Jane", "Winbery", dt.date(1981, 9, 30)),
    ("Aoife", "O'Brien", dt.date(1990, 1, 2)),
    ("Siân", "Evans", dt.date(1985, 5, 5)),
    ("Zoë", "Nowak-Łukasiewicz", dt.date(1999, 12, 31)),
    ("Siobhan", "Obrist", dt.date(1981, 9, 30)),
    ('=HYPERLINK("x")', "Smith", dt.date(1970, 1, 1)),
]


@pytest.fixture
def fanshaws(session):
    centre = make_centre(session, "Fanshaws")
    certificates = {}
    for first, last, born in PEOPLE:
        candidate = make_candidate(session, first_name=first, surname=last, birth_date=born)
        certificates[last] = make_certificate(session, centre, candidate=candidate)
    return centre, certificates


@pytest.fixture
def coordinator(session, fanshaws):
    return make_actor(session, fanshaws[0])


def _surnames(session, actor, **criteria) -> list[str]:
    page = search_certificates(
        session, actor=actor, criteria=SearchCriteria(**criteria), per_page=100
    )
    return [row.surname for row in page.rows]


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({"surname": "obri"}, ["O'Brien", "Obrist"]),
        ({"surname": "O'Bri"}, ["O'Brien", "Obrist"]),
        ({"surname": "OBRIEN"}, ["O'Brien"]),
        ({"first_name": "sian"}, ["Evans"]),
        ({"first_name": "SIÂN"}, ["Evans"]),
        ({"surname": "nowak lukas"}, ["Nowak-Łukasiewicz"]),
        ({"surname": "lukas"}, ["Nowak-Łukasiewicz"]),
        ({"surname": "Łukasiewicz"}, ["Nowak-Łukasiewicz"]),
        ({"first_name": "zo", "surname": "luk"}, ["Nowak-Łukasiewicz"]),
        ({"first_name": "zoe"}, ["Nowak-Łukasiewicz"]),
        ({"first_name": "alison jane"}, ["Winbery"]),
        ({"first_name": "si", "surname": "ob"}, ["Obrist"]),
        ({"surname": "nobody"}, []),
    ],
)
def test_names_match_by_prefix_ignoring_case_accents_and_apostrophes(
    session, coordinator, criteria, expected
):
    assert _surnames(session, coordinator, **criteria) == expected


@pytest.mark.parametrize(
    ("surname", "parts"),
    [
        ("Nowak-Łukasiewicz", ("lukasiewicz",)),
        ("van der Berg", ("der", "berg")),
        ("Smith – Jones", ("jones",)),
        ("O'Brien", ()),
        ("", ()),
    ],
)
def test_surnames_split_into_later_parts_at_spaces_and_hyphens(surname, parts):
    assert later_name_parts(surname) == parts


def test_certificate_number_matches_exactly_or_by_prefix(session, fanshaws, coordinator):
    number = fanshaws[1]["Evans"].number
    assert _surnames(session, coordinator, certificate_number=number) == ["Evans"]
    assert "Evans" in _surnames(session, coordinator, certificate_number=number[:6])
    assert _surnames(session, coordinator, certificate_number=number + "9") == []


def test_candidate_id_matches_exactly_or_by_prefix(session, fanshaws, coordinator):
    candidate_number = fanshaws[1]["Winbery"].candidate_number
    assert _surnames(session, coordinator, candidate_id=candidate_number) == ["Winbery"]
    assert len(_surnames(session, coordinator, candidate_id=candidate_number[:2])) == 6


@pytest.mark.parametrize("typed", ["30-September-1981", "30/09/1981", "1981-09-30", "30-Sep-1981"])
def test_date_of_birth_in_the_accepted_forms(session, coordinator, typed):
    assert _surnames(session, coordinator, date_of_birth=typed) == ["Obrist", "Winbery"]


@pytest.mark.parametrize("typed", ["31/02/1981", "September 30 1981", "30.09.1981", "yesterday"])
def test_bad_dates_get_a_message_naming_the_forms(session, coordinator, typed):
    with pytest.raises(InvalidInput, match="30-September-1981, 30/09/1981 or 1981-09-30"):
        search_certificates(
            session, actor=coordinator, criteria=SearchCriteria(date_of_birth=typed)
        )


def test_empty_search_asks_for_a_criterion(session, coordinator):
    with pytest.raises(InvalidInput, match="at least one"):
        search_certificates(session, actor=coordinator, criteria=SearchCriteria(surname="  "))


def test_results_sorted_by_surname_then_first_name_stable_across_pages(session, fanshaws):
    centre, _ = fanshaws
    for index in range(25):
        first = ["Cal", "Amy", "Bob"][index % 3]
        candidate = make_candidate(session, first_name=first, surname="Jones")
        make_certificate(session, centre, candidate=candidate)
    actor = make_actor(session, centre)
    criteria = SearchCriteria(surname="jones")
    whole = search_certificates(session, actor=actor, criteria=criteria, per_page=25).rows
    paged = [
        row
        for number in (1, 2, 3)
        for row in search_certificates(session, actor=actor, criteria=criteria, page=number).rows
    ]
    assert [row.first_name for row in whole] == ["Amy"] * 8 + ["Bob"] * 8 + ["Cal"] * 9
    assert [row.id for row in paged] == [row.id for row in whole]


def test_a_known_total_is_taken_as_given_and_only_the_page_is_read(session, coordinator):
    """Turning the pages of one search: the count it found is passed back, not redone."""
    page = search_certificates(
        session, actor=coordinator, criteria=SearchCriteria(surname="o"), per_page=10, total=11
    )
    assert (page.total, page.pages) == (11, 2)
    second = search_certificates(
        session,
        actor=coordinator,
        criteria=SearchCriteria(surname="o"),
        page=2,
        per_page=10,
        total=11,
    )
    assert (second.page, second.rows) == (2, [])


def test_other_centres_certificates_are_not_found(session, fanshaws):
    northgate = make_actor(session, make_centre(session, "Northgate College"))
    assert _surnames(session, northgate, surname="obri") == []
    number = fanshaws[1]["Evans"].number
    assert _surnames(session, northgate, certificate_number=number) == []


def test_staff_search_every_centre_and_can_filter_by_centre(session, fanshaws):
    centre, _ = fanshaws
    northgate = make_centre(session, "Northgate College")
    make_certificate(session, northgate, candidate=make_candidate(session, surname="Obrian"))
    staff = make_actor(session, centre, role=Role.STAFF)
    assert len(_surnames(session, staff, surname="obri")) == 3
    assert _surnames(session, staff, surname="obri", centre_id=northgate.id) == ["Obrian"]


def test_staff_see_each_certificates_centre_number_and_name(session, fanshaws):
    centre, _ = fanshaws
    northgate = make_centre(session, "Northgate College")
    make_certificate(session, northgate, candidate=make_candidate(session, surname="Obrian"))
    staff = make_actor(session, centre, role=Role.STAFF)
    rows = search_certificates(session, actor=staff, criteria=SearchCriteria(surname="obri")).rows
    assert {(row.surname, row.centre) for row in rows} == {
        ("Obrian", f"{northgate.number} Northgate College"),
        ("O'Brien", f"{centre.number} Fanshaws"),
        ("Obrist", f"{centre.number} Fanshaws"),
    }


def test_centre_users_are_not_given_the_centre_of_each_certificate(session, coordinator):
    rows = search_certificates(
        session, actor=coordinator, criteria=SearchCriteria(surname="obri")
    ).rows
    assert rows and all(row.centre is None for row in rows)


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_has_every_match_a_header_and_utf8_names(session, coordinator):
    rows = _csv_rows(
        search_csv(session, actor=coordinator, criteria=SearchCriteria(candidate_id="4"))
    )
    assert rows[0][:4] == ["Certificate Number", "Candidate ID", "First Name", "Surname"]
    assert len(rows) == 1 + 6
    assert ["Siân", "Evans"] in [row[2:4] for row in rows]


def test_csv_makes_formulas_harmless(session, coordinator):
    rows = _csv_rows(
        search_csv(session, actor=coordinator, criteria=SearchCriteria(surname="smith"))
    )
    assert rows[1][2] == '\'=HYPERLINK("x")'


def test_csv_file_name_says_what_and_when():
    name = csv_file_name(SearchCriteria(surname="O'Bri"), dt.datetime(2026, 11, 29, 14, 5))
    assert name == "certificates_surname-obri_2026-11-29_1405.csv"


def _plan(session, query) -> str:
    compiled = query.compile(session.bind, compile_kwargs={"literal_binds": True})
    if session.bind.dialect.name == "postgresql":
        session.execute(text("SET LOCAL enable_seqscan = off"))
        return "\n".join(session.scalars(text(f"EXPLAIN {compiled}")))
    return "\n".join(
        str(row[-1]) for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
    )


@pytest.mark.parametrize(
    "criteria",
    [
        SearchCriteria(certificate_number="0165"),
        SearchCriteria(candidate_id="4200"),
        SearchCriteria(surname="obri"),
        SearchCriteria(surname="lukas"),
        SearchCriteria(first_name="si", surname="ob"),
        SearchCriteria(date_of_birth="30/09/1981"),
    ],
)
@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.STAFF])
def test_searches_use_an_index_not_a_full_scan(session, fanshaws, criteria, role):
    actor = make_actor(session, fanshaws[0], role=role)
    plan = _plan(session, _search_query(actor, criteria))
    certificate_lines = [line for line in plan.splitlines() if "certificate" in line]
    assert certificate_lines, plan
    assert not any(
        f"Seq Scan on {table}" in line or line.strip().startswith(f"SCAN {table}")
        for line in certificate_lines
        for table in ("certificates", "certificate_name_parts")
    ), plan
