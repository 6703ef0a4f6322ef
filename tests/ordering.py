"""Helpers for the ordering tests: a centre with addresses on file, a filled basket, a
checkout, and the test gateway's answer for a card."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

from sqlalchemy.orm import Session

from core.addresses import AddressInput
from core.basket import add_to_basket, basket_token
from core.checkout import Checkout, place_order
from core.config import get_settings
from core.models import Address, Centre, Order
from core.payments.base import PaymentMethod
from core.payments.gateway import answer_path, check_card, read_request
from core.payments.opayo import decrypt, encrypt
from tests.factories import make_centre, make_certificate

TYPED_BILLING = AddressInput("Delia", "Buchanan", "1 Card Street", "", "Leeds", "ls1 4ap")
TYPED_DELIVERY = AddressInput("Delia", "Buchanan", "2 Post Road", "Unit 4", "York", "YO1 7HH")
ABROAD = AddressInput("Jean", "Dupont", "3 rue de Rivoli", "", "Paris", "75001", "France")
GOOD_CARD = ("4929 0000 0000 6", "12/39", "123")


def centre_with_addresses(session: Session, name: str = "Fanshaws") -> Centre:
    centre = make_centre(session, name)
    centre.billing_address = Address(
        name="Accounts", line1="Fanshaws House", town="Hertford", postcode="SG13 8AS"
    )
    centre.delivery_address = Address(
        name="Exams Office", line1="Fanshaws Lane", town="Hertford", postcode="SG13 8AT"
    )
    session.flush()
    return centre


def fill_basket(session: Session, actor, centre: Centre, count: int = 1) -> list:
    certificates = [make_certificate(session, centre) for _ in range(count)]
    for certificate in certificates:
        add_to_basket(
            session,
            actor=actor,
            certificate_id=certificate.id,
            product="reprint",
            quantity=1,
            reason="Lost",
        )
    return certificates


def checkout(
    method: PaymentMethod = PaymentMethod.CREDITS,
    option: str = "second_class",
    delivery: AddressInput = TYPED_DELIVERY,
    reference: str = "DH Reprint",
) -> Checkout:
    return Checkout(TYPED_BILLING, delivery, option, method, reference)


def token(session: Session, actor) -> str:
    return basket_token(session, actor=actor)


def placed_order(session: Session, actor, centre: Centre, lines: int = 1, **kwargs) -> Order:
    """An order of `lines` reprints placed by `actor` (checkout() options as kwargs)."""
    fill_basket(session, actor, centre, count=lines)
    placed = place_order(
        session, actor=actor, checkout=checkout(**kwargs), token=token(session, actor)
    )
    return session.get(Order, placed.order_id)


def gateway_answer(redirect_url: str, card=GOOD_CARD, today=dt.date(2026, 11, 29)) -> str:
    """Play the card holder on the test gateway: the crypt the portal gets back."""
    settings = get_settings()
    password = settings.opayo_encryption_password
    request = read_request(parse_qs(urlparse(redirect_url).query)["Crypt"][0], password)
    path = answer_path(request, check_card(*card, today=today), settings)
    return parse_qs(urlparse(path).query)["crypt"][0]


def tampered(crypt: str, **changes: str) -> str:
    """The answer re-encrypted with some fields changed, as someone holding the
    encryption password (a leaked or default one) could write it."""
    password = get_settings().opayo_encryption_password
    return encrypt({**decrypt(crypt, password), **changes}, password)
