"""A candidate's personal link, sent in the notice that their certificate is issued:
for CANDIDATE_LINK_DAYS (90) days it shows them their certificate, gives them its
signed PDF and the verification address to pass to an employer. No sign-in: the link
is the key, so only its SHA-256 is stored (like a password-reset token)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.certificate_pdf import CannotDraw, CertificateContent
from core.certificates import has_pdf
from core.config import get_settings
from core.db import session_scope
from core.errors import NotFound
from core.models import CandidateLink, Certificate, utcnow
from core.signing import signing_renderer
from core.verify import VerifiedCertificate, describe, give_verify_code, verification_address

if TYPE_CHECKING:  # core.badges imports this module
    from core.badges import IssuedBadge

LINK_PATH = "my-certificate"
LINK_NOT_USABLE = (
    "This certificate link has expired or is not valid. Links in certificate emails work "
    "for {days} days: ask your centre to send a new one, or verify the certificate by "
    "its number and your surname on the Verify page."
)


@dataclass(frozen=True)
class CandidateCertificate:
    """What the candidate's page shows."""

    certificate: VerifiedCertificate
    verify_url: str
    expires_at: dt.datetime
    has_pdf: bool


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_candidate_link(
    session: Session, *, certificate_id: int, now: dt.datetime | None = None
) -> str:
    """A new personal link to the certificate (the address to put in the email)."""
    settings = get_settings()
    token = secrets.token_urlsafe(32)
    session.add(
        CandidateLink(
            certificate_id=certificate_id,
            token_hash=_digest(token),
            created_at=now or utcnow(),
            expires_at=(now or utcnow()) + dt.timedelta(days=settings.candidate_link_days),
        )
    )
    return settings.address(f"{LINK_PATH}?token={token}")


def _linked(
    session: Session, token: str, now: dt.datetime | None
) -> tuple[Certificate, dt.datetime]:
    found = session.execute(
        select(Certificate, CandidateLink.expires_at)
        .join(CandidateLink, CandidateLink.certificate_id == Certificate.id)
        .where(
            CandidateLink.token_hash == _digest(token or ""),
            CandidateLink.expires_at > (now or utcnow()),
        )
    ).first()
    if found is None:
        raise NotFound(LINK_NOT_USABLE.format(days=get_settings().candidate_link_days))
    return found[0], found[1]


def open_candidate_link(
    session: Session, *, token: str, now: dt.datetime | None = None
) -> CandidateCertificate:
    """The certificate behind a candidate's link; NotFound (saying so) once expired."""
    certificate, expires_at = _linked(session, token, now)
    code = give_verify_code(session, certificate.id)
    return CandidateCertificate(
        certificate=describe(certificate, (now or utcnow()).date()),
        verify_url=verification_address(code),
        expires_at=expires_at,
        has_pdf=has_pdf(certificate.issue_date) and not certificate.revoked,
    )


def _content(certificate: Certificate, verify_url: str) -> CertificateContent:
    return CertificateContent(
        number=certificate.number,
        full_name=certificate.candidate.full_name,
        qualification_title=certificate.qualification.title,
        qualification_number=certificate.qualification.number,
        kind=certificate.qualification.kind,
        grade=certificate.grade,
        issue_date=certificate.issue_date,
        expiry_date=certificate.expiry_date,
        centre=certificate.centre.name,
        verify_url=verify_url,
    )


def candidate_pdf(*, token: str, now: dt.datetime | None = None) -> bytes:
    """The certificate's PDF, as exports make it (encrypted, no printing, signed),
    drawn and signed outside the transaction that read it."""
    with session_scope() as session:
        certificate, _ = _linked(session, token, now)
        if not has_pdf(certificate.issue_date) or certificate.revoked:
            raise NotFound("This certificate has no PDF.")
        code = give_verify_code(session, certificate.id)
        content = _content(certificate, verification_address(code))
    try:
        return signing_renderer().render([content])[0]
    except CannotDraw as error:
        raise NotFound(f"This certificate's PDF cannot be made: {error}.") from None


def candidate_pdf_name(certificate: VerifiedCertificate) -> str:
    return f"certificate-{certificate.number}.pdf"


def candidate_badge(*, token: str, now: dt.datetime | None = None) -> IssuedBadge:
    """The certificate's Open Badge (core.badges.IssuedBadge), for the candidate to keep
    in a wallet or profile; NotFound when it has none (before November 2017, revoked)."""
    from core.badges import issue_badge

    with session_scope() as session:
        certificate, _ = _linked(session, token, now)
        return issue_badge(session, certificate_id=certificate.id)
