"""Checkout: addresses, delivery options, totals, placing once, Centre Credits, cards
through the test gateway, and the one-per-achievement rule under concurrency."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from core import config
from core.addresses import AddressInput, check_address
from core.basket import basket_rows, new_token, order_form, remove_basket_lines
from core.checkout import (
    AlreadyOrdered,
    answer_pence,
    cancel_order,
    place_order,
    settle_card_answer,
    totals,
)
from core.db import session_scope
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.models import (
    Address,
    AuditEvent,
    Base,
    Basket,
    BasketLine,
    CardAnswer,
    Order,
    OrderEvent,
    OrderLine,
    Role,
)
from core.order_admin import refund_late_payment, reinstate_late_payment
from core.payments.base import PaymentMethod
from core.prices import price_list
from core.users import actor_for
from tests.factories import make_actor, make_certificate, make_user
from tests.ordering import (
    ABROAD,
    TYPED_DELIVERY,
    centre_with_addresses,
    checkout,
    fill_basket,
    gateway_answer,
    tampered,
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
    order = settle_card_answer(session, actor=actor, crypt=gateway_answer(placed.redirect_url))
    order = session.get(Order, placed.order_id)
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
    settle_card_answer(session, actor=actor, crypt=gateway_answer(placed.redirect_url, card=card))
    order = session.get(Order, placed.order_id)
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
    settle_card_answer(session, actor=actor, crypt=answer)
    again = settle_card_answer(session, actor=actor, crypt=answer)
    assert (again.status, again.outcome) == ("Processing (Cleared payment)", "paid")
    statuses = session.scalars(select(OrderEvent.status).order_by(OrderEvent.id)).all()
    assert statuses == ["Awaiting payment", "Processing (Cleared payment)"]


def test_a_forged_answer_is_refused(session, actor, fanshaws):
    fill_basket(session, actor, fanshaws)
    _place(session, actor, method=CARD)
    with pytest.raises(InvalidInput, match="could not be read"):
        settle_card_answer(session, actor=actor, crypt="@00112233445566778899AABBCCDDEEFF")


def test_no_card_number_or_security_code_is_stored(session, actor, fanshaws, caplog):
    fill_basket(session, actor, fanshaws)
    placed = _place(session, actor, method=CARD)
    settle_card_answer(session, actor=actor, crypt=gateway_answer(placed.redirect_url))
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
    assert outcomes[0].startswith(f"Already ordered: Document Reprint, {certificate.number}")
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


# The card provider's answer is checked against the order (issue 18, item 2).


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"Amount": "0.01"}, "£0.01"),
        ({"Amount": "29.37"}, "£29.37"),
        ({"Amount": "2938"}, "2938"),
        ({"Amount": "29.380"}, "29.380"),
        ({"Amount": ""}, "no amount"),
        ({"Currency": "EUR"}, "EUR"),
        ({"Currency": "gbp"}, "gbp"),
        ({"VPSTxId": ""}, "no transaction"),
    ],
)
def test_an_answer_that_does_not_match_the_order_leaves_it_unpaid_and_says_why(
    session, actor, fanshaws, changes, why
):
    fill_basket(session, actor, fanshaws)
    placed = _place(session, actor, method=CARD, option="first_class")
    forged = tampered(gateway_answer(placed.redirect_url), **changes)
    settlement = settle_card_answer(session, actor=actor, crypt=forged)
    order = session.get(Order, placed.order_id)
    assert (settlement.outcome, order.status) == ("refused", "Awaiting payment")
    assert order.provider_transaction_id is None and len(basket_rows(session, actor=actor)) == 1
    assert "not paid" in settlement.message and why in settlement.message


def test_an_answer_without_a_currency_as_opayo_form_sends_it_pays_the_order(
    session, actor, fanshaws
):
    fill_basket(session, actor, fanshaws)
    placed = _place(session, actor, method=CARD, option="first_class")
    answer = tampered(gateway_answer(placed.redirect_url), Currency="")
    settlement = settle_card_answer(session, actor=actor, crypt=answer)
    assert settlement.outcome == "paid"
    assert session.get(Order, placed.order_id).status == "Processing (Cleared payment)"


def test_a_refused_answer_is_recorded_as_it_came_back_for_staff(session, actor, fanshaws):
    fill_basket(session, actor, fanshaws)
    placed = _place(session, actor, method=CARD, option="first_class")
    settle_card_answer(
        session, actor=actor, crypt=tampered(gateway_answer(placed.redirect_url), Amount="0.01")
    )
    kept = session.scalar(select(CardAnswer))
    assert (kept.order_id, kept.amount, kept.currency, kept.status, kept.outcome) == (
        placed.order_id,
        "0.01",
        "GBP",
        "OK",
        "refused",
    )
    order = session.get(Order, placed.order_id)
    assert "£0.01" in order.attention
    assert "card_answer_refused" in session.scalars(select(AuditEvent.action)).all()


def test_an_answer_for_another_order_of_the_user_is_refused(session, actor, fanshaws):
    fill_basket(session, actor, fanshaws)
    placed = _place(session, actor, method=CARD)
    other = tampered(gateway_answer(placed.redirect_url), VendorTxCode=f"DC{placed.order_id}-x")
    settlement = settle_card_answer(session, actor=actor, crypt=other)
    assert (settlement.outcome, settlement.order_id) == ("refused", None)
    assert session.get(Order, placed.order_id).status == "Awaiting payment"


def test_a_transaction_used_for_one_order_cannot_pay_another(session, actor, fanshaws):
    fill_basket(session, actor, fanshaws)
    first = _place(session, actor, method=CARD)
    paid = gateway_answer(first.redirect_url)
    settle_card_answer(session, actor=actor, crypt=paid)
    fill_basket(session, actor, fanshaws)
    second = _place(session, actor, method=CARD)
    transaction = session.get(Order, first.order_id).provider_transaction_id
    reused = tampered(gateway_answer(second.redirect_url), VPSTxId=transaction)
    settlement = settle_card_answer(session, actor=actor, crypt=reused)
    assert settlement.outcome == "refused" and "used before" in settlement.message
    assert session.get(Order, second.order_id).status == "Awaiting payment"


@pytest.mark.parametrize(("amount", "pence"), [("25.88", 2588), ("1,234.56", 123456)])
def test_the_answers_amount_is_read_in_pence(amount, pence):
    assert answer_pence(amount) == pence


# A payment for an order the portal has cancelled (issue 18, item 4).


def _paid_after_cancellation(session, actor, fanshaws):
    """Tab A waits at the gateway; the basket changes and tab B checks out again,
    which cancels A's order; then A pays."""
    fill_basket(session, actor, fanshaws)
    tab_a = _place(session, actor, method=CARD)
    fill_basket(session, actor, fanshaws)
    _place(session, actor)
    assert session.get(Order, tab_a.order_id).status == "Cancelled"
    return tab_a, settle_card_answer(session, actor=actor, crypt=gateway_answer(tab_a.redirect_url))


def test_a_payment_for_a_cancelled_order_is_recorded_and_flagged_for_staff(
    session, actor, fanshaws
):
    tab_a, settlement = _paid_after_cancellation(session, actor, fanshaws)
    order = session.get(Order, tab_a.order_id)
    assert order.status == "Cancelled" and order.provider_transaction_id.startswith("{")
    assert order.card_last4 == "0006"
    assert order.attention == "Paid after cancellation: refund or reinstate."
    assert settlement.outcome == "paid after cancellation"
    assert "was cancelled" in settlement.message and order.provider_transaction_id in (
        settlement.message
    )
    notes = session.scalars(select(OrderEvent.note).where(OrderEvent.order_id == order.id))
    assert any("after the order was cancelled" in note for note in notes)


def test_staff_refund_a_payment_made_after_cancellation(session, actor, fanshaws):
    tab_a, _ = _paid_after_cancellation(session, actor, fanshaws)
    staff = make_actor(session, fanshaws, role=Role.STAFF)
    with pytest.raises(PermissionDenied):
        refund_late_payment(session, actor=actor, order_id=tab_a.order_id, note="Refunded")
    refund_late_payment(session, actor=staff, order_id=tab_a.order_id, note="Refunded in MySagePay")
    order = session.get(Order, tab_a.order_id)
    assert (order.status, order.attention) == ("Cancelled", "")
    last = session.scalars(select(OrderEvent.note).order_by(OrderEvent.id.desc())).first()
    assert "refunded" in last.lower() and "Refunded in MySagePay" in last
    assert "late_payment_refunded" in session.scalars(select(AuditEvent.action)).all()


def test_staff_reinstate_an_order_paid_after_cancellation(session, actor, fanshaws):
    fill_basket(session, actor, fanshaws)
    tab_a = _place(session, actor, method=CARD)
    staff = make_actor(session, fanshaws, role=Role.STAFF)
    cancel_order(session, actor=staff, order_id=tab_a.order_id, note="Centre asked")
    settle_card_answer(session, actor=actor, crypt=gateway_answer(tab_a.redirect_url))
    reinstate_late_payment(session, actor=staff, order_id=tab_a.order_id, note="Paid: go ahead")
    order = session.get(Order, tab_a.order_id)
    assert (order.status, order.attention) == ("Processing (Cleared payment)", "")
    assert session.scalar(select(OrderLine.active).where(OrderLine.order_id == order.id))
    assert "late_payment_reinstated" in session.scalars(select(AuditEvent.action)).all()


def test_reinstating_is_refused_when_its_item_has_been_ordered_again(session, actor, fanshaws):
    tab_a, _ = _paid_after_cancellation(session, actor, fanshaws)
    staff = make_actor(session, fanshaws, role=Role.STAFF)
    with pytest.raises(InvalidInput, match="ordered again"):
        reinstate_late_payment(session, actor=staff, order_id=tab_a.order_id, note="")
    assert session.get(Order, tab_a.order_id).attention != ""


def test_a_paid_answer_replayed_after_staff_cancelled_the_order_changes_nothing(
    session, actor, fanshaws
):
    fill_basket(session, actor, fanshaws)
    placed = _place(session, actor, method=CARD)
    answer = gateway_answer(placed.redirect_url)
    settle_card_answer(session, actor=actor, crypt=answer)
    staff = make_actor(session, fanshaws, role=Role.STAFF)
    cancel_order(session, actor=staff, order_id=placed.order_id, note="Centre asked")
    settle_card_answer(session, actor=actor, crypt=answer)
    assert session.get(Order, placed.order_id).attention == ""


# One per achievement: a candidate and a qualification (issue 18, items 5 and 6).


def _same_achievement(session, fanshaws):
    first = make_certificate(session, fanshaws)
    second = make_certificate(
        session, fanshaws, candidate=first.candidate, qualification=first.qualification
    )
    return first, second


def _put_in_basket(session, actor, certificate, product="reprint"):
    """As a second click on another screen could, past the form's own check."""
    basket = session.scalar(select(Basket).where(Basket.user_id == actor.user_id))
    if basket is None:
        basket = Basket(user_id=actor.user_id, centre_id=certificate.centre_id, token="t")
        session.add(basket)
        session.flush()
    line = BasketLine(
        basket_id=basket.id,
        product=product,
        certificate_id=certificate.id,
        reason="Lost",
        unit_price_pence=2588,
    )
    session.add(line)
    basket.token = new_token()
    session.flush()
    return line


def test_a_second_certificate_of_an_ordered_achievement_is_refused_in_the_form(
    session, actor, fanshaws
):
    first, second = _same_achievement(session, fanshaws)
    _put_in_basket(session, actor, first)
    _place(session, actor)
    form = order_form(session, actor=actor, certificate_id=second.id, product="reprint")
    assert "already been ordered" in form.refused
    letter = order_form(session, actor=actor, certificate_id=second.id, product="proof_letter")
    assert letter.refused is None


def test_two_certificates_of_one_achievement_in_one_basket_are_not_both_placed(
    session, actor, fanshaws
):
    first, second = _same_achievement(session, fanshaws)
    _put_in_basket(session, actor, first)
    kept = _put_in_basket(session, actor, second)
    with pytest.raises(AlreadyOrdered, match=second.number) as refused:
        _place(session, actor)
    assert refused.value.line_ids == [kept.id]
    assert session.scalar(select(Order)) is None


def test_the_database_refuses_a_second_line_of_one_achievement(session, actor, fanshaws):
    first, second = _same_achievement(session, fanshaws)
    _put_in_basket(session, actor, first)
    placed = _place(session, actor)
    line = session.scalar(select(OrderLine).where(OrderLine.order_id == placed.order_id))
    session.add(
        OrderLine(
            order_id=placed.order_id,
            product="reprint",
            certificate_id=second.id,
            candidate_id=line.candidate_id,
            qualification_id=line.qualification_id,
            unit_price_pence=2588,
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_checkout_names_the_item_a_colleague_ordered_first_and_removes_nothing(
    session, actor, fanshaws
):
    colleague = make_actor(session, fanshaws)
    certificate, other = make_certificate(session, fanshaws), make_certificate(session, fanshaws)
    _put_in_basket(session, colleague, certificate)
    clash = _put_in_basket(session, actor, certificate)
    _put_in_basket(session, actor, other)
    _place(session, colleague)
    with pytest.raises(AlreadyOrdered) as refused:
        _place(session, actor)
    message = refused.value.message
    assert f"Document Reprint, {certificate.number}" in message and other.number not in message
    assert "remove it" in message
    assert refused.value.line_ids == [clash.id]
    assert len(basket_rows(session, actor=actor)) == 2
    remove_basket_lines(session, actor=actor, line_ids=refused.value.line_ids)
    assert _place(session, actor).status == "Processing (Centre credits)"


def test_two_users_placing_two_certificates_of_one_achievement_at_once_make_one_order(db_url):
    with session_scope(db_url) as session:
        fanshaws = centre_with_addresses(session)
        actors = [actor_for(session, user=make_user(session, centres=(fanshaws,))) for _ in "ab"]
        certificates = _same_achievement(session, fanshaws)
        for acting, certificate in zip(actors, certificates, strict=True):
            _put_in_basket(session, acting, certificate)
    start, results = threading.Barrier(2), {}

    def place(acting):
        with session_scope(db_url) as session:
            shown = token(session, acting)
            start.wait()
            try:
                results[acting.user_id] = place_order(
                    session, actor=acting, checkout=checkout(), token=shown
                ).status
            except AlreadyOrdered as error:
                results[acting.user_id] = error.message

    threads = [threading.Thread(target=place, args=(acting,)) for acting in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    outcomes = sorted(results.values())
    assert outcomes[0].startswith("Already ordered: Document Reprint")
    assert outcomes[1] == "Processing (Centre credits)"
    with session_scope(db_url) as session:
        counted = select(text("count(*)")).select_from(OrderLine).where(OrderLine.active)
        assert session.scalar(counted) == 1
