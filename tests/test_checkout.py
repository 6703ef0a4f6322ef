"""Checkout: addresses, delivery options, totals, placing once, Centre Credits, cards
through the test gateway, and the one-per-achievement rule under concurrency."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from sqlalchemy import select, text

from core import config
from core.addresses import AddressInput, check_address
from core.basket import basket_rows, order_form
from core.checkout import cancel_order, place_order, settle_card_payment, totals
from core.db import session_scope
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.models import Address, AuditEvent, Base, BasketLine, Order, OrderEvent, OrderLine, Role
from core.payments.base import PaymentMethod
from core.prices import price_list
from core.users import actor_for
from tests.factories import make_actor, make_user
from tests.ordering import (
    ABROAD,
    TYPED_DELIVERY,
    centre_with_addresses,
    checkout,
    fill_basket,
    gateway_answer,
    token,
)

CARD = PaymentMethod.CARD


@pytest.fixture
def fanshaws(session):
    return centre_with_addresses(session)


@pytest.fixture
def actor(session, fanshaws):
    return make_actor(session, fanshaws)


def _place(session, actor, **kwargs):
    return place_order(
        session, actor=actor, checkout=checkout(**kwargs), token=token(session, actor)
    )


@pytest.mark.parametrize(
    ("postcode", "country", "kept"),
    [
        ("sw1a1aa", "United Kingdom", "SW1A 1AA"),
        ("M1 1AE", "United Kingdom", "M1 1AE"),
        ("GIR 0AA", "United Kingdom", "GIR 0AA"),
        ("75001", "France", "75001"),
        ("", "Ireland", ""),
    ],
)
def test_uk_postcodes_are_checked_and_other_countries_allowed(postcode, country, kept):
    address = AddressInput("A", "B", "1 Road", "", "Town", postcode, country)
    assert check_address(address, "Delivery").postcode == kept


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"postcode": "12345"}, "not a UK postcode"),
        ({"postcode": ""}, "not a UK postcode"),
        ({"surname": " ", "town": ""}, "enter the surname, town or city"),
        ({"country": "Atlantis"}, "country from the list"),
        ({"line1": "x" * 101}, "at most 100"),
    ],
)
def test_bad_addresses_get_a_message(changes, message):
    with pytest.raises(InvalidInput, match=message):
        check_address(replace(TYPED_DELIVERY, **changes), "Delivery")


def test_totals_with_first_class_delivery(session, actor, fanshaws):
    fill_basket(session, actor, fanshaws)
    money = totals(basket_rows(session, actor=actor), price_list().delivery["first_class"])
    assert (money.subtotal_pence, money.delivery_pence, money.vat_pence) == (2588, 350, 0)
    assert money.total_pence == 2938


def test_vat_is_charged_per_line_at_the_configured_rate(session, actor, fanshaws, monkeypatch):
    monkeypatch.setenv("VAT_RATE_PERCENT", "20")
    config.get_settings.cache_clear()
    fill_basket(session, actor, fanshaws, count=2)
    money = totals(basket_rows(session, actor=actor), price_list().delivery["first_class"])
    assert (money.vat_pence, money.total_pence) == (2 * 518 + 70, 2 * 2588 + 350 + 2 * 518 + 70)


def test_centre_credits_order_is_processing_with_the_addresses_on_file(session, actor, fanshaws):
    fill_basket(session, actor, fanshaws)
    placed = _place(session, actor, option="first_class")
    order = session.get(Order, placed.order_id)
    assert (placed.status, placed.redirect_url) == ("Processing (Centre credits)", None)
    assert (order.total_pence, order.reference, order.payment_provider) == (
        2938,
        "DH Reprint",
        "Centre Credits",
    )
    billing, delivery = (
        session.get(Address, order.billing_address_id),
        session.get(Address, order.delivery_address_id),
    )
    assert (billing.line1, delivery.line1) == ("Fanshaws House", "Fanshaws Lane")
    assert basket_rows(session, actor=actor) == []
    assert "order_status_changed" in session.scalars(select(AuditEvent.action)).all()


def test_credits_need_the_centres_addresses_on_file(session, actor, fanshaws):
    fanshaws.billing_address = None
    fill_basket(session, actor, fanshaws)
    with pytest.raises(InvalidInput, match="no billing or delivery address on file"):
        _place(session, actor)


def test_placing_twice_makes_one_order(session, actor, fanshaws):
    fill_basket(session, actor, fanshaws)
    shown = token(session, actor)
    first = place_order(session, actor=actor, checkout=checkout(), token=shown)
    again = place_order(session, actor=actor, checkout=checkout(), token=shown)
    assert first.order_id == again.order_id
    assert session.scalar(select(text("count(*)")).select_from(Order)) == 1


def test_a_basket_changed_since_the_page_was_drawn_is_not_placed(session, actor, fanshaws):
    fill_basket(session, actor, fanshaws)
    with pytest.raises(InvalidInput, match="basket changed"):
        place_order(session, actor=actor, checkout=checkout(), token="stale")


def test_international_delivery_is_free_and_flagged_for_staff(session, actor, fanshaws):
    fill_basket(session, actor, fanshaws)
    placed = _place(session, actor, method=CARD, option="international", delivery=ABROAD)
    order = session.get(Order, placed.order_id)
    assert (order.international, order.delivery_pence, order.delivery_option) == (
        True,
        0,
        "International",
    )


@pytest.mark.parametrize(
    ("option", "delivery", "message"),
    [
        ("international", TYPED_DELIVERY, "outside the United Kingdom"),
        ("first_class", ABROAD, "choose International"),
        ("pigeon", TYPED_DELIVERY, "delivery option"),
    ],
)
def test_delivery_option_must_fit_the_address(session, actor, fanshaws, option, delivery, message):
    fill_basket(session, actor, fanshaws)
    with pytest.raises(InvalidInput, match=message):
        _place(session, actor, option=option, delivery=delivery)
    assert session.scalar(select(Order)) is None


def test_card_order_waits_for_payment_then_clears(session, actor, fanshaws):
    fill_basket(session, actor, fanshaws)
    placed = _place(session, actor, method=CARD, option="first_class")
    assert placed.status == "Awaiting payment"
    assert "/test-gateway?VPSProtocol=4.00&TxType=PAYMENT" in placed.redirect_url
    assert len(basket_rows(session, actor=actor)) == 1
    order = settle_card_payment(session, actor=actor, crypt=gateway_answer(placed.redirect_url))
    assert (order.status, order.card_last4, order.total_pence) == (
        "Processing (Cleared payment)",
        "0006",
        2938,
    )
    assert order.provider_transaction_id.startswith("{")
    billing = session.get(Address, order.billing_address_id)
    assert (billing.line1, billing.postcode) == ("1 Card Street", "LS1 4AP")
    assert basket_rows(session, actor=actor) == []


@pytest.mark.parametrize(
    ("card", "why"),
    [
        (("4111 1111 1111 1111", "12/39", "123"), "declined by the bank"),
        (("4929 0000 0000 7", "12/39", "123"), "card number is not valid"),
        (("4929000000006", "01/20", "123"), "expired"),
        (("4929000000006", "12/39", "999"), "security code"),
    ],
)
def test_declined_card_keeps_the_basket_says_why_and_frees_the_item(
    session, actor, fanshaws, card, why
):
    (certificate,) = fill_basket(session, actor, fanshaws)
    placed = _place(session, actor, method=CARD)
    order = settle_card_payment(
        session, actor=actor, crypt=gateway_answer(placed.redirect_url, card=card)
    )
    assert order.status == "Payment declined" and why in order.payment_detail
    assert len(basket_rows(session, actor=actor)) == 1
    assert not session.scalar(select(OrderLine.active))
    form = order_form(session, actor=actor, certificate_id=certificate.id, product="reprint")
    assert form.refused == "This is already in your basket."
    assert _place(session, actor, method=CARD).order_id != order.id


def test_reloading_the_providers_answer_changes_nothing(session, actor, fanshaws):
    fill_basket(session, actor, fanshaws)
    placed = _place(session, actor, method=CARD)
    answer = gateway_answer(placed.redirect_url)
    settle_card_payment(session, actor=actor, crypt=answer)
    order = settle_card_payment(session, actor=actor, crypt=answer)
    assert order.status == "Processing (Cleared payment)"
    statuses = session.scalars(select(OrderEvent.status).order_by(OrderEvent.id)).all()
    assert statuses == ["Awaiting payment", "Processing (Cleared payment)"]


def test_a_forged_answer_is_refused(session, actor, fanshaws):
    fill_basket(session, actor, fanshaws)
    _place(session, actor, method=CARD)
    with pytest.raises(InvalidInput, match="could not be read"):
        settle_card_payment(session, actor=actor, crypt="@00112233445566778899AABBCCDDEEFF")


def test_no_card_number_or_security_code_is_stored(session, actor, fanshaws, caplog):
    fill_basket(session, actor, fanshaws)
    placed = _place(session, actor, method=CARD)
    settle_card_payment(session, actor=actor, crypt=gateway_answer(placed.redirect_url))
    session.flush()
    dump = [
        str(row)
        for table in Base.metadata.sorted_tables
        for row in session.execute(select(table)).all()
    ]
    everything = " ".join(dump) + caplog.text
    assert "4929000000006" not in everything and "0006" in everything
    assert "'123'" not in everything


def test_a_waiting_card_payment_is_released_by_a_new_checkout(session, actor, fanshaws):
    fill_basket(session, actor, fanshaws)
    abandoned = _place(session, actor, method=CARD)
    fill_basket(session, actor, fanshaws)
    _place(session, actor)
    assert session.get(Order, abandoned.order_id).status == "Cancelled"


def test_a_cancelled_order_frees_the_item_again(session, actor, fanshaws):
    (certificate,) = fill_basket(session, actor, fanshaws)
    placed = _place(session, actor)
    form = order_form(session, actor=actor, certificate_id=certificate.id, product="reprint")
    assert "already been ordered" in form.refused
    with pytest.raises(PermissionDenied):
        cancel_order(session, actor=actor, order_id=placed.order_id, note="")
    staff = make_actor(session, fanshaws, role=Role.STAFF)
    cancel_order(session, actor=staff, order_id=placed.order_id, note="Centre asked")
    form = order_form(session, actor=actor, certificate_id=certificate.id, product="reprint")
    assert form.refused is None


def test_an_item_moved_to_another_centre_cannot_be_placed(session, actor, fanshaws):
    (certificate,) = fill_basket(session, actor, fanshaws)
    certificate.centre_id = centre_with_addresses(session, "Northgate").id
    with pytest.raises(NotFound):
        _place(session, actor)


def test_two_users_placing_the_same_item_at_once_make_one_order(db_url):
    with session_scope(db_url) as session:
        fanshaws = centre_with_addresses(session)
        users = [make_user(session, centres=(fanshaws,)) for _ in range(2)]
        actors = [actor_for(session, user=user) for user in users]
        (certificate,) = fill_basket(session, actors[0], fanshaws)
        fill_basket(session, actors[1], fanshaws)  # a basket for the second user
        basket_id = session.scalar(select(BasketLine.basket_id).order_by(BasketLine.id.desc()))
        # Both baskets hold the same item, as two quick clicks on two screens could.
        session.add(
            BasketLine(
                basket_id=basket_id,
                product="reprint",
                certificate_id=certificate.id,
                reason="Lost",
                unit_price_pence=2588,
            )
        )
    start, results = threading.Barrier(2), {}

    def place(actor):
        with session_scope(db_url) as session:
            shown = token(session, actor)
            start.wait()
            try:
                results[actor.user_id] = place_order(
                    session, actor=actor, checkout=checkout(), token=shown
                ).status
            except InvalidInput as error:
                results[actor.user_id] = error.message

    threads = [threading.Thread(target=place, args=(actor,)) for actor in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    outcomes = sorted(results.values())
    assert outcomes[0].startswith("An item in your basket has already been ordered")
    assert outcomes[1] == "Processing (Centre credits)"
    with session_scope(db_url) as session:
        assert (
            session.scalar(
                select(text("count(*)"))
                .select_from(OrderLine)
                .where(OrderLine.active, OrderLine.certificate_id == certificate.id)
            )
            == 1
        )
