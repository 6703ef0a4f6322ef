"""The public Verify page: anyone (an employer, the candidate) checks a certificate by
the code in its QR address, by its number and the holder's surname, or by uploading its
PDF. The answer names the holder, the qualification, the grade, the dates, the awarding
body and the status, and nothing else; a wrong number and a wrong surname get the same
answer. Every question is recorded (a centre sees how often each of its certificates was
verified) and each client is rate limited (the `limits` library: memory by default,
Redis when several app processes must share the counters).

These functions take no actor: the page is public. What they return is all that may be
shown.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache

from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.certificate_pdf import AWARDING_BODY
from core.config import Settings, get_settings
from core.db import session_scope
from core.errors import InvalidInput, NotFound
from core.models import (
    Candidate,
    Certificate,
    Qualification,
    Verification,
    VerificationMethod,
)
from core.pdf_check import read_uploaded_pdf
from core.signing import current_sealer
from core.text import search_key, uk_date

NO_MATCH = (
    "No matching certificate. Check the certificate number and the holder's surname "
    "as printed on the certificate."
)
TOO_MANY = "Too many verifications from your connection. Please wait a minute and try again."
MAX_UPLOAD_BYTES = 2_000_000  # a certificate PDF is about 60 KB
PDF_HEADER = b"%PDF-"  # within a PDF's first 1,024 bytes
NOT_A_PDF = (
    "That file is not a PDF. Upload the certificate's PDF file (its name ends in .pdf), "
    "or verify it by certificate number instead."
)
_CODE = re.compile(r"verify\?code=([A-Za-z0-9_-]{8,40})")


class TooManyVerifications(InvalidInput):
    """This client has used up its verifications for now."""


@dataclass(frozen=True)
class VerifiedCertificate:
    """What the Verify page shows: nothing private (no date of birth, email, candidate
    number or centre address)."""

    number: str
    full_name: str
    qualification_title: str
    qualification_number: str
    grade: str
    issue_date: dt.date
    expiry_date: dt.date | None
    awarding_body: str
    status: str  # Valid, Expired or Revoked
    status_date: dt.date | None  # the day it expired or was revoked

    @property
    def status_text(self) -> str:
        if self.status == "Valid":
            return "Valid"
        return f"{self.status} on {uk_date(self.status_date)}"

    def fields(self) -> list[tuple[str, str]]:
        return [
            ("Holder", self.full_name),
            ("Qualification", self.qualification_title),
            ("Qualification number", self.qualification_number),
            ("Certificate number", self.number),
            ("Grade", self.grade),
            ("Issue date", uk_date(self.issue_date)),
            ("Expiry date", uk_date(self.expiry_date) or "Does not expire"),
            ("Awarding body", self.awarding_body),
            ("Status", self.status_text),
        ]


# Rate limit ----------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _limiter(storage_url: str) -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(storage_from_string(storage_url))


def check_rate(client: str, settings: Settings | None = None) -> None:
    """Count one verification for this client; refuse past VERIFY_RATE_LIMIT."""
    settings = settings or get_settings()
    limiter = _limiter(settings.rate_limit_url)
    for limit in parse_many(settings.verify_rate_limit):
        if not limiter.hit(limit, "verify", client or "unknown"):
            raise TooManyVerifications(TOO_MANY)


# Looking up ----------------------------------------------------------------------------


def certificate_status(
    *,
    revoked: bool,
    revoked_at: dt.datetime | None,
    expiry_date: dt.date | None,
    today: dt.date,
) -> tuple[str, dt.date | None]:
    """Revoked (and the day), Expired (and the day) or Valid, as of `today`: the one
    judgement behind every check of a certificate, a PDF or an Open Badge."""
    if revoked:
        return "Revoked", revoked_at.date() if revoked_at else None
    if expiry_date is not None and expiry_date < today:
        return "Expired", expiry_date
    return "Valid", None


def _status(certificate: Certificate, today: dt.date) -> tuple[str, dt.date | None]:
    return certificate_status(
        revoked=certificate.revoked,
        revoked_at=certificate.revoked_at,
        expiry_date=certificate.expiry_date,
        today=today,
    )


def describe(certificate: Certificate, today: dt.date) -> VerifiedCertificate:
    """What may be shown publicly about a certificate, with its status today."""
    candidate: Candidate = certificate.candidate
    qualification: Qualification = certificate.qualification
    status, status_date = _status(certificate, today)
    return VerifiedCertificate(
        number=certificate.number,
        full_name=candidate.full_name,
        qualification_title=qualification.title,
        qualification_number=qualification.number,
        grade=certificate.grade,
        issue_date=certificate.issue_date,
        expiry_date=certificate.expiry_date,
        awarding_body=AWARDING_BODY,
        status=status,
        status_date=status_date,
    )


def _answer(
    certificate: Certificate | None,
    method: VerificationMethod,
    today: dt.date | None,
) -> VerifiedCertificate:
    """Record the question, then answer it (NotFound with one message for any miss).
    The record is committed on its own: a miss rolls the caller's work back."""
    with session_scope() as own:
        own.add(
            Verification(
                certificate_id=certificate.id if certificate else None,
                method=method.value,
                found=certificate is not None,
            )
        )
    if certificate is None:
        raise NotFound(NO_MATCH)
    return describe(certificate, today or dt.date.today())


def verify_by_code(
    session: Session, *, code: str, client: str, today: dt.date | None = None
) -> VerifiedCertificate:
    """The certificate whose PDF's QR code holds this code."""
    check_rate(client)
    code = (code or "").strip()
    certificate = (
        session.scalar(select(Certificate).where(Certificate.verify_code == code))
        if _CODE.fullmatch(f"verify?code={code}")
        else None
    )
    return _answer(certificate, VerificationMethod.CODE, today)


def verify_by_number(
    session: Session, *, number: str, surname: str, client: str, today: dt.date | None = None
) -> VerifiedCertificate:
    """The certificate with this number, if the holder's surname matches (case, accents
    and punctuation aside); a wrong number and a wrong surname answer alike."""
    check_rate(client)
    number, key = (number or "").strip()[:40], search_key(surname or "")
    certificate = session.scalar(select(Certificate).where(Certificate.number == number))
    if certificate is not None and (not key or certificate.surname_key != key):
        certificate = None
    return _answer(certificate, VerificationMethod.NUMBER, today)


# An uploaded PDF -----------------------------------------------------------------------


@dataclass(frozen=True)
class UploadCheck:
    """An uploaded PDF: is its signature ours and untouched, and does what it says
    match the register?"""

    signed: bool
    signature_intact: bool
    certificate: VerifiedCertificate | None
    content_matches: bool

    @property
    def trustworthy(self) -> bool:
        return self.signature_intact and self.content_matches


def _says(text: str, certificate: VerifiedCertificate) -> bool:
    """Whether the PDF's text carries the register's details as printed, each whole (a
    name shortened in the register since, Nowak for Nowak-Łukasiewicz, does not match)."""
    lines = "\n".join(" ".join(line.split()) for line in text.splitlines())
    expected = [
        certificate.number,
        certificate.full_name,
        certificate.qualification_title,
        certificate.qualification_number,
        f"Grade: {certificate.grade}",
        f"Issued {uk_date(certificate.issue_date)}",
    ]
    return all(
        re.search(rf"(?:^| ){re.escape(' '.join(value.split()))}(?:$| )", lines, re.MULTILINE)
        for value in expected
    )


def verify_upload(
    session: Session, *, data: bytes, client: str, today: dt.date | None = None
) -> UploadCheck:
    """Check an uploaded certificate PDF: its signature, and its details against the
    register (found by the verification code printed in it)."""
    check_rate(client)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput("That file is too large to be one of our certificate PDFs.")
    if PDF_HEADER not in data[:1024]:
        raise InvalidInput(NOT_A_PDF)
    settings = get_settings()
    reading = read_uploaded_pdf(
        data,
        ours=current_sealer().signer.signing_cert,
        cpu_seconds=settings.pdf_check_seconds,
        memory_mb=settings.pdf_check_memory_mb,
    )
    signature, text = reading.signature, reading.text
    found = _CODE.search(text)
    certificate = (
        session.scalar(select(Certificate).where(Certificate.verify_code == found.group(1)))
        if found
        else None
    )
    try:
        verified = _answer(certificate, VerificationMethod.UPLOAD, today)
    except NotFound:
        verified = None
    return UploadCheck(
        signed=signature.signed,
        signature_intact=signature.intact,
        certificate=verified,
        content_matches=verified is not None and _says(text, verified),
    )


# Codes and addresses -------------------------------------------------------------------


def verification_address(code: str) -> str:
    """The address printed under a certificate's QR code."""
    return get_settings().address(f"verify?code={code}")


def give_verify_code(session: Session, certificate_id: int) -> str:
    """The certificate's verification code, made now if it has none yet."""
    session.execute(
        update(Certificate)
        .where(Certificate.id == certificate_id, Certificate.verify_code.is_(None))
        .values(verify_code=secrets.token_urlsafe(18))
    )
    return session.scalar(select(Certificate.verify_code).where(Certificate.id == certificate_id))


# What a centre sees --------------------------------------------------------------------


def verification_count(session: Session, certificate_id: int) -> int:
    """How often the Verify page answered about a certificate (callers scope the
    certificate to the actor first: see core.certificates.get_document_card)."""
    return session.scalars(
        select(func.count())
        .select_from(Verification)
        .where(Verification.certificate_id == certificate_id, Verification.found)
    ).one()
