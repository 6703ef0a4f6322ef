"""The money path under attack, in a real browser: production has no test gateway, a
card answer whose amount was changed leaves the order unpaid and says so, and a payment
request carrying a `javascript:` return address never runs it."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import Dialog, Page, expect
from sqlalchemy import select

from core.basket import (
    add_to_basket,
    basket_rows,
    basket_token,
    refusal,
    remove_basket_lines,
)
from core.checkout import cancel_order, place_order, settle_card_answer
from core.config import DEFAULT_OPAYO_PASSWORD
from core.db import session_scope
from core.models import Certificate, User
from core.payments.base import PaymentMethod
from core.payments.opayo import decrypt, encrypt
from core.users import actor_for
from tests.e2e.conftest import (
    _free_port,
    make_run,
    screenshot,
    sign_in,
    wait_until_idle,
)
from tests.e2e.test_ordering_browser import settle_after_page_load
from tests.ordering import checkout, gateway_answer, tampered

pytestmark = pytest.mark.browser
BUYER = "coordinator@northgate.example"  # other browser tests order as Fanshaws users


@pytest.fixture(scope="module")
def production_server(tmp_path_factory) -> Iterator[str]:
    """`make run` as production runs it: strong secrets, PAYMENT_MODE unset."""
    port = _free_port()
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "PDF_OWNER_PASSWORD": secrets.token_urlsafe(16),
        "OPAYO_ENCRYPTION_PASSWORD": secrets.token_urlsafe(12),
        "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('prod') / 'portal.db'}",
        "EXPORTS_URL": str(tmp_path_factory.mktemp("prod-exports")),
        "SIGNING_CERT_PATH": str(tmp_path_factory.mktemp("prod-signing") / "cert.pem"),
        "PORT": str(port),
    }
    for name in ("TEST_DATABASE_URL", "PUBLIC_URL", "PAYMENT_MODE"):
        env.pop(name, None)
    with make_run(env, tmp_path_factory.mktemp("prod-log") / "server.log") as url:
        yield url


def _fail_on_dialog(page: Page) -> list[str]:
    """Any alert, confirm or prompt is script we never wrote: record it and dismiss it."""
    seen: list[str] = []

    def dialog(opened: Dialog) -> None:
        seen.append(opened.message)
        opened.dismiss()

    page.on("dialog", dialog)
    return seen


def test_production_answers_the_test_gateway_address_as_an_unknown_page(
    production_server: str, page: Page
):
    page.goto(f"{production_server}/no-such-page")
    expect(page.get_by_text("Page not found").first).to_be_visible(timeout=30_000)
    page.goto(f"{production_server}/test-gateway?Crypt=@00")
    expect(page.get_by_text("Page not found").first).to_be_visible()
    expect(page.get_by_text("Test payment gateway")).to_have_count(0)
    expect(page.get_by_label("Card number")).to_have_count(0)


def _card_order(live_database: str) -> tuple[int, str]:
    """A card order of one reprint waiting for payment, placed for BUYER beside the
    live server (as the Confirm step places it): its id and the gateway address."""
    with session_scope(live_database) as session:
        user = session.scalar(select(User).where(User.email == BUYER))
        actor = actor_for(session, user=user)
        held = [row.id for row in basket_rows(session, actor=actor)]
        remove_basket_lines(session, actor=actor, line_ids=held)  # the last test's item
        for certificate_id in session.scalars(
            select(Certificate.id).where(Certificate.centre_id == actor.centre_id)
        ):
            if refusal(session, actor=actor, certificate_id=certificate_id, product="reprint"):
                continue
            add_to_basket(
                session,
                actor=actor,
                certificate_id=certificate_id,
                product="reprint",
                quantity=1,
                reason="Lost",
            )
            break
        placed = place_order(
            session,
            actor=actor,
            checkout=checkout(method=PaymentMethod.CARD),
            token=basket_token(session, actor=actor),
        )
        return placed.order_id, placed.redirect_url


def test_a_tampered_amount_leaves_the_order_unpaid_and_says_so(
    live_server: str, live_database: str, page: Page
):
    dialogs = _fail_on_dialog(page)
    order_id, gateway = _card_order(live_database)
    forged = tampered(gateway_answer(gateway), Amount="0.01")
    sign_in(page, live_server, BUYER)
    page.goto(f"{live_server}/checkout?{urlencode({'crypt': forged})}")
    expect(page.get_by_text(f"Order {order_id} is not paid").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("£0.01").first).to_be_visible()
    expect(page.get_by_text("is placed")).to_have_count(0)
    wait_until_idle(page)
    screenshot(page, "58-checkout-refused-payment")
    page.goto(f"{live_server}/orders?order={order_id}")
    expect(page.get_by_text("Awaiting payment").first).to_be_visible()
    assert dialogs == []


@pytest.mark.parametrize("button", ["Pay now", "Cancel"])
def test_a_javascript_return_address_never_runs_and_the_browser_comes_back_to_checkout(
    live_server: str, live_database: str, page: Page, button: str
):
    dialogs = _fail_on_dialog(page)
    order_id, gateway = _card_order(live_database)
    query = parse_qs(urlsplit(gateway).query)
    fields = decrypt(query["Crypt"][0], DEFAULT_OPAYO_PASSWORD)
    evil = "javascript:alert(document.cookie)//"
    query["Crypt"] = [
        encrypt({**fields, "SuccessURL": evil, "FailureURL": evil}, DEFAULT_OPAYO_PASSWORD)
    ]
    sign_in(page, live_server, BUYER)
    page.goto(f"{live_server}/test-gateway?{urlencode(query, doseq=True)}")
    expect(page.get_by_text("Pay £25.88")).to_be_visible()
    settle_after_page_load(page)
    if button == "Pay now":
        page.get_by_label("Card number").fill("4929 0000 0000 6")
        page.get_by_label("Expiry date (MM/YY)").fill("12/39")
        page.get_by_label("Security code").fill("123")
        wait_until_idle(page)
    page.get_by_role("button", name=button).click()
    outcome = "is placed (Processing (Cleared payment))" if button == "Pay now" else "declined"
    expect(page.get_by_text(outcome).first).to_be_visible(timeout=30_000)
    expect(page).to_have_url(re.compile(r"^http://localhost:\d+/checkout"))
    page.wait_for_timeout(1000)
    assert dialogs == []
    assert order_id


def test_staff_see_a_payment_after_cancellation_with_refund_and_reinstate(
    live_server: str, live_database: str, page: Page
):
    order_id, gateway = _card_order(live_database)
    with session_scope(live_database) as session:
        buyer = actor_for(session, user=session.scalar(select(User).where(User.email == BUYER)))
        staff = session.scalar(select(User).where(User.email == "staff@imi.example"))
        cancel_order(
            session, actor=actor_for(session, user=staff), order_id=order_id, note="Centre asked"
        )
        settle_card_answer(session, actor=buyer, crypt=gateway_answer(gateway))
    sign_in(page, live_server, "staff@imi.example")
    page.goto(f"{live_server}/staff-orders?order={order_id}")
    expect(page.get_by_text("Paid after cancellation: refund or reinstate.").first).to_be_visible(
        timeout=30_000
    )
    expect(page.get_by_role("button", name="Refunded")).to_be_visible()
    expect(page.get_by_role("button", name="Reinstate")).to_be_visible()
    page.set_viewport_size({"width": 1400, "height": 1650})  # the flag and both actions
    expect(page.get_by_text("Card payment answers").first).to_be_visible()
    page.wait_for_timeout(2500)  # the grids draw again at the new size
    wait_until_idle(page)
    screenshot(page, "76-staff-order-paid-after-cancellation")
