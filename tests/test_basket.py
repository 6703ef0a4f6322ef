"""The Document Reprint form and the basket: one of each product per achievement."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.basket import (
    add_to_basket,
    basket_rows,
    basket_summary,
    order_form,
    remove_basket_lines,
    update_basket,
)
from core.errors import InvalidInput, NotFound
from core.models import AuditEvent
from tests.factories import (
    make_actor,
    make_batch,
    make_centre,
    make_certificate,
    make_qualification,
)


@pytest.fixture
def fanshaws(session):
    return make_centre(session, "Fanshaws")


def _add(session, actor, certificate, product="reprint", **kwargs):
    values = {"quantity": 1, "reason": "Duplicate required"} | kwargs
    return add_to_basket(
        session, actor=actor, certificate_id=certificate.id, product=product, **values
    )


def test_form_shows_the_qualification_reference_and_guide_price(session, fanshaws):
    qualification = make_qualification(session, "IMI Level 1 Award in Cycle Maintenance")
    certificate = make_certificate(session, fanshaws, qualification=qualification)
    form = order_form(
        session,
        actor=make_actor(session, fanshaws),
        certificate_id=certificate.id,
        product="reprint",
    )
    assert (form.product_name, form.qualification_title, form.reference, form.price_pence) == (
        "Document Reprint",
        "IMI Level 1 Award in Cycle Maintenance",
        certificate.number,
        2588,
    )
    assert form.refused is None


def test_added_reprint_is_in_the_basket_and_the_header_summary(session, fanshaws):
    actor = make_actor(session, fanshaws)
    certificate = make_certificate(session, fanshaws)
    _add(session, actor, certificate, reason="Other", other_reason="Water   damage")
    (row,) = basket_rows(session, actor=actor)
    assert (row.reference, row.reason, row.quantity, row.gross_pence) == (
        certificate.number,
        "Other: Water damage",
        1,
        2588,
    )
    summary = basket_summary(session, actor=actor)
    assert (summary.items, summary.total_pence) == (1, 2588)
    assert session.scalar(select(AuditEvent.action)) == "basket_line_added"


def test_reprint_and_proof_letter_of_one_achievement_may_both_be_ordered(session, fanshaws):
    actor = make_actor(session, fanshaws)
    certificate = make_certificate(session, fanshaws)
    _add(session, actor, certificate, "reprint")
    _add(session, actor, certificate, "proof_letter")
    names = [row.product_name for row in basket_rows(session, actor=actor)]
    assert names == ["Document Reprint", "Proof of Qualification Letter"]


def test_same_item_twice_in_own_basket_is_refused(session, fanshaws):
    actor = make_actor(session, fanshaws)
    certificate = make_certificate(session, fanshaws)
    _add(session, actor, certificate)
    with pytest.raises(InvalidInput, match="already in your basket"):
        _add(session, actor, certificate)


def test_item_in_a_colleagues_basket_is_refused_and_the_form_says_so(session, fanshaws):
    certificate = make_certificate(session, fanshaws)
    _add(session, make_actor(session, fanshaws), certificate)
    colleague = make_actor(session, fanshaws)
    form = order_form(session, actor=colleague, certificate_id=certificate.id, product="reprint")
    assert "colleague's basket" in form.refused
    with pytest.raises(InvalidInput, match="colleague's basket"):
        _add(session, colleague, certificate)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"quantity": 2}, "One copy only"),
        ({"quantity": 0}, "One copy only"),
        ({"reason": "Bored"}, "reason"),
        ({"reason": "Other", "other_reason": " "}, "3 to 150"),
        ({"product": "poster"}, "reprint or a proof"),
    ],
)
def test_bad_requests_are_refused_and_nothing_is_added(session, fanshaws, changes, message):
    actor = make_actor(session, fanshaws)
    certificate = make_certificate(session, fanshaws)
    with pytest.raises(InvalidInput, match=message):
        _add(session, actor, certificate, **changes)
    assert basket_rows(session, actor=actor) == []


def test_another_centres_certificate_cannot_be_ordered(session, fanshaws):
    theirs = make_certificate(session, make_centre(session, "Northgate"))
    actor = make_actor(session, fanshaws)
    with pytest.raises(NotFound, match="no certificate with that ID"):
        order_form(session, actor=actor, certificate_id=theirs.id, product="reprint")
    with pytest.raises(NotFound, match="no certificate with that ID"):
        _add(session, actor, theirs)


def test_remove_selected_and_update_to_zero_empty_the_basket(session, fanshaws):
    actor = make_actor(session, fanshaws)
    first, second = (_add(session, actor, make_certificate(session, fanshaws)) for _ in range(2))
    remove_basket_lines(session, actor=actor, line_ids=[first.id])
    update_basket(session, actor=actor, quantities={second.id: 0})
    assert basket_rows(session, actor=actor) == []


def test_update_refuses_more_than_one_copy(session, fanshaws):
    actor = make_actor(session, fanshaws)
    line = _add(session, actor, make_certificate(session, fanshaws))
    with pytest.raises(InvalidInput, match="One copy only"):
        update_basket(session, actor=actor, quantities={line.id: 3})


def test_a_colleagues_basket_line_cannot_be_removed(session, fanshaws):
    line = _add(session, make_actor(session, fanshaws), make_certificate(session, fanshaws))
    with pytest.raises(NotFound):
        remove_basket_lines(session, actor=make_actor(session, fanshaws), line_ids=[line.id])


@pytest.mark.parametrize("product", ["reprint", "proof_letter"])
@pytest.mark.parametrize("status", ["PENDING", "PRINTING", "FAILED"])
def test_a_certificate_never_printed_cannot_be_ordered(session, fanshaws, status, product):
    batch = make_batch(session, fanshaws, status=status, finished_at=None)
    certificate = make_certificate(session, fanshaws, batch=batch)
    actor = make_actor(session, fanshaws)
    form = order_form(session, actor=actor, certificate_id=certificate.id, product=product)
    assert form.refused == (
        f"Certificate {certificate.number} has not been printed yet: it can be ordered "
        "once its batch is Complete."
    )
    with pytest.raises(InvalidInput, match="not been printed yet"):
        _add(session, actor, certificate, product=product)
    assert basket_rows(session, actor=actor) == []
