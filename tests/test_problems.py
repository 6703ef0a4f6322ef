"""Report a problem with a certificate; centre users follow their reports' status."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.errors import InvalidInput, NotFound
from core.models import AuditEvent, ProblemReport, Role
from core.problems import list_problem_reports, report_problem
from tests.factories import make_actor, make_centre, make_certificate


@pytest.fixture
def fanshaws(session):
    return make_centre(session, "Fanshaws")


def test_report_a_name_spelling_problem_is_open_and_audited(session, fanshaws):
    actor = make_actor(session, fanshaws)
    certificate = make_certificate(session, fanshaws)
    report_problem(
        session,
        actor=actor,
        certificate_id=certificate.id,
        category="Name spelling",
        description="Surname should be Winberry with two r.",
    )
    (row,) = list_problem_reports(session, actor=actor).rows
    assert (row.status, row.category, row.certificate_number) == (
        "Open",
        "Name spelling",
        certificate.number,
    )
    assert session.scalar(select(AuditEvent.action)) == "problem_reported"


@pytest.mark.parametrize(
    ("category", "description", "message"),
    [
        ("Spelling?", "A long enough description", "what kind of problem"),
        ("Other", "short", "10 to 2,000 characters"),
        ("Other", "x" * 2001, "10 to 2,000 characters"),
    ],
)
def test_bad_reports_are_refused_and_nothing_is_saved(
    session, fanshaws, category, description, message
):
    certificate = make_certificate(session, fanshaws)
    with pytest.raises(InvalidInput, match=message):
        report_problem(
            session,
            actor=make_actor(session, fanshaws),
            certificate_id=certificate.id,
            category=category,
            description=description,
        )
    assert session.scalar(select(ProblemReport)) is None


def test_cannot_report_on_another_centres_certificate(session, fanshaws):
    theirs = make_certificate(session, make_centre(session, "Northgate"))
    with pytest.raises(NotFound):
        report_problem(
            session,
            actor=make_actor(session, fanshaws),
            certificate_id=theirs.id,
            category="Other",
            description="Trying someone else's certificate",
        )


def test_centre_sees_only_its_reports_and_staff_see_all(session, fanshaws):
    northgate = make_centre(session, "Northgate")
    for centre in (fanshaws, northgate):
        report_problem(
            session,
            actor=make_actor(session, centre),
            certificate_id=make_certificate(session, centre).id,
            category="Date of birth",
            description="Date of birth is a day out.",
        )
    assert list_problem_reports(session, actor=make_actor(session, fanshaws)).total == 1
    staff = make_actor(session, fanshaws, role=Role.STAFF)
    assert list_problem_reports(session, actor=staff).total == 2
