"""Small factories: each row factory makes one realistic row and returns it, flushed;
`certificate_content` is what one certificate PDF prints."""

from __future__ import annotations

import datetime as dt
import functools
import itertools

from sqlalchemy.orm import Session

from core.auth import hash_password
from core.certificate_pdf import CertificateContent
from core.models import (
    Candidate,
    Centre,
    Certificate,
    Membership,
    PrintBatch,
    Qualification,
    Role,
    User,
)
from core.text import search_key
from core.users import Actor, actor_for

PASSWORD = "correct-horse-battery"
# Staff must use two-factor sign-in: factory staff are enrolled with this secret unless
# a test says otherwise (two_factor=False); tests compute codes from it with pyotp.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_numbers = itertools.count(1)


@functools.cache
def _password_hash(password: str) -> str:
    """bcrypt takes a quarter of a second; one hash per password serves every test."""
    return hash_password(password)


def make_centre(session: Session, name: str = "Fanshaws") -> Centre:
    n = next(_numbers)
    centre = Centre(number=f"C{n:05d}", name=name, email=f"exams{n}@centre.example")
    session.add(centre)
    session.flush()
    return centre


def make_user(
    session: Session,
    *,
    email: str | None = None,
    role: Role = Role.COORDINATOR,
    centres: tuple[Centre, ...] = (),
    password: str | None = PASSWORD,
    first_name: str = "John",
    surname: str = "McNabhan",
    two_factor: bool | None = None,
) -> User:
    """A user; staff are enrolled in two-factor sign-in unless two_factor=False, others
    only with two_factor=True."""
    enrolled = role == Role.STAFF if two_factor is None else two_factor
    user = User(
        totp_secret=TOTP_SECRET if enrolled else None,
        totp_enabled_at=dt.datetime(2020, 1, 1) if enrolled else None,
        email=email or f"user{next(_numbers)}@centre.example",
        role=role.value,
        first_name=first_name,
        surname=surname,
        password_hash=_password_hash(password) if password else None,
        active_centre_id=centres[0].id if centres else None,
        sessions_valid_after=dt.datetime(2000, 1, 1),
    )
    session.add(user)
    session.flush()
    centre_role = Role.CENTRE_USER if role == Role.STAFF else role
    for centre in centres:
        session.add(Membership(user_id=user.id, centre_id=centre.id, role=centre_role.value))
    session.flush()
    return user


def make_actor(
    session: Session, centre: Centre | None = None, role: Role = Role.COORDINATOR
) -> Actor:
    user = make_user(session, role=role, centres=(centre,) if centre else ())
    return actor_for(session, user=user)


def make_qualification(session: Session, title: str = "IMI Level 3 Diploma") -> Qualification:
    n = next(_numbers)
    qualification = Qualification(number=f"603/{n:04d}/5", title=title)
    session.add(qualification)
    session.flush()
    return qualification


def make_candidate(
    session: Session,
    first_name: str = "Alison",
    surname: str = "Winbery",
    birth_date: dt.date | None = dt.date(1981, 9, 30),
    email: str | None = "alison@mail.example",
    candidate_number: str | None = None,
) -> Candidate:
    candidate = Candidate(
        candidate_number=candidate_number or f"{43000000 + next(_numbers)}",  # demo: 42…
        first_name=first_name,
        surname=surname,
        birth_date=birth_date,
        email=email,
    )
    session.add(candidate)
    session.flush()
    return candidate


def make_batch(
    session: Session,
    centre: Centre,
    *,
    status: str = "COMPLETE",
    batch_type: str = "Certificate",
    started_at: dt.datetime = dt.datetime(2017, 8, 17, 10, 0),
    finished_at: dt.datetime | None = dt.datetime(2017, 8, 17, 12, 0),
    reference: str = "",
) -> PrintBatch:
    batch = PrintBatch(
        centre_id=centre.id,
        status=status,
        batch_type=batch_type,
        started_at=started_at,
        finished_at=finished_at,
        reference=reference,
    )
    session.add(batch)
    session.flush()
    return batch


def make_certificate(
    session: Session,
    centre: Centre,
    *,
    candidate: Candidate | None = None,
    batch: PrintBatch | None = None,
    qualification: Qualification | None = None,
    issue_date: dt.date = dt.date(2018, 6, 6),
    number: str | None = None,
) -> Certificate:
    candidate = candidate or make_candidate(session)
    qualification = qualification or make_qualification(session)
    certificate = Certificate(
        number=number or f"{16559933 + next(_numbers):09d}-01-1800",
        candidate_id=candidate.id,
        qualification_id=qualification.id,
        centre_id=centre.id,
        batch_id=batch.id if batch else None,
        grade="Pass",
        issue_date=issue_date,
        candidate_number=candidate.candidate_number,
        first_name_key=search_key(candidate.first_name),
        surname_key=search_key(candidate.surname),
        birth_date=candidate.birth_date,
    )
    session.add(certificate)
    if batch is not None:
        batch.records += 1
    session.flush()
    return certificate


def certificate_content(**changes) -> CertificateContent:
    """What a certificate prints, as the renderer receives it."""
    values = {
        "number": "016559930-01-1800",
        "full_name": "Siân Jones",
        "qualification_title": "IMI Level 3 Diploma in Light Vehicle Maintenance",
        "qualification_number": "603/1465/5",
        "kind": "Qualification",
        "grade": "Distinction",
        "issue_date": dt.date(2019, 6, 6),
        "expiry_date": None,
        "centre": "Fanshaws",
        "verify_url": "https://certificates.example/verify?code=Code0xYz",
    }
    return CertificateContent(**(values | changes))
