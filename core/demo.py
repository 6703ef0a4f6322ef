"""Deterministic, realistic demo data (`python -m core.cli seed-demo`).

Never part of a migration. Rows go in with explicit ids through executemany, so a
million certificates load in minutes; PostgreSQL sequences are moved past them after.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text

from core.auth import hash_password
from core.models import (
    Address,
    Base,
    BatchStatus,
    Candidate,
    Centre,
    Certificate,
    CertificateNamePart,
    Membership,
    PrintBatch,
    Qualification,
    QualificationKind,
    Role,
    User,
    name_part_rows,
)
from core.text import search_key

DEMO_PASSWORD = "demo-password-1"
# The demo staff login's two-factor secret: staff must sign in with a code, so the demo
# staff account is enrolled with this published secret (demo data only, never loaded in
# production). Add it to an authenticator app, or print the code of the moment with
# `python -m core.cli demo-code`; browser tests compute codes from it with pyotp.
DEMO_STAFF_EMAIL = "staff@imi.example"
DEMO_STAFF_TOTP_SECRET = "DEMOSTAFFDEMOSTAFFDEMOSTAFFDEMO2"
TODAY = dt.date(2026, 11, 29)
FIRST_NAMES = [
    "Alison",
    "James",
    "Siân",
    "Zoë",
    "Mohammed",
    "Olivia",
    "Liam",
    "Amelia",
    "Noah",
    "Isla",
    "Oliver",
    "Ava",
    "George",
    "Freya",
    "Harry",
    "Grace",
    "Jack",
    "Chloé",
    "Rhys",
    "Niamh",
    "Aoife",
    "Dylan",
    "Ffion",
    "Priya",
    "Arjun",
    "Kasia",
    "Tomasz",
    "Eilidh",
    "Callum",
    "Seán",
    "Jasmine",
    "Ethan",
    "Sophie",
    "Lewis",
    "Megan",
    "Daniel",
    "Hannah",
    "Ryan",
    "Emily",
    "Carys",
    "Bethany",
    "Kieran",
    "Aaliyah",
    "Ibrahim",
    "Lucy",
    "Nathan",
]
MIDDLE_NAMES = ["Jane", "Marie", "John", "Lee", "Rose", "David", "Ann", "Louise", "Paul"]
SURNAMES = [
    "Winbery",
    "O'Brien",
    "Nowak-Łukasiewicz",
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Johnson",
    "Roberts",
    "Robinson",
    "Thompson",
    "Wright",
    "Walker",
    "White",
    "Edwards",
    "Hughes",
    "Green",
    "Hall",
    "Lewis",
    "Harris",
    "Clarke",
    "Patel",
    "Jackson",
    "Wood",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Morris",
    "Moore",
    "Clark",
    "Lee",
    "King",
    "Baker",
    "Harrison",
    "Morgan",
    "Allen",
    "James",
    "Scott",
    "Phillips",
    "Watson",
    "Davis",
    "Parker",
    "Price",
    "Bennett",
    "Young",
    "Griffiths",
    "Mitchell",
    "Kelly",
    "Cook",
    "Carter",
    "Richardson",
    "Bailey",
    "Collins",
    "Bell",
    "Shaw",
    "Murphy",
    "Miller",
    "Cox",
    "Richards",
    "Khan",
    "Marshall",
    "Anderson",
    "Simpson",
    "Ellis",
    "Adams",
    "Singh",
    "Begum",
    "Wilkinson",
    "Foster",
    "Chapman",
    "Powell",
    "Webb",
    "Rogers",
    "Gray",
    "Mason",
    "Ali",
    "Hunt",
    "Hussain",
    "Campbell",
    "Matthews",
    "Owen",
    "Palmer",
    "Holmes",
    "Mills",
    "Barnes",
    "Knight",
    "Lloyd",
    "Butler",
    "Russell",
    "Barker",
    "Fisher",
    "Stevens",
    "Jenkins",
    "MacDonald",
    "McKenzie",
    "Dawson",
    "D'Souza",
    "Ó Súilleabháin",
    "Kowalski",
    "Fernández",
    "Müller",
]
QUALIFICATIONS = [
    ("603/1465/5", "IMI Level 3 Diploma in Light Vehicle Maintenance and Repair Principles"),
    ("601/5441/0", "IMI Level 1 Award in Cycle Maintenance"),
    ("600/4711/8", "IMI Level 2 Certificate in Light Vehicle Maintenance"),
    ("603/0090/5", "IMI Level 2 Diploma in Vehicle Accident Repair Body Principles"),
    ("601/7224/2", "IMI Level 3 Award in Electric/Hybrid Vehicle System Repair"),
    ("603/2815/0", "IMI Level 2 Award in Hybrid Electric Vehicle Operation and Maintenance"),
    ("600/6892/4", "IMI Level 3 Certificate in Motorcycle Maintenance and Repair"),
    ("603/3140/9", "IMI Level 4 Award in the Diagnosis, Testing and Repair of EV Systems"),
    ("601/4102/6", "IMI Level 2 Award in MOT Testing (Class 4 and 7)"),
    ("603/0813/8", "IMI Level 3 Diploma in Heavy Vehicle Maintenance and Repair"),
    ("600/5512/7", "IMI Level 1 Certificate in Motor Vehicle Studies"),
    ("603/1208/7", "IMI Level 2 Award in Air Conditioning Systems"),
]
QAP_TITLES = [
    ("QAP/0012", "Quality Assured Programme: Tyre Fitting"),
    ("QAP/0031", "Quality Assured Programme: ADAS Calibration"),
]
ACCREDITATIONS = [
    ("ACC/EV3", "IMI Accreditation: Electric Vehicle Technician Level 3"),
    ("ACC/LVT", "IMI Accreditation: Light Vehicle Technician"),
    ("ACC/MOT", "IMI Accreditation: MOT Tester"),
]
CENTRES = [
    ("0412", "Fanshaws", "Fanshaws, Brickendon", "Hertford", "SG13 8PQ", "fanshaws"),
    ("0877", "Northgate College", "12 Northgate Road", "Leeds", "LS2 7QT", "northgate"),
    ("1093", "Riverside Motor Academy", "Unit 4, Quay Street", "Cardiff", "CF10 1EA", "riverside"),
]
OPERATORS = [("Carly", "Hughes"), ("Rikki", "Hart"), ("Sarah", "James"), ("John", "Baker")]
GRADES = ["Pass", "Pass", "Pass", "Merit", "Distinction"]
TYPES = ["Certificate"] * 6 + ["Reprint", "Letter"]
CHUNK = 20_000


@dataclass(frozen=True)
class DemoSize:
    certificates: int = 2_400
    centres: int = 3
    fanshaws_batches: int = 40


def is_empty(engine: Engine) -> bool:
    with engine.connect() as connection:
        return not connection.scalar(select(func.count()).select_from(User))


def _chunks(rows: Iterator[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _insert(connection: Connection, model: type[Base], rows: Iterable[dict]) -> None:
    for chunk in _chunks(iter(rows)):
        connection.execute(model.__table__.insert(), chunk)


def _centre_rows(count: int) -> list[tuple[str, str, str, str, str, str]]:
    rows = list(CENTRES)
    towns = ["York", "Bristol", "Norwich", "Derby", "Exeter", "Swansea", "Perth", "Belfast"]
    for index in range(len(rows), count):
        town = towns[index % len(towns)]
        rows.append(
            (
                f"{2000 + index}",
                f"{town} Training Centre {index}",
                f"{index} High Street",
                town,
                "AB1 2CD",
                f"centre{index}",
            )
        )
    return rows[:count]


def _seed_reference_data(connection: Connection, size: DemoSize) -> list[int]:
    centres = _centre_rows(max(size.centres, len(CENTRES)))
    addresses: list[dict] = []
    centre_rows: list[dict[str, Any]] = []
    for index, (number, name, line1, town, postcode, slug) in enumerate(centres, start=1):
        addresses.append(
            dict(
                id=2 * index - 1,
                name=f"{name} Accounts",
                line1=line1,
                line2="",
                town=town,
                postcode=postcode,
                country="United Kingdom",
            )
        )
        addresses.append(
            dict(
                id=2 * index,
                name=f"{name} Exams Office",
                line1=line1,
                line2="",
                town=town,
                postcode=postcode,
                country="United Kingdom",
            )
        )
        centre_rows.append(
            dict(
                id=index,
                number=number,
                name=name,
                email=f"exams@{slug}.example",
                billing_address_id=2 * index - 1,
                delivery_address_id=2 * index,
            )
        )
    _insert(connection, Address, addresses)
    _insert(connection, Centre, centre_rows)
    qualifications = [
        dict(id=i, number=n, title=t, kind=k)
        for i, (n, t, k) in enumerate(
            [(n, t, QualificationKind.QUALIFICATION.value) for n, t in QUALIFICATIONS]
            + [(n, t, QualificationKind.QAP.value) for n, t in QAP_TITLES]
            + [(n, t, QualificationKind.ACCREDITATION.value) for n, t in ACCREDITATIONS],
            start=1,
        )
    ]
    _insert(connection, Qualification, qualifications)
    return [row["id"] for row in centre_rows]


def _seed_users(connection: Connection) -> list[int]:
    """The four demo logins, plus staff operators (no password) named as in the guide."""
    password = hash_password(DEMO_PASSWORD)
    people: list[tuple[int, str, str, str, Role, int | None, str | None]] = [
        (1, "coordinator@fanshaws.example", "John", "McNabhan", Role.COORDINATOR, 1, password),
        (2, "user@fanshaws.example", "Delia", "Buchanan", Role.CENTRE_USER, 1, password),
        (3, "coordinator@northgate.example", "Aoife", "O'Brien", Role.COORDINATOR, 2, password),
        (4, DEMO_STAFF_EMAIL, "Priya", "Shah", Role.STAFF, None, password),
    ]
    for offset, (first, last) in enumerate(OPERATORS, start=5):
        email = f"{first.lower()}.{last.lower()}@imi.example"
        people.append((offset, email, first, last, Role.STAFF, None, None))
    _insert(
        connection,
        User,
        [
            dict(
                id=i,
                email=e,
                first_name=f,
                surname=s,
                role=r.value,
                active_centre_id=c,
                password_hash=p,
                is_active=True,
                failed_logins=0,
                sessions_valid_after=dt.datetime(2000, 1, 1),
                created_at=dt.datetime(2016, 1, 4),
                telephone="",
                mobile="",
                totp_secret=DEMO_STAFF_TOTP_SECRET if e == DEMO_STAFF_EMAIL else None,
                totp_enabled_at=dt.datetime(2016, 1, 4) if e == DEMO_STAFF_EMAIL else None,
            )
            for i, e, f, s, r, c, p in people
        ],
    )
    _insert(
        connection,
        Membership,
        [  # John McNabhan coordinates Fanshaws and is a plain user at Riverside
            dict(user_id=1, centre_id=1, role=Role.COORDINATOR.value),
            dict(user_id=2, centre_id=1, role=Role.CENTRE_USER.value),
            dict(user_id=3, centre_id=2, role=Role.COORDINATOR.value),
            dict(user_id=1, centre_id=3, role=Role.CENTRE_USER.value),
        ],
    )
    return [row[0] for row in people[4:]]


def _certificates_per_centre(rng: random.Random, size: DemoSize) -> list[int]:
    """Fanshaws holds the lion's share of a small data set, its fair share of a large one."""
    if size.centres == 1:
        return [size.certificates, 0, 0]
    fanshaws = size.certificates // (2 if size.centres <= 5 else size.centres)
    return [fanshaws, *_split(rng, size.certificates - fanshaws, size.centres - 1)]


def _batch_dates(rng: random.Random, count: int) -> list[dt.datetime]:
    start = dt.datetime(2016, 1, 11, 9, 0)
    span = (dt.datetime.combine(TODAY, dt.time(9)) - start).total_seconds()
    moments = sorted(start + dt.timedelta(seconds=rng.random() * span) for _ in range(count))
    return [moment.replace(microsecond=0) for moment in moments]


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` certificates over `parts` batches: every batch at least one, a few large."""
    sizes = [1] * parts
    for _ in range(total - parts):
        sizes[min(int(rng.expovariate(1.0) * parts / 4), parts - 1)] += 1
    rng.shuffle(sizes)
    return sizes


class _CandidateMaker:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.next_id = 1

    def make(self) -> dict:
        rng, index = self.rng, self.next_id
        self.next_id += 1
        first = rng.choice(FIRST_NAMES)
        if rng.random() < 0.25:
            first = f"{first} {rng.choice(MIDDLE_NAMES)}"
        surname = rng.choice(SURNAMES)
        born = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 46 * 365))
        slug = search_key(first.split()[0]) + "." + search_key(surname)
        return dict(
            id=index,
            candidate_number=f"{42000000 + index * 7:08d}",
            first_name=first,
            surname=surname,
            birth_date=born,
            email=f"{slug}{index}@mail.example" if rng.random() < 0.85 else None,
        )


def seed_demo(engine: Engine, size: DemoSize | None = None, seed: int = 1800) -> dict[str, int]:
    """Load the demo data set into an empty, migrated database; returns row counts."""
    size = size or DemoSize()
    rng = random.Random(seed)
    qualification_ids = list(
        range(1, len(QUALIFICATIONS) + len(QAP_TITLES) + len(ACCREDITATIONS) + 1)
    )
    accreditation_ids = set(qualification_ids[-len(ACCREDITATIONS) :])
    with engine.begin() as connection:
        centre_ids = _seed_reference_data(connection, size)
        operator_ids = _seed_users(connection)
        per_centre = _certificates_per_centre(rng, size)
        candidates = _CandidateMaker(rng)
        batch_id = cert_id = 1
        batches, certificates, people, parts = [], [], [], []
        for centre_id, centre_total in zip(centre_ids, per_centre, strict=True):
            if centre_total == 0:
                continue
            batch_count = size.fanshaws_batches if centre_id == 1 else max(3, centre_total // 40)
            batch_count = min(batch_count, max(centre_total, 1))
            sizes = _split(rng, centre_total, batch_count)
            candidate = None
            for started, batch_size in zip(_batch_dates(rng, batch_count), sizes, strict=True):
                finished = started + dt.timedelta(minutes=rng.randrange(5, 600))
                batches.append(
                    dict(
                        id=batch_id,
                        centre_id=centre_id,
                        # Printed already: exports and candidate emails wait for Complete.
                        status=BatchStatus.COMPLETE.value,
                        failure_reason="",
                        started_at=started,
                        finished_at=finished,
                        operator_id=rng.choice(operator_ids),
                        records=batch_size,
                        batch_type=rng.choice(TYPES),
                        reference=rng.choice(["", "", "Summer cohort", "Evening class", "Resit"]),
                        email_status="",
                    )
                )
                for _ in range(batch_size):
                    if candidate is None or rng.random() < 0.6:
                        candidate = candidates.make()
                        people.append(candidate)
                    qualification_id = rng.choice(qualification_ids)
                    issued = started.date()
                    expiry = (
                        issued.replace(year=issued.year + 3)
                        if qualification_id in accreditation_ids and issued.day < 29
                        else None
                    )
                    certificates.append(
                        dict(
                            id=cert_id,
                            batch_id=batch_id,
                            centre_id=centre_id,
                            number=f"{16559933 + cert_id:09d}-{rng.randrange(1, 4):02d}-"
                            f"{rng.randrange(1000, 9999)}",
                            candidate_id=candidate["id"],
                            qualification_id=qualification_id,
                            grade=rng.choice(GRADES),
                            issue_date=issued,
                            expiry_date=expiry,
                            description="",
                            revoked=False,
                            candidate_number=candidate["candidate_number"],
                            first_name_key=search_key(candidate["first_name"]),
                            surname_key=search_key(candidate["surname"]),
                            birth_date=candidate["birth_date"],
                        )
                    )
                    parts += name_part_rows(
                        certificate_id=cert_id, centre_id=centre_id, surname=candidate["surname"]
                    )
                    cert_id += 1
                    if len(certificates) >= CHUNK:
                        _flush(connection, people, batches, certificates, parts)
                batch_id += 1
        _flush(connection, people, batches, certificates, parts)
        _advance_sequences(connection)
    return {
        "centres": len(centre_ids),
        "batches": batch_id - 1,
        "certificates": cert_id - 1,
        "candidates": candidates.next_id - 1,
    }


def _flush(connection: Connection, *tables: list) -> None:
    """Insert and empty the pending rows: people, batches, certificates, name parts."""
    models = (Candidate, PrintBatch, Certificate, CertificateNamePart)
    for model, rows in zip(models, tables, strict=True):
        _insert(connection, model, rows)
        rows.clear()


def _advance_sequences(connection: Connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    for table in (
        "addresses",
        "centres",
        "users",
        "candidates",
        "qualifications",
        "print_batches",
        "certificates",
    ):
        highest = connection.scalar(select(func.max(Base.metadata.tables[table].c.id))) or 0
        connection.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :next, false)"),
            {"table": table, "next": highest + 1},
        )
