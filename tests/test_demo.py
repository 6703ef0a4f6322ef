"""Demo data: deterministic, realistic, and the documented logins work."""

import datetime as dt
import secrets

import pyotp
import pytest
from sqlalchemy import func, select

from core import auth, two_factor
from core.cli import main
from core.db import get_engine, migrate, session_scope
from core.demo import (
    DEMO_PASSWORD,
    DEMO_STAFF_EMAIL,
    DEMO_STAFF_TOTP_SECRET,
    DemoSize,
    seed_demo,
)
from core.models import Candidate, Centre, Certificate, PrintBatch, User
from core.search import SearchCriteria, search_certificates
from core.users import actor_for

LOGINS = [
    "coordinator@fanshaws.example",
    "user@fanshaws.example",
    "coordinator@northgate.example",
    "staff@imi.example",
]


def test_demo_data_matches_the_issue(db_url):
    counts = seed_demo(get_engine(db_url))
    assert counts["centres"] >= 3 and counts["certificates"] >= 2000
    with session_scope(db_url) as session:
        fanshaws = session.scalar(select(Centre).where(Centre.name == "Fanshaws"))
        batches = session.scalar(select(func.count()).where(PrintBatch.centre_id == fanshaws.id))
        assert 35 <= batches <= 45
        statuses = set(session.scalars(select(PrintBatch.status).distinct()))
        assert statuses == {"COMPLETE"}  # printed already, so exports and emails work
        surnames = set(session.scalars(select(Candidate.surname)))
        first_names = {n.split()[0] for n in session.scalars(select(Candidate.first_name))}
        assert {"O'Brien", "Nowak-Łukasiewicz"} <= surnames and {"Siân", "Zoë"} <= first_names
        early = select(func.count()).where(Certificate.issue_date < dt.date(2017, 11, 1))
        assert session.scalar(early) > 0


def test_demo_logins_sign_in_with_the_demo_password(db_url):
    seed_demo(get_engine(db_url))
    for email in LOGINS:
        assert auth.sign_in(email=email, password=DEMO_PASSWORD).email == email


def test_demo_staff_completes_sign_in_with_a_code_from_the_published_secret(db_url):
    seed_demo(get_engine(db_url))
    accepted = auth.sign_in(email=DEMO_STAFF_EMAIL, password=DEMO_PASSWORD)
    code = pyotp.TOTP(DEMO_STAFF_TOTP_SECRET).now()
    signed_in = two_factor.finish_sign_in(pending=accepted.pending, code=code)
    assert (accepted.needs_code, signed_in.email) == (True, DEMO_STAFF_EMAIL)


def test_demo_code_prints_the_demo_staff_code_of_the_moment(db_url, capsys):
    before = pyotp.TOTP(DEMO_STAFF_TOTP_SECRET).now()
    assert main(["demo-code"]) == 0
    after = pyotp.TOTP(DEMO_STAFF_TOTP_SECRET).now()
    printed = capsys.readouterr().out.split()[0]
    assert printed in {before, after}


def _certificate_rows(url: str) -> list[tuple]:
    migrate(url)
    seed_demo(get_engine(url), DemoSize(certificates=300))
    query = select(Certificate.number, Certificate.surname_key, Certificate.issue_date)
    with session_scope(url) as session:
        return session.execute(query.order_by(Certificate.id)).all()


def test_demo_data_is_deterministic(tmp_path):
    first = _certificate_rows(f"sqlite:///{tmp_path / 'one.db'}")
    second = _certificate_rows(f"sqlite:///{tmp_path / 'two.db'}")
    assert len(first) == 300 and first == second


def test_seed_demo_if_empty_leaves_existing_data_alone(db_url, capsys):
    seed_demo(get_engine(db_url), DemoSize(certificates=300))
    assert main(["seed-demo", "--if-empty"]) == 0
    assert "already holds data" in capsys.readouterr().out


@pytest.mark.parametrize("spelling", ["production", "Production", "PRODUCTION"])
def test_production_never_loads_demo_data_whatever_the_spelling(
    db_url, monkeypatch, capsys, spelling
):
    from core.config import get_settings

    monkeypatch.setenv("APP_ENV", spelling)
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(32))
    monkeypatch.setenv("PDF_OWNER_PASSWORD", secrets.token_urlsafe(16))
    monkeypatch.setenv("OPAYO_ENCRYPTION_PASSWORD", secrets.token_urlsafe(12))
    get_settings.cache_clear()
    assert main(["seed-demo", "--if-empty"]) == 0
    assert "never loaded" in capsys.readouterr().out
    with session_scope(db_url) as session:
        assert session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_demo_certificates_are_found_by_a_later_part_of_the_surname(db_url):
    seed_demo(get_engine(db_url))
    with session_scope(db_url) as session:
        staff = actor_for(session, user=session.scalar(select(User).where(User.role == "staff")))
        found = search_certificates(session, actor=staff, criteria=SearchCriteria(surname="lukas"))
    assert found.total > 0 and {row.surname for row in found.rows} == {"Nowak-Łukasiewicz"}
