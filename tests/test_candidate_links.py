"""Candidate sharing: the notice email carries a personal link, valid 90 days, to the
candidate's certificate, its signed PDF and its verification address."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from core.candidate_links import candidate_pdf, open_candidate_link
from core.db import session_scope
from core.errors import NotFound
from core.models import CandidateLink, Certificate, OutboxEmail, utcnow
from core.notices import email_candidates
from core.signing import check_signature
from tests.factories import make_actor, make_batch, make_candidate, make_centre, make_certificate
from tests.queue import run_queued_tasks

LINK = re.compile(r"http://localhost:8501/my-certificate\?token=([\w-]+)")


@pytest.fixture
def emailed(db_url) -> dict:
    """Siân has been sent the notice for her certificate; her link is in the email."""
    with session_scope(db_url) as session:
        centre = make_centre(session, "Fanshaws")
        batch = make_batch(session, centre)
        candidate = make_candidate(session, first_name="Siân", email="sian@mail.example")
        certificate = make_certificate(session, centre, batch=batch, candidate=candidate)
        actor = make_actor(session, centre)
        certificate_id, number = certificate.id, certificate.number
    with session_scope(db_url) as session:
        email_candidates(session, actor=actor, batch_ids=[batch.id])
    run_queued_tasks()
    with session_scope(db_url) as session:
        body = session.scalar(select(OutboxEmail.body))
    return {
        "body": body,
        "token": LINK.search(body).group(1),
        "id": certificate_id,
        "number": number,
    }


def _open(token, now=None):
    with session_scope() as session:
        return open_candidate_link(session, token=token, now=now)


def test_the_notice_email_carries_a_personal_link_valid_for_90_days(emailed):
    assert "works for 90 days" in emailed["body"]
    mine = _open(emailed["token"])
    assert mine.certificate.number == emailed["number"]
    assert mine.certificate.status == "Valid"
    assert (mine.expires_at - utcnow()).days == 89  # 90 days less the seconds since


def test_only_the_tokens_hash_is_stored(emailed):
    with session_scope() as session:
        stored = session.scalar(select(CandidateLink.token_hash))
    assert emailed["token"] not in stored and len(stored) == 64


def test_the_link_gives_the_verification_address_and_a_signed_pdf(emailed):
    mine = _open(emailed["token"])
    with session_scope() as session:
        code = session.get(Certificate, emailed["id"]).verify_code
    assert mine.verify_url == f"http://localhost:8501/verify?code={code}"
    assert check_signature(candidate_pdf(token=emailed["token"])).intact


def test_an_expired_link_says_so_clearly(emailed):
    later = utcnow() + dt.timedelta(days=90, minutes=1)
    with pytest.raises(NotFound, match="expired or is not valid"):
        _open(emailed["token"], now=later)
    with pytest.raises(NotFound, match="work for 90 days"):
        candidate_pdf(token=emailed["token"], now=later)
    assert _open(emailed["token"], now=utcnow() + dt.timedelta(days=89)).has_pdf


def test_a_made_up_link_is_refused_alike(emailed):
    for token in ("", "x" * 43, emailed["token"][:-1]):
        with pytest.raises(NotFound, match="expired or is not valid"):
            _open(token)


def test_a_certificate_whose_name_the_font_cannot_print_says_so_instead_of_a_pdf(db_url, emailed):
    with session_scope(db_url) as session:
        session.get(Certificate, emailed["id"]).candidate.surname = "山田"
    with pytest.raises(NotFound, match=r"cannot be made: its name holds letters .*\(山田\)"):
        candidate_pdf(token=emailed["token"])
