"""Problem reports: a centre user says what is wrong with a certificate."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Row, select
from sqlalchemy.orm import Session, aliased

from core.audit import record_event
from core.centres import matching_centre
from core.certificates import visible_certificate
from core.errors import InvalidInput, NotFound
from core.follow_ups import tell_problem_answered
from core.models import Candidate, Centre, Certificate, ProblemReport, Role, User, utcnow
from core.paging import Page, paginate
from core.text import clean_text
from core.users import Actor, require_staff

CATEGORIES = ("Name spelling", "Date of birth", "Qualification or grade", "Other")
STATUSES = ("Open", "In progress", "Resolved")
OPEN, IN_PROGRESS, RESOLVED = STATUSES
NO_SUCH_REPORT = "There is no problem report with that ID."


@dataclass(frozen=True)
class ProblemFilters:
    status: str | None = None
    centre: str = ""  # staff: the start of a centre's number or name


@dataclass(frozen=True)
class ProblemRow:
    id: int
    certificate_number: str
    candidate: str
    category: str
    description: str
    status: str
    created_at: dt.datetime
    centre: str
    assigned_to: str
    reply: str


def report_problem(
    session: Session, *, actor: Actor, certificate_id: int, category: str, description: str
) -> ProblemReport:
    certificate = visible_certificate(session, actor=actor, certificate_id=certificate_id)
    description = clean_text(description, "The description", None)
    if category not in CATEGORIES:
        raise InvalidInput("Choose what kind of problem it is.")
    if not 10 <= len(description) <= 2000:
        raise InvalidInput("Describe the problem in 10 to 2,000 characters.")
    report = ProblemReport(
        certificate_id=certificate.id,
        centre_id=certificate.centre_id,
        user_id=actor.user_id,
        category=category,
        description=description,
    )
    session.add(report)
    session.flush()
    record_event(
        session,
        action="problem_reported",
        user_id=actor.user_id,
        centre_id=certificate.centre_id,
        target=f"certificate:{certificate.id}",
        report_id=report.id,
        category=category,
    )
    return report


def list_problem_reports(
    session: Session,
    *,
    actor: Actor,
    filters: ProblemFilters = ProblemFilters(),
    page: int = 1,
    per_page: int = 10,
) -> Page[ProblemRow]:
    """Reports of the actor's active centre, newest first; staff see every centre's."""
    assignee = aliased(User)
    query = (
        select(
            ProblemReport.id,
            Certificate.number,
            Candidate.first_name + " " + Candidate.surname,
            ProblemReport.category,
            ProblemReport.description,
            ProblemReport.status,
            ProblemReport.created_at,
            Centre.number + " " + Centre.name,
            assignee.first_name + " " + assignee.surname,
            ProblemReport.reply,
        )
        .join(Certificate, Certificate.id == ProblemReport.certificate_id)
        .join(Candidate, Candidate.id == Certificate.candidate_id)
        .join(Centre, Centre.id == ProblemReport.centre_id)
        .outerjoin(assignee, assignee.id == ProblemReport.assigned_to_id)
        .order_by(ProblemReport.created_at.desc(), ProblemReport.id.desc())
    )
    if not actor.is_staff:
        query = query.where(ProblemReport.centre_id == actor.centre_id)
    if filters.status:
        query = query.where(ProblemReport.status == filters.status)
    query = matching_centre(query, filters.centre)
    return paginate(session, query, page=page, per_page=per_page, to_row=_problem_row)


def _problem_row(row: Row) -> ProblemRow:
    values = list(row)
    values[8:] = [value or "" for value in values[8:]]  # no one assigned, no reply yet
    return ProblemRow(*values)


def staff_members(session: Session, *, actor: Actor) -> dict[int, str]:
    """Active staff users a report can be assigned to, by name."""
    require_staff(actor)
    rows = session.execute(
        select(User.id, User.first_name, User.surname, User.email)
        .where(User.role == Role.STAFF.value, User.is_active.is_(True))
        .order_by(User.surname, User.first_name)
    )
    return {row.id: f"{row.first_name} {row.surname} ({row.email})" for row in rows}


def _report(session: Session, report_id: int) -> ProblemReport:
    report = session.get(ProblemReport, report_id, with_for_update=True)
    if report is None:
        raise NotFound(NO_SUCH_REPORT)
    return report


def _state(report: ProblemReport) -> dict[str, object]:
    return {
        "status": report.status,
        "assigned_to_id": report.assigned_to_id,
        "reply": report.reply,
    }


def _handle(
    session: Session,
    actor: Actor,
    report_id: int,
    action: str,
    change: Callable[[ProblemReport], object],
) -> ProblemReport:
    """Apply a staff member's `change` to a report, audited with before and after."""
    require_staff(actor)
    report = _report(session, report_id)
    before = _state(report)
    change(report)
    report.updated_at = utcnow()
    record_event(
        session,
        action=action,
        user_id=actor.user_id,
        centre_id=report.centre_id,
        target=f"problem_report:{report.id}",
        before=before,
        after=_state(report),
    )
    return report


def assign_problem(
    session: Session, *, actor: Actor, report_id: int, staff_user_id: int
) -> ProblemReport:
    """Give a report to a member of staff; an open report is then in progress."""
    require_staff(actor)
    if staff_user_id not in staff_members(session, actor=actor):
        raise InvalidInput("Choose a member of staff to assign the report to.")

    def assign(report: ProblemReport) -> None:
        report.assigned_to_id = staff_user_id
        report.status = IN_PROGRESS if report.status == OPEN else report.status

    return _handle(session, actor, report_id, "problem_assigned", assign)


def _checked_reply(reply: str) -> str:
    reply = clean_text(reply, "The reply", None)
    if not 2 <= len(reply) <= 2000:
        raise InvalidInput("Write a reply of 2 to 2,000 characters.")
    return reply


def reply_to_problem(
    session: Session, *, actor: Actor, report_id: int, reply: str
) -> ProblemReport:
    """A reply the centre user reads beside the report (and in an email); an open report
    is then in progress."""
    reply = _checked_reply(reply)

    def answer(report: ProblemReport) -> None:
        report.reply, report.replied_at = reply, utcnow()
        report.status = IN_PROGRESS if report.status == OPEN else report.status

    report = _handle(session, actor, report_id, "problem_replied", answer)
    tell_problem_answered(session, report)
    return report


def resolve_problem(
    session: Session, *, actor: Actor, report_id: int, reply: str = ""
) -> ProblemReport:
    """Close a report, with a last reply if one is given; the reporter is emailed."""
    reply = _checked_reply(reply) if reply.strip() else ""

    def resolve(report: ProblemReport) -> None:
        if reply:
            report.reply, report.replied_at = reply, utcnow()
        report.status = RESOLVED

    report = _handle(session, actor, report_id, "problem_resolved", resolve)
    tell_problem_answered(session, report)
    return report
