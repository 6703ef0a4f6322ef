"""Problem reports: a centre user says what is wrong with a certificate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import record_event
from core.certificates import visible_certificate
from core.errors import InvalidInput
from core.models import Candidate, Certificate, ProblemReport
from core.paging import Page, paginate
from core.text import clean_text
from core.users import Actor

CATEGORIES = ("Name spelling", "Date of birth", "Qualification or grade", "Other")
STATUSES = ("Open", "In progress", "Resolved")


@dataclass(frozen=True)
class ProblemRow:
    id: int
    certificate_number: str
    candidate: str
    category: str
    description: str
    status: str
    created_at: dt.datetime


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
    session: Session, *, actor: Actor, page: int = 1, per_page: int = 10
) -> Page[ProblemRow]:
    """Reports of the actor's active centre, newest first; staff see every centre's."""
    query = (
        select(
            ProblemReport.id,
            Certificate.number,
            Candidate.first_name + " " + Candidate.surname,
            ProblemReport.category,
            ProblemReport.description,
            ProblemReport.status,
            ProblemReport.created_at,
        )
        .join(Certificate, Certificate.id == ProblemReport.certificate_id)
        .join(Candidate, Candidate.id == Certificate.candidate_id)
        .order_by(ProblemReport.created_at.desc(), ProblemReport.id.desc())
    )
    if not actor.is_staff:
        query = query.where(ProblemReport.centre_id == actor.centre_id)
    return paginate(session, query, page=page, per_page=per_page, to_row=lambda r: ProblemRow(*r))
