"""Orders: the centre's table with its filters, one order's page, the confirmation email."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.checkout import place_order, settle_card_answer
from core.errors import NotFound
from core.mail import send_email
from core.models import OutboxEmail, Role
from core.orders import OrderFilters, claim_confirmation, get_order, list_orders
from core.payments.base import PaymentMethod
from tests.factories import make_actor
from tests.ordering import (
    ABROAD,
    centre_with_addresses,
    checkout,
    gateway_answer,
    placed_order,
)


@pytest.fixture
def fanshaws(session):
    return centre_with_addresses(session)


@pytest.fixture
def actor(session, fanshaws):
    return make_actor(session, fanshaws)


def test_orders_table_has_the_guide_columns_newest_first(session, actor, fanshaws):
    older = placed_order(session, actor, fanshaws, lines=2, reference="Light Vehicle")
    older.created_at = dt.datetime(2017, 11, 16, 11, 28)
    placed_order(session, actor, fanshaws, reference="DH Reprint")
    rows = list_orders(session, actor=actor).rows
    assert [(r.total_products, r.reference, r.provider, r.status) for r in rows] == [
        (1, "DH Reprint", "Centre Credits", "Processing (Centre credits)"),
        (2, "Light Vehicle", "Centre Credits", "Processing (Centre credits)"),
    ]


def test_orders_filter_by_provider_status_and_created_dates(session, actor, fanshaws):
    card = placed_order(session, actor, fanshaws, method=PaymentMethod.CARD)
    card.created_at = dt.datetime(2018, 1, 3, 16, 3)
    credits = placed_order(session, actor, fanshaws)

    def ids(**filters):
        return [
            row.id
            for row in list_orders(session, actor=actor, filters=OrderFilters(**filters)).rows
        ]

    assert ids(provider="SagePay") == [card.id]
    assert ids(status="Processing (Centre credits)") == [credits.id]
    assert ids(created_from=dt.date(2018, 1, 3), created_to=dt.date(2018, 1, 3)) == [card.id]
    assert ids(created_to=dt.date(2018, 1, 2)) == []


def test_orders_are_paged_like_every_table(session, actor, fanshaws):
    for _ in range(12):
        placed_order(session, actor, fanshaws)
    page = list_orders(session, actor=actor, page=2, per_page=10)
    assert page.summary == "Page 2 of 2 | View 10 records | Found total 12 records"
    assert len(page.rows) == 2


def test_another_centres_orders_are_neither_listed_nor_viewable(session, actor, fanshaws):
    northgate = centre_with_addresses(session, "Northgate")
    theirs = placed_order(session, make_actor(session, northgate), northgate)
    assert list_orders(session, actor=actor).total == 0
    for order_id in (theirs.id, theirs.id + 1000, -1):
        with pytest.raises(NotFound, match="There is no order with that ID"):
            get_order(session, actor=actor, order_id=order_id)
    staff = make_actor(session, fanshaws, role=Role.STAFF)
    assert get_order(session, actor=staff, order_id=theirs.id).id == theirs.id


def test_order_view_shows_lines_addresses_delivery_and_history(session, actor, fanshaws):
    order = placed_order(session, actor, fanshaws, method=PaymentMethod.CARD, option="first_class")
    placed_url = place_order(
        session,
        actor=actor,
        checkout=checkout(method=PaymentMethod.CARD, option="first_class"),
        token=order.checkout_token,
    ).redirect_url
    settle_card_answer(session, actor=actor, crypt=gateway_answer(placed_url))
    details = get_order(session, actor=actor, order_id=order.id)
    (line,) = details.lines
    assert (line.product_name, line.reason, line.price_pence) == ("Document Reprint", "Lost", 2588)
    assert details.delivery[:3] == ["Delia Buchanan", "2 Post Road", "Unit 4"]
    assert details.billing[-2:] == ["LS1 4AP", "United Kingdom"]
    assert (details.delivery_option, details.total_pence, details.card_last4) == (
        "Royal Mail signed for 1st Class",
        2938,
        "0006",
    )
    assert [change.status for change in details.history] == [
        "Awaiting payment",
        "Processing (Cleared payment)",
    ]


def test_confirmation_email_goes_to_the_user_once(session, actor, fanshaws):
    order = placed_order(session, actor, fanshaws, option="first_class")
    email = claim_confirmation(session, actor=actor, order_id=order.id)
    send_email(session, to=email.to, subject=email.subject, body=email.body)
    assert claim_confirmation(session, actor=actor, order_id=order.id) is None
    sent = session.scalar(select(OutboxEmail))
    assert sent.to_address == actor.email and "Total £29.38" in sent.body


def test_no_confirmation_while_a_card_payment_waits(session, actor, fanshaws):
    order = placed_order(session, actor, fanshaws, method=PaymentMethod.CARD)
    assert claim_confirmation(session, actor=actor, order_id=order.id) is None


def test_international_order_email_says_staff_will_arrange_the_charge(session, actor, fanshaws):
    order = placed_order(
        session, actor, fanshaws, method=PaymentMethod.CARD, option="international", delivery=ABROAD
    )
    url = place_order(
        session,
        actor=actor,
        checkout=checkout(method=PaymentMethod.CARD, option="international", delivery=ABROAD),
        token=order.checkout_token,
    ).redirect_url
    settle_card_answer(session, actor=actor, crypt=gateway_answer(url))
    email = claim_confirmation(session, actor=actor, order_id=order.id)
    assert "work out the delivery charge" in email.body
