"""Certificates as centres see them: table rows and the document card."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.models import BatchStatus, Candidate, Centre, Certificate, PrintBatch, Qualification
from core.users import Actor
from core.verify import verification_count

PDF_FROM = dt.date(2017, 11, 1)
NO_SUCH_CERTIFICATE = "There is no certificate with that ID."


def has_pdf(issue_date: dt.date) -> bool:
    """Certificates issued before 1 November 2017 have a document card only."""
    return issue_date >= PDF_FROM


@dataclass(frozen=True)
class CertificateRow:
    id: int
    number: str
    candidate_number: str
    first_name: str
    surname: str
    qualification_number: str
    qualification_title: str
    grade: str
    issue_date: dt.date
    centre: str | None = None  # "number name", given to staff (who see every centre)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.surname}"

    @property
    def has_pdf(self) -> bool:
        return has_pdf(self.issue_date)


def certificate_rows_query() -> Select:
    return (
        select(
            Certificate.id,
            Certificate.number,
            Certificate.candidate_number,
            Candidate.first_name,
            Candidate.surname,
            Qualification.number,
            Qualification.title,
            Certificate.grade,
            Certificate.issue_date,
        )
        .join(Candidate, Candidate.id == Certificate.candidate_id)
        .join(Qualification, Qualification.id == Certificate.qualification_id)
    )


def to_certificate_row(row: Sequence[Any]) -> CertificateRow:
    return CertificateRow(*row)


@dataclass(frozen=True)
class DocumentCard:
    """The guide's CERTIFICATE DETAILS dialog."""

    certificate_id: int
    number: str
    full_name: str
    candidate_number: str
    qualification_number: str
    qualification_title: str
    grade: str
    issue_date: dt.date
    centre: str
    expiry_date: dt.date | None
    description: str
    revoked: bool
    revoked_reason: str = ""
    times_verified: int = 0
    batch_id: int | None = None
    batch_status: str = BatchStatus.COMPLETE.value

    @property
    def has_pdf(self) -> bool:
        return has_pdf(self.issue_date)

    @property
    def not_printed_text(self) -> str:
        """Not printed yet while its batch is not Complete: no PDF to export and nothing
        to reprint yet ("" once printed)."""
        if self.batch_id is None or self.batch_status == BatchStatus.COMPLETE:
            return ""
        return f"Not printed yet: batch {self.batch_id} is {self.batch_status.title()}."


def visible_certificate(session: Session, *, actor: Actor, certificate_id: int) -> Certificate:
    """The certificate if it belongs to the actor's active centre (staff: any centre);
    otherwise NotFound, exactly as for an id that does not exist."""
    query = select(Certificate).where(Certificate.id == certificate_id)
    if not actor.is_staff:
        query = query.where(Certificate.centre_id == actor.centre_id)
    certificate = session.scalar(query)
    if certificate is None:
        raise NotFound(NO_SUCH_CERTIFICATE)
    return certificate


def get_document_card(session: Session, *, actor: Actor, certificate_id: int) -> DocumentCard:
    certificate = visible_certificate(session, actor=actor, certificate_id=certificate_id)
    candidate: Candidate = certificate.candidate
    qualification: Qualification = certificate.qualification
    centre: Centre = certificate.centre
    return DocumentCard(
        certificate_id=certificate.id,
        number=certificate.number,
        full_name=candidate.full_name,
        candidate_number=candidate.candidate_number,
        qualification_number=qualification.number,
        qualification_title=qualification.title,
        grade=certificate.grade,
        issue_date=certificate.issue_date,
        centre=centre.name,
        expiry_date=certificate.expiry_date,
        description=certificate.description,
        revoked=certificate.revoked,
        revoked_reason=certificate.revoked_reason,
        times_verified=verification_count(session, certificate.id),
        batch_id=certificate.batch_id,
        batch_status=session.scalar(
            select(PrintBatch.status).where(PrintBatch.id == certificate.batch_id)
        )
        or BatchStatus.COMPLETE.value,
    )
