"""The document card (guide: View Certificate Details)."""

from __future__ import annotations

import datetime as dt

import pytest

from core.certificates import get_document_card
from core.errors import NotFound
from tests.factories import make_actor, make_batch, make_candidate, make_centre, make_certificate


def test_document_card_shows_the_guide_fields(session):
    fanshaws = make_centre(session, "Fanshaws")
    candidate = make_candidate(session, first_name="Alison Jane", surname="Winbery")
    certificate = make_certificate(
        session, fanshaws, candidate=candidate, number="016559933-01-1800"
    )
    card = get_document_card(
        session, actor=make_actor(session, fanshaws), certificate_id=certificate.id
    )
    assert (card.number, card.full_name, card.centre, card.grade) == (
        "016559933-01-1800",
        "Alison Jane Winbery",
        "Fanshaws",
        "Pass",
    )
    assert card.candidate_number == candidate.candidate_number


@pytest.mark.parametrize(
    ("issued", "has_pdf"),
    [(dt.date(2017, 10, 31), False), (dt.date(2017, 11, 1), True), (dt.date(2016, 3, 1), False)],
)
def test_certificates_before_1_november_2017_have_a_card_only(session, issued, has_pdf):
    centre = make_centre(session)
    certificate = make_certificate(session, centre, issue_date=issued)
    card = get_document_card(
        session, actor=make_actor(session, centre), certificate_id=certificate.id
    )
    assert card.has_pdf is has_pdf


def test_other_centre_certificate_is_not_found(session):
    fanshaws, northgate = make_centre(session, "Fanshaws"), make_centre(session, "Northgate")
    theirs = make_certificate(session, northgate)
    with pytest.raises(NotFound, match="no certificate with that ID"):
        get_document_card(session, actor=make_actor(session, fanshaws), certificate_id=theirs.id)


def test_document_card_prints_as_a_pdf_with_any_name(session):
    from core.pdf import document_card_pdf

    centre = make_centre(session)
    candidate = make_candidate(session, first_name="Zoë", surname="Nowak-Łukasiewicz")
    certificate = make_certificate(session, centre, candidate=candidate)
    card = get_document_card(
        session, actor=make_actor(session, centre), certificate_id=certificate.id
    )
    pdf = document_card_pdf(card)
    assert pdf.startswith(b"%PDF-") and b"/Encrypt" not in pdf


@pytest.mark.parametrize(
    ("status", "printed_text"),
    [
        ("COMPLETE", ""),
        ("PENDING", "Not printed yet: batch {id} is Pending."),
        ("PRINTING", "Not printed yet: batch {id} is Printing."),
    ],
)
def test_the_card_of_a_certificate_whose_batch_is_not_complete_says_not_printed_yet(
    session, status, printed_text
):
    centre = make_centre(session)
    batch = make_batch(session, centre, status=status)
    certificate = make_certificate(session, centre, batch=batch)
    card = get_document_card(
        session, actor=make_actor(session, centre), certificate_id=certificate.id
    )
    assert card.not_printed_text == printed_text.format(id=batch.id)
