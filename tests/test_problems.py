"""Report a problem with a certificate; centre users follow their reports' status."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.errors import InvalidInput, NotFound, PermissionDenied
from core.models import AuditEvent, OutboxEmail, ProblemReport, Role, User
from core.problems import (
    ProblemFilters,
    assign_problem,
    list_problem_reports,
    reply_to_problem,
    report_problem,
    resolve_problem,
    staff_members,
)
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


@pytest.fixture
def report(session, fanshaws):
    return report_problem(
        session,
        actor=make_actor(session, fanshaws),
        certificate_id=make_certificate(session, fanshaws).id,
        category="Name spelling",
        description="Surname should be Winberry with two r.",
    )


@pytest.fixture
def staff(session):
    return make_actor(session, role=Role.STAFF)


def test_staff_assign_a_report_and_it_is_in_progress(session, report, staff):
    colleague = make_actor(session, role=Role.STAFF)
    assign_problem(session, actor=staff, report_id=report.id, staff_user_id=colleague.user_id)
    (row,) = list_problem_reports(session, actor=staff).rows
    assert (row.status, row.assigned_to) == ("In progress", "John McNabhan")


def test_the_centre_user_sees_the_reply_and_the_resolved_status(session, report, staff, fanshaws):
    reply_to_problem(
        session, actor=staff, report_id=report.id, reply="Reprinted as Winberry; see Orders."
    )
    resolve_problem(session, actor=staff, report_id=report.id)
    (row,) = list_problem_reports(session, actor=make_actor(session, fanshaws)).rows
    assert (row.status, row.reply) == ("Resolved", "Reprinted as Winberry; see Orders.")


def test_handling_a_report_is_audited_with_before_and_after(session, report, staff):
    resolve_problem(session, actor=staff, report_id=report.id, reply="Corrected.")
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "problem_resolved"))
    assert (event.user_id, event.centre_id) == (staff.user_id, report.centre_id)
    assert (event.detail["before"]["status"], event.detail["after"]["status"]) == (
        "Open",
        "Resolved",
    )
    assert event.detail["after"]["reply"] == "Corrected."


def test_staff_filter_reports_by_status_and_centre(session, report, staff, fanshaws):
    northgate = make_centre(session, "Northgate")
    report_problem(
        session,
        actor=make_actor(session, northgate),
        certificate_id=make_certificate(session, northgate).id,
        category="Other",
        description="Grade should be Distinction.",
    )
    resolve_problem(session, actor=staff, report_id=report.id)
    open_reports = list_problem_reports(session, actor=staff, filters=ProblemFilters("Open"))
    assert [row.centre for row in open_reports.rows] == [f"{northgate.number} Northgate"]
    assert (
        list_problem_reports(session, actor=staff, filters=ProblemFilters(centre="fan")).total == 1
    )


def test_a_report_cannot_be_assigned_to_a_centre_user(session, report, staff, fanshaws):
    centre_user = make_actor(session, fanshaws)
    with pytest.raises(InvalidInput, match="member of staff"):
        assign_problem(session, actor=staff, report_id=report.id, staff_user_id=centre_user.user_id)


def test_an_empty_reply_is_refused(session, report, staff):
    with pytest.raises(InvalidInput, match="2 to 2,000"):
        reply_to_problem(session, actor=staff, report_id=report.id, reply=" ")


@pytest.mark.parametrize(
    "call",
    [
        lambda s, a, r: assign_problem(s, actor=a, report_id=r, staff_user_id=a.user_id),
        lambda s, a, r: reply_to_problem(s, actor=a, report_id=r, reply="Done it myself."),
        lambda s, a, r: resolve_problem(s, actor=a, report_id=r),
        lambda s, a, r: staff_members(s, actor=a),
    ],
    ids=["assign", "reply", "resolve", "staff list"],
)
def test_a_centre_user_cannot_handle_reports(session, report, fanshaws, call):
    with pytest.raises(PermissionDenied):
        call(session, make_actor(session, fanshaws), report.id)
    assert session.get(ProblemReport, report.id).status == "Open"


def test_a_reply_emails_the_reporter_the_reply_and_where_to_follow_the_report(
    session, report, staff
):
    reply_to_problem(
        session, actor=staff, report_id=report.id, reply="Reprinted as Winberry; see Orders."
    )
    email = session.scalar(select(OutboxEmail).order_by(OutboxEmail.id.desc()))
    assert email.to_address == session.get(User, report.user_id).email
    assert email.subject == f"Your problem report {report.id}: in progress"
    assert "Reprinted as Winberry; see Orders." in email.body
    assert "Print Batches, Problem reports: http://localhost:8501/print-batches" in email.body


def test_resolving_emails_the_reporter_that_it_is_resolved(session, report, staff):
    resolve_problem(session, actor=staff, report_id=report.id)
    email = session.scalar(select(OutboxEmail).order_by(OutboxEmail.id.desc()))
    assert email.subject == f"Your problem report {report.id}: resolved"
    assert "it is now resolved" in email.body


def test_assigning_a_report_emails_no_one(session, report, staff):
    before = session.scalar(select(func.count()).select_from(OutboxEmail))
    assign_problem(session, actor=staff, report_id=report.id, staff_user_id=staff.user_id)
    assert session.scalar(select(func.count()).select_from(OutboxEmail)) == before
