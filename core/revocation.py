"""Revocation: the awarding body's staff withdraw a certificate, with a reason. From then
on the Verify page says Revoked (with the date), exports leave it out with the reason,
and reprints and proof letters of it are refused."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import record_event
from core.errors import InvalidInput, NotFound
from core.models import Certificate, utcnow
from core.text import clean_text, uk_date
from core.users import Actor, require_staff

NO_SUCH_NUMBER = "There is no certificate with that number."


@dataclass(frozen=True)
class RevocationCard:
    """A certificate as the Revoke screen shows it."""

    certificate_id: int
    number: str
    full_name: str
    qualification_title: str
    centre: str
    issue_date: dt.date
    revoked_at: dt.datetime | None
    revoked_reason: str

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def revoked_text(self) -> str:
        return f"Revoked on {uk_date(self.revoked_at)}: {self.revoked_reason}"


def revoked_refusal(certificate: Certificate) -> str | None:
    """Why a revoked certificate cannot be reprinted (None when it can)."""
    if not certificate.revoked:
        return None
    return f"Certificate {certificate.number} has been revoked: it cannot be reprinted."


def _by_number(session: Session, number: str) -> Certificate:
    certificate = session.scalar(
        select(Certificate).where(Certificate.number == (number or "").strip()[:40])
    )
    if certificate is None:
        raise NotFound(NO_SUCH_NUMBER)
    return certificate


def _card(certificate: Certificate) -> RevocationCard:
    return RevocationCard(
        certificate_id=certificate.id,
        number=certificate.number,
        full_name=certificate.candidate.full_name,
        qualification_title=certificate.qualification.title,
        centre=certificate.centre.name,
        issue_date=certificate.issue_date,
        revoked_at=certificate.revoked_at if certificate.revoked else None,
        revoked_reason=certificate.revoked_reason,
    )


def find_for_revocation(session: Session, *, actor: Actor, number: str) -> RevocationCard:
    """Staff: a certificate of any centre by its number."""
    require_staff(actor)
    return _card(_by_number(session, number))


def revoke_certificate(
    session: Session, *, actor: Actor, number: str, reason: str
) -> RevocationCard:
    """Staff: revoke a certificate with a reason (3 to 300 characters); audited.
    Revoking one already revoked changes nothing and says so."""
    require_staff(actor)
    reason = clean_text(reason, "The reason", max_length=300)
    if len(reason) < 3:
        raise InvalidInput("Say why the certificate is revoked (3 to 300 characters).")
    certificate = _by_number(session, number)
    if certificate.revoked:
        revoked_on = uk_date(certificate.revoked_at)
        raise InvalidInput(f"This certificate was already revoked on {revoked_on}.")
    certificate.revoked, certificate.revoked_at = True, utcnow()
    certificate.revoked_reason = reason
    record_event(
        session,
        action="certificate_revoked",
        user_id=actor.user_id,
        centre_id=certificate.centre_id,
        target=f"certificate:{certificate.id}",
        before={"revoked": False},
        after={"revoked": True, "reason": reason},
    )
    session.flush()
    return _card(certificate)
