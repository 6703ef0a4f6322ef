"""The ordering screens as a centre user uses them (AppTest): the Document Reprint form,
the basket, the five checkout steps, Orders and one order's page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.basket import add_to_basket
from core.checkout import place_order
from core.checkout_drafts import save_draft
from core.db import session_scope
from core.models import Basket, BasketLine, Certificate, User
from core.payments.base import PaymentMethod
from core.users import actor_for
from tests.apptest import by_label, signed_in_app, texts
from tests.factories import make_certificate, make_qualification, make_user
from tests.ordering import (
    TYPED_BILLING,
    TYPED_DELIVERY,
    centre_with_addresses,
    checkout,
    fill_basket,
    gateway_answer,
    tampered,
    token,
)


@pytest.fixture
def shop(db_url):
    with session_scope(db_url) as session:
        fanshaws = centre_with_addresses(session)
        qualification = make_qualification(session, "IMI Level 1 Award in Cycle Maintenance")
        certificate = make_certificate(session, fanshaws, qualification=qualification)
        user = make_user(session, email="user@fanshaws.example", centres=(fanshaws,))
        northgate = centre_with_addresses(session, "Northgate")
        other = make_user(session, centres=(northgate,))
        fill_basket(session, actor_for(session, user=other), northgate)
        other_actor = actor_for(session, user=other)
        theirs = place_order(
            session, actor=other_actor, checkout=checkout(), token=token(session, other_actor)
        ).order_id
        return {"user": user, "certificate": certificate.id, "theirs": theirs}


def _header(app) -> str:
    return " ".join(link.proto.label for link in app.get("page_link"))


def _order_form(shop, product="reprint"):
    app = signed_in_app(shop["user"])
    app.session_state["certificate_order_open"] = (shop["certificate"], product)
    return app.switch_page("screens/print_batches.py").run()


def test_reprint_form_adds_to_cart_and_shows_the_basket(shop):
    app = _order_form(shop)
    assert by_label(app.text_input, "Qualification Title").value == (
        "IMI Level 1 Award in Cycle Maintenance"
    )
    by_label(app.selectbox, "Reason").set_value("Damaged")
    by_label(app.button, "Add to Cart").click().run()
    assert "1 items | £25.88" in _header(app)
    app.switch_page("screens/basket.py").run()  # where Add to Cart went (AppTest stays)
    line = app.dataframe[0].value.iloc[0]
    assert (line["Product"], line["Reason"], line["Gross"]) == (
        "Document Reprint",
        "Damaged",
        "£25.88",
    )


def test_the_form_says_when_the_item_is_already_in_a_basket(shop):
    app = _order_form(shop)
    by_label(app.button, "Add to Cart").click().run()
    app = _order_form(shop)
    assert "already in your basket" in texts(app)
    assert not [button for button in app.button if button.label == "Add to Cart"]


def _next(app):
    by_label(app.button, "Next").click().run()
    return app


def _address(app, postcode):
    for label, value in [
        ("First names", "Delia"),
        ("Surname", "Buchanan"),
        ("Address line 1", "1 Card Street"),
        ("Town or city", "Leeds"),
        ("Postcode", postcode),
    ]:
        by_label(app.text_input, label).input(value)


def test_checkout_validates_each_step_and_places_with_centre_credits(shop):
    app = _order_form(shop)
    by_label(app.button, "Add to Cart").click().run()
    app.switch_page("screens/basket.py").run()
    by_label(app.button, "Checkout").click().run()
    app.switch_page("screens/checkout.py").run()
    assert "1 Basket" in texts(app)
    _next(app)
    assert "billing address on file is used" in texts(app)
    _next(app)
    assert "Billing address: enter the first names, surname" in texts(app)
    _address(app, "LS1")
    _next(app)
    assert "not a UK postcode" in texts(app)
    _address(app, "LS1 4AP")
    _next(app)
    _address(app, "YO1 7HH")
    _next(app)
    by_label(app.radio, "Delivery option").set_value("first_class")
    _next(app)
    by_label(app.text_input, "Your reference").input("DH Reprint")
    totals = " ".join(str(element.proto.body) for element in app.get("html"))
    assert "Total</th><td style='text-align:right;padding:4px 0'>£29.38" in totals
    by_label(app.button, "Place order").click().run()
    assert "is placed (Processing (Centre credits))" in texts(app)
    assert "0 items | £0.00" in _header(app)


def test_orders_list_and_an_order_of_another_centre_answers_like_a_missing_one(shop):
    app = signed_in_app(shop["user"], "screens/orders.py")
    assert "No orders yet" in texts(app)
    for raw in (str(shop["theirs"]), "999999", "abc"):
        app = signed_in_app(shop["user"])
        app.query_params["order"] = raw
        app.switch_page("screens/orders.py").run()
        assert "There is no order with that ID." in texts(app)


def test_the_basket_survives_signing_out_and_another_browser(shop):
    app = _order_form(shop)
    by_label(app.button, "Add to Cart").click().run()
    elsewhere = signed_in_app(shop["user"], "screens/basket.py")  # a new browser session
    assert "1 items | £25.88" in _header(elsewhere)
    assert list(elsewhere.dataframe[0].value["Reason"]) == ["Duplicate required"]


def _card_order(shop):
    """The shop's user with a card order waiting at the gateway: its redirect."""
    with session_scope() as session:
        user = session.get(User, shop["user"].id)
        actor = actor_for(session, user=user)
        certificate = session.get(Certificate, shop["certificate"])
        add_to_basket(
            session,
            actor=actor,
            certificate_id=certificate.id,
            product="reprint",
            quantity=1,
            reason="Lost",
        )
        placed = place_order(
            session,
            actor=actor,
            checkout=checkout(method=PaymentMethod.CARD),
            token=token(session, actor),
        )
        return placed


def test_a_tampered_amount_comes_back_to_checkout_as_unpaid_in_words(shop):
    placed = _card_order(shop)
    app = signed_in_app(shop["user"])
    app.query_params["crypt"] = tampered(gateway_answer(placed.redirect_url), Amount="0.01")
    app.switch_page("screens/checkout.py").run()
    shown = texts(app)
    assert f"Order {placed.order_id} is not paid" in shown and "£0.01" in shown
    assert "is placed" not in shown
    assert "1 items | £25.88" in _header(app)  # the basket is as it was


def test_checkout_says_which_item_a_colleague_ordered_and_offers_to_remove_it(shop):
    app = _order_form(shop)
    by_label(app.button, "Add to Cart").click().run()
    with session_scope() as session:  # a colleague placed the same item a moment ago
        fanshaws = session.get(Certificate, shop["certificate"]).centre
        colleague = actor_for(session, user=make_user(session, centres=(fanshaws,)))
        basket = Basket(user_id=colleague.user_id, centre_id=fanshaws.id, token="t")
        session.add(basket)
        session.flush()
        session.add(
            BasketLine(
                basket_id=basket.id,
                product="reprint",
                certificate_id=shop["certificate"],
                reason="Lost",
                unit_price_pence=2588,
            )
        )
        place_order(session, actor=colleague, checkout=checkout(), token="t")
        number = session.get(Certificate, shop["certificate"]).number
        save_draft(  # the user had reached Confirm meanwhile
            session,
            actor=actor_for(session, user=session.get(User, shop["user"].id)),
            step=5,
            billing=TYPED_BILLING,
            delivery=TYPED_DELIVERY,
            delivery_option="second_class",
        )
    app.switch_page("screens/checkout.py").run()
    by_label(app.button, "Place order").click().run()
    assert f"Already ordered: Document Reprint, {number}" in texts(app)
    assert "1 items | £25.88" in _header(app)  # nothing removed silently
    by_label(app.button, "Remove it from my basket").click().run()
    assert "0 items | £0.00" in _header(app)


@pytest.mark.parametrize("raw", ["999999999999999999999999999999", "١", "1_0"])
def test_an_order_address_with_a_number_that_is_not_an_id_says_there_is_no_such_order(shop, raw):
    app = signed_in_app(shop["user"])
    app.query_params["order"] = raw
    app.switch_page("screens/orders.py").run()
    assert "There is no order with that ID." in texts(app)
    assert "went wrong" not in texts(app)


def _to_checkout(app):
    by_label(app.button, "Checkout").click().run()
    return app.switch_page("screens/checkout.py").run()


def test_a_reload_during_checkout_keeps_the_step_and_the_addresses(shop):
    app = _order_form(shop)
    by_label(app.button, "Add to Cart").click().run()
    app.switch_page("screens/basket.py").run()
    _to_checkout(app)
    _next(app)
    _address(app, "LS1 4AP")
    _next(app)
    assert "certificate delivery address on file" in texts(app)

    reloaded = signed_in_app(shop["user"], "screens/checkout.py")  # a new browser session
    assert "certificate delivery address on file" in texts(reloaded)
    by_label(reloaded.button, "Back").click().run()
    assert by_label(reloaded.text_input, "Address line 1").value == "1 Card Street"
    assert by_label(reloaded.text_input, "Postcode").value == "LS1 4AP"


def test_a_basket_quantity_above_one_says_why_as_soon_as_it_is_typed(shop, db_url):
    app = _order_form(shop)
    by_label(app.button, "Add to Cart").click().run()
    app.switch_page("screens/basket.py").run()
    with session_scope(db_url) as session:
        line_id = session.scalar(select(func.max(BasketLine.id)))
    app.session_state[f"basket_editor_{line_id}"] = {
        "edited_rows": {0: {"Quantity": 3}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    assert "One copy only. Only one duplicate certificate" in texts(app)
