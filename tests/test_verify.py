"""The public Verify page's answers: by the QR code's address, by number and surname,
by an uploaded PDF; every question recorded and every client rate limited."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import uuid

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import func, select

from core import config
from core.certificates import get_document_card
from core.db import session_scope
from core.errors import NotFound
from core.models import Certificate, Role, Verification
from core.revocation import revoke_certificate
from core.verify import (
    NO_MATCH,
    TooManyVerifications,
    check_rate,
    give_verify_code,
    verify_by_code,
    verify_by_number,
)
from tests.factories import make_actor, make_candidate, make_centre, make_certificate

TODAY = dt.date(2026, 11, 29)


@pytest.fixture
def client() -> str:
    """A client of its own per test: the rate limit's counters outlive a test."""
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture
def certificate(db_url) -> dict:
    """Siân O'Brien's certificate at Fanshaws, with its verification code."""
    with session_scope(db_url) as session:
        centre = make_centre(session, "Fanshaws")
        candidate = make_candidate(
            session, first_name="Siân", surname="O'Brien", email="sian@mail.example"
        )
        made = make_certificate(session, centre, candidate=candidate)
        made.expiry_date = dt.date(2029, 6, 6)
        return {
            "id": made.id,
            "number": made.number,
            "code": give_verify_code(session, made.id),
            "centre": centre,
            "candidate_number": candidate.candidate_number,
        }


def _by_number(db_url, number, surname, client, today=TODAY):
    with session_scope(db_url) as session:
        return verify_by_number(session, number=number, surname=surname, client=client, today=today)


def _by_code(db_url, code, client, today=TODAY):
    with session_scope(db_url) as session:
        return verify_by_code(session, code=code, client=client, today=today)


def test_a_certificate_in_date_is_valid(db_url, certificate, client):
    found = _by_code(db_url, certificate["code"], client)
    assert (found.status_text, found.full_name) == ("Valid", "Siân O'Brien")
    assert found.awarding_body == "Institute of the Motor Industry"


def test_a_certificate_past_its_expiry_date_is_expired_with_the_date(db_url, certificate, client):
    found = _by_code(db_url, certificate["code"], client, today=dt.date(2029, 6, 7))
    assert found.status_text == "Expired on 06/06/2029"


def test_a_revoked_certificate_is_revoked_with_its_date(db_url, certificate, client):
    with session_scope(db_url) as session:
        staff = make_actor(session, role=Role.STAFF)
        revoke_certificate(
            session, actor=staff, number=certificate["number"], reason="Issued in error"
        )
    found = _by_number(db_url, certificate["number"], "O'Brien", client)
    assert found.status_text == f"Revoked on {dt.date.today():%d/%m/%Y}"


def test_number_and_surname_find_it_whatever_the_case_accents_or_apostrophe(
    db_url, certificate, client
):
    for surname in ("O'Brien", "obrien", "O’BRIEN"):
        assert _by_number(db_url, f" {certificate['number']} ", surname, client).status == "Valid"


def test_a_wrong_number_and_a_wrong_surname_get_the_same_answer(db_url, certificate, client):
    answers = []
    for number, surname in (
        ("016559933-01-9999", "O'Brien"),
        (certificate["number"], "Winbery"),
        (certificate["number"], ""),
        ("", ""),
    ):
        with pytest.raises(NotFound) as refused:
            _by_number(db_url, number, surname, client)
        answers.append(refused.value.message)
    assert set(answers) == {NO_MATCH}


def test_an_unknown_or_malformed_code_gets_the_same_answer(db_url, certificate, client):
    for code in ("x" * 24, "", "' OR 1=1 --", certificate["code"] + "x"):
        with pytest.raises(NotFound, match="No matching certificate"):
            _by_code(db_url, code, client)


def test_the_answer_holds_nothing_private(db_url, certificate, client):
    found = _by_code(db_url, certificate["code"], client)
    shown = " ".join(f"{label} {value}" for label, value in found.fields())
    everything = " ".join(str(value) for value in dataclasses.asdict(found).values())
    for private in (
        "1981",  # the date of birth, 30/09/1981
        "30/09",
        "sian@mail.example",
        certificate["candidate_number"],
        "Fanshaws",  # the centre (and so its address) is not the public's business
    ):
        assert private not in shown and private not in everything


def test_every_verification_is_recorded_and_the_centre_sees_how_often(db_url, certificate, client):
    _by_code(db_url, certificate["code"], client)
    _by_number(db_url, certificate["number"], "O'Brien", client)
    with pytest.raises(NotFound):
        _by_number(db_url, certificate["number"], "Wrong", client)
    with session_scope(db_url) as session:
        assert session.scalar(select(func.count()).select_from(Verification)) == 3
        actor = make_actor(session, certificate["centre"])
        card = get_document_card(session, actor=actor, certificate_id=certificate["id"])
    assert card.times_verified == 2


def test_another_centre_cannot_see_the_count(db_url, certificate):
    with session_scope(db_url) as session:
        stranger = make_actor(session, make_centre(session, "Northgate"))
        with pytest.raises(NotFound):
            get_document_card(session, actor=stranger, certificate_id=certificate["id"])


def _limited(monkeypatch, limit: str, url: str) -> None:
    monkeypatch.setenv("VERIFY_RATE_LIMIT", limit)
    monkeypatch.setenv("RATE_LIMIT_URL", url)
    config.get_settings.cache_clear()


def test_a_client_is_refused_past_the_limit_in_memory(db_url, certificate, client, monkeypatch):
    _limited(monkeypatch, "3/minute", "memory://")
    for _ in range(3):
        _by_code(db_url, certificate["code"], client)
    with pytest.raises(TooManyVerifications, match="Too many verifications"):
        _by_code(db_url, certificate["code"], client)
    assert _by_code(db_url, certificate["code"], f"{client}-other").status == "Valid"


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
def test_the_limit_is_shared_by_every_process_through_redis(client, monkeypatch):
    _limited(monkeypatch, "2/minute", os.environ["REDIS_URL"])
    check_rate(client)
    check_rate(client)
    with pytest.raises(TooManyVerifications):
        check_rate(client)
    another_process = MovingWindowRateLimiter(storage_from_string(os.environ["REDIS_URL"]))
    assert not another_process.test(parse("2/minute"), "verify", client)
    assert another_process.test(parse("2/minute"), "verify", f"{client}-other")


def test_a_refused_client_changes_nothing(db_url, certificate, client, monkeypatch):
    _limited(monkeypatch, "1/minute", "memory://")
    _by_code(db_url, certificate["code"], client)
    with pytest.raises(TooManyVerifications):
        _by_code(db_url, certificate["code"], client)
    with session_scope(db_url) as session:
        assert session.scalar(select(func.count()).select_from(Verification)) == 1
        assert session.get(Certificate, certificate["id"]).verify_code == certificate["code"]
