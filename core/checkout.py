"""Checkout: totals, placing an order (once, whatever the clicks), and the card
provider's answer. Placing is one short transaction; the card provider is reached by
the browser, never from inside a transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.addresses import (
    AddressInput,
    address_lines,
    address_row,
    check_address,
    copy_row,
    payer,
)
from core.audit import record_event
from core.basket import (
    COUNTS,
    ONE_EACH,
    BasketRow,
    basket_rows,
    new_token,
    refuse_staff_orders,
)
from core.certificates import visible_certificate
from core.config import Settings, get_settings
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.models import (
    Address,
    Basket,
    BasketLine,
    CardAnswer,
    CardAnswerOutcome,
    Centre,
    Certificate,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
)
from core.payments import provider_for
from core.payments.base import PaymentAnswer, PaymentMethod, PaymentRequest
from core.payments.opayo import CURRENCY, OpayoForm, answer_pence
from core.prices import PriceItem, price_list, vat_pence
from core.revocation import revoked_refusal
from core.text import money
from core.users import Actor

NO_SUCH_ORDER = "There is no order with that ID."
INTERNATIONAL_NOTE = (
    "International delivery shows as no charge here: a member of our team will contact "
    "you to work out the delivery charge and arrange payment."
)


@dataclass(frozen=True)
class Totals:
    subtotal_pence: int
    delivery_pence: int
    vat_pence: int

    @property
    def total_pence(self) -> int:
        return self.subtotal_pence + self.delivery_pence + self.vat_pence


@dataclass(frozen=True)
class Checkout:
    billing: AddressInput
    delivery: AddressInput
    delivery_option: str
    payment_method: str
    reference: str = ""


@dataclass(frozen=True)
class PlacedOrder:
    order_id: int
    status: str
    redirect_url: str | None = None
    form_fields: dict[str, str] | None = None


def totals(rows: list[BasketRow], delivery: PriceItem | None = None) -> Totals:
    """Sub Total, Delivery and VAT (per line, and on the delivery charge)."""
    delivery_pence = delivery.price_pence if delivery else 0
    return Totals(
        subtotal_pence=sum(row.subtotal_pence for row in rows),
        delivery_pence=delivery_pence,
        vat_pence=sum(row.vat_pence for row in rows) + vat_pence(delivery_pence),
    )


def check_delivery_option(option: str, delivery: AddressInput) -> PriceItem:
    item = price_list().delivery_option(option)
    if item.international and delivery.in_uk:
        raise InvalidInput("International delivery is for addresses outside the United Kingdom.")
    if not item.international and not delivery.in_uk:
        raise InvalidInput("For an address outside the United Kingdom choose International.")
    return item


def addresses_on_file(session: Session, *, actor: Actor) -> tuple[list[str], list[str]]:
    """The actor's centre's billing and certificate delivery addresses, as lines."""
    centre = session.get(Centre, actor.centre_id) if actor.centre_id else None
    if centre is None:
        return [], []
    return address_lines(centre.billing_address), address_lines(centre.delivery_address)


def _check_reference(reference: str) -> str:
    reference = " ".join(reference.split())
    if len(reference) > 100:
        raise InvalidInput("Your reference holds at most 100 characters.")
    return reference


def add_status(session: Session, order: Order, status: str, note: str, user_id: int | None) -> None:
    before, order.status = order.status, status
    session.add(OrderEvent(order_id=order.id, status=status, note=note, user_id=user_id))
    record_event(
        session,
        action="order_status_changed",
        user_id=user_id,
        centre_id=order.centre_id,
        target=f"order:{order.id}",
        status=status,
        before={"status": before},
        after={"status": status, "note": note},
    )


def _release(session: Session, order: Order, status: str, note: str, user_id: int | None) -> None:
    """End an order that did not go through: its items may be ordered again."""
    session.execute(update(OrderLine).where(OrderLine.order_id == order.id).values(active=False))
    add_status(session, order, status, note, user_id)


def _release_abandoned(session: Session, actor: Actor) -> None:
    """Card payments this user never finished, replaced by this new checkout."""
    abandoned = session.scalars(
        select(Order).where(
            Order.user_id == actor.user_id, Order.status == OrderStatus.AWAITING_PAYMENT
        )
    )
    for order in abandoned:
        note = "Card payment not completed; replaced by a new checkout."
        _release(session, order, OrderStatus.CANCELLED, note, actor.user_id)


def _remove_from_basket(session: Session, order: Order) -> None:
    """Take the order's items out of its user's basket (one statement)."""
    basket = session.scalar(select(Basket).where(Basket.user_id == order.user_id))
    if basket is None:
        return
    ordered = select(OrderLine.product, OrderLine.certificate_id).where(
        OrderLine.order_id == order.id
    )
    session.execute(
        delete(BasketLine)
        .where(
            BasketLine.basket_id == basket.id,
            tuple_(BasketLine.product, BasketLine.certificate_id).in_(ordered),
        )
        .execution_options(synchronize_session=False)
    )
    basket.token = new_token()


def _order_addresses(
    session: Session, checkout: Checkout, centre_id: int
) -> tuple[Address, Address]:
    """Centre Credits: the centre's addresses on file, whatever was typed; card: typed."""
    if checkout.payment_method != PaymentMethod.CREDITS:
        return address_row(checkout.billing), address_row(checkout.delivery)
    centre = session.get_one(Centre, centre_id)
    if centre.billing_address is None or centre.delivery_address is None:
        raise InvalidInput(
            "Your centre has no billing or delivery address on file: pay by card, or ask "
            "us to add them (see Support)."
        )
    return copy_row(centre.billing_address), copy_row(centre.delivery_address)


def _checked(checkout: Checkout) -> tuple[Checkout, PriceItem]:
    billing = check_address(checkout.billing, "Billing")
    delivery = check_address(checkout.delivery, "Delivery")
    option = check_delivery_option(checkout.delivery_option, delivery)
    if checkout.payment_method not in tuple(PaymentMethod):
        raise InvalidInput("Choose how to pay: Centre Credits or card.")
    reference = _check_reference(checkout.reference)
    checked = Checkout(
        billing, delivery, checkout.delivery_option, checkout.payment_method, reference
    )
    return checked, option


def _orderable(session: Session, actor: Actor, certificate_id: int) -> Certificate:
    """The certificate, if the actor may still order it: it may have been revoked, or
    the actor's centre changed, since it went into the basket."""
    certificate = visible_certificate(session, actor=actor, certificate_id=certificate_id)
    if refused := revoked_refusal(certificate):
        raise InvalidInput(f"{refused} Remove it from your basket.")
    return certificate


def _orderable_certificates(
    session: Session, actor: Actor, rows: list[BasketRow]
) -> tuple[int, dict[int, Certificate]]:
    """Every item must still be the actor's to order, all of one centre: that centre,
    and the certificates by id."""
    certificates = {
        row.certificate_id: _orderable(session, actor, row.certificate_id) for row in rows
    }
    centres = {certificate.centre_id for certificate in certificates.values()}
    if len(centres) != 1:
        raise InvalidInput("Your basket holds items of more than one centre.")
    return centres.pop(), certificates


class AlreadyOrdered(InvalidInput):
    """Items of the basket already ordered (by a colleague, or another certificate of
    the same achievement): nothing was placed and nothing taken out of the basket;
    `line_ids` are the basket lines the user may remove."""

    def __init__(self, rows: list[BasketRow]) -> None:
        items = "; ".join(
            f"{row.product_name}, {row.reference} ({row.qualification_title})" for row in rows
        )
        it = "it" if len(rows) == 1 else "them"
        super().__init__(
            f"Already ordered: {items}. {ONE_EACH} Nothing was placed and nothing was taken "
            f"out of your basket: remove {it} to order the rest."
        )
        self.line_ids = [row.id for row in rows]


def _already_ordered(
    session: Session, rows: list[BasketRow], certificates: dict[int, Certificate]
) -> list[BasketRow]:
    """The basket rows whose achievement (product, candidate, qualification) an active
    order line holds, or an earlier row of the same basket."""

    def achievement(row: BasketRow) -> tuple[str, int, int]:
        certificate = certificates[row.certificate_id]
        return row.product, certificate.candidate_id, certificate.qualification_id

    ordered = {
        key
        for key in {achievement(row) for row in rows}
        if session.scalar(  # one lookup of the unique index per achievement
            select(OrderLine.id).where(
                OrderLine.product == key[0],
                OrderLine.candidate_id == key[1],
                OrderLine.qualification_id == key[2],
                COUNTS,
            )
        )
    }
    clashes, seen = [], set()
    for row in rows:
        key = achievement(row)
        if key in ordered or key in seen:
            clashes.append(row)
        seen.add(key)
    return clashes


def _refuse_already_ordered(
    session: Session, rows: list[BasketRow], certificates: dict[int, Certificate]
) -> None:
    if clashes := _already_ordered(session, rows, certificates):
        raise AlreadyOrdered(clashes)


def _payment_request(order: Order, checkout: Checkout, email: str) -> PaymentRequest:
    return PaymentRequest(
        order_id=order.id,
        token=order.checkout_token or "",
        amount_pence=order.total_pence,
        description=f"Digital Certificates order {order.id}",
        email=email,
        billing=payer(checkout.billing),
        delivery=payer(checkout.delivery),
    )


def _insert_order(
    session: Session, order: Order, rows: list[BasketRow], certificates: dict[int, Certificate]
) -> None:
    with session.begin_nested():
        session.add(order)
        session.flush()
        session.add_all(
            OrderLine(
                order_id=order.id,
                product=row.product,
                certificate_id=row.certificate_id,
                candidate_id=certificates[row.certificate_id].candidate_id,
                qualification_id=certificates[row.certificate_id].qualification_id,
                quantity=row.quantity,
                reason=row.reason,
                unit_price_pence=row.price_pence,
                vat_pence=row.vat_each_pence,
            )
            for row in rows
        )
        session.flush()


def _existing(session: Session, actor: Actor, token: str) -> Order | None:
    return session.scalar(
        select(Order).where(Order.checkout_token == token, Order.user_id == actor.user_id)
    )


def place_order(
    session: Session,
    *,
    actor: Actor,
    checkout: Checkout,
    token: str,
    settings: Settings | None = None,
) -> PlacedOrder:
    """Place the basket as an order. `token` is the basket's token when the page showed
    it: placing with the same token again returns the same order."""
    settings = settings or get_settings()
    refuse_staff_orders(actor)
    if (order := _existing(session, actor, token)) is not None:
        return _placed(order, checkout, actor, settings)
    basket = session.scalar(select(Basket).where(Basket.user_id == actor.user_id))
    if basket is None or basket.token != token:
        raise InvalidInput("Your basket changed since this page was drawn: check it and try again.")
    rows = basket_rows(session, actor=actor)
    if not rows:
        raise InvalidInput("Your basket is empty.")
    checkout, option = _checked(checkout)
    centre_id, certificates = _orderable_certificates(session, actor, rows)
    billing, delivery = _order_addresses(session, checkout, centre_id)
    money = totals(rows, option)
    _release_abandoned(session, actor)
    _refuse_already_ordered(session, rows, certificates)
    session.add_all([billing, delivery])
    session.flush()
    order = Order(
        centre_id=centre_id,
        user_id=actor.user_id,
        reference=checkout.reference,
        payment_provider=checkout.payment_method,
        status=OrderStatus.AWAITING_PAYMENT,
        delivery_option=option.name,
        international=option.international,
        subtotal_pence=money.subtotal_pence,
        delivery_pence=money.delivery_pence,
        vat_pence=money.vat_pence,
        total_pence=money.total_pence,
        total_products=sum(row.quantity for row in rows),
        billing_address_id=billing.id,
        delivery_address_id=delivery.id,
        checkout_token=token,
    )
    try:
        _insert_order(session, order, rows, certificates)
    except IntegrityError as error:
        if (order := _existing(session, actor, token)) is not None:
            return _placed(order, checkout, actor, settings)
        # Placed by someone else in the same moment: now it can be named.
        _refuse_already_ordered(session, rows, certificates)
        raise InvalidInput(
            f"An item in your basket has already been ordered. {ONE_EACH}"
        ) from error
    return _start_payment(session, order, checkout, actor, settings)


def _start_payment(
    session: Session, order: Order, checkout: Checkout, actor: Actor, settings: Settings
) -> PlacedOrder:
    start = provider_for(order.payment_provider, settings).start(
        _payment_request(order, checkout, actor.email)
    )
    if start.settled:
        add_status(
            session, order, OrderStatus.PROCESSING_CREDITS, "Placed; invoiced later.", actor.user_id
        )
        _remove_from_basket(session, order)
    else:
        add_status(
            session,
            order,
            OrderStatus.AWAITING_PAYMENT,
            "Sent to the card payment page.",
            actor.user_id,
        )
    return PlacedOrder(order.id, order.status, start.redirect_url, start.form_fields)


def _placed(order: Order, checkout: Checkout, actor: Actor, settings: Settings) -> PlacedOrder:
    """An order already placed with this token: the same answer again (a card payment
    still waiting goes back to the payment page)."""
    if order.status != OrderStatus.AWAITING_PAYMENT:
        return PlacedOrder(order.id, order.status)
    start = OpayoForm(settings).start(_payment_request(order, _checked(checkout)[0], actor.email))
    return PlacedOrder(order.id, order.status, start.redirect_url, start.form_fields)


@dataclass(frozen=True)
class Settlement:
    """What a card provider's answer did, and what the user reads about it."""

    order_id: int | None
    status: str
    international: bool
    outcome: CardAnswerOutcome
    message: str


PAID_AFTER_CANCELLATION = "Paid after cancellation: refund or reinstate."
CAN_TAKE_PAYMENT = (OrderStatus.AWAITING_PAYMENT,)


def _answer_hash(crypt: str) -> str:
    """One answer, however its hex is written (case, the leading '@')."""
    return hashlib.sha256(crypt.strip().removeprefix("@").upper().encode()).hexdigest()


def _mismatch(answer: PaymentAnswer, order: Order, session: Session) -> str | None:
    """Why an approved answer cannot pay this order, in words; None when it can: the
    order's own VendorTxCode (checked by the caller), its amount to the penny, GBP when
    it names a currency, a transaction id never used before. Opayo Form's answer carries
    no Currency field (its request does, and the vendor account's currency is GBP), so
    an answer without one is judged by its amount; one that names another is refused."""
    due = money(order.total_pence)
    paid = answer_pence(answer.amount)
    if paid != order.total_pence:
        said = money(paid) if paid is not None else answer.amount or "no amount"
        return f"it says {said} was paid, and the order is {due}"
    if answer.currency and answer.currency != CURRENCY:
        return f"it says the currency was {answer.currency}, not {CURRENCY}"
    if not answer.transaction_id:
        return "it carries no transaction id"
    used = select(CardAnswer.id).where(CardAnswer.transaction_id == answer.transaction_id)
    if session.scalar(used) is not None:
        return f"its transaction {answer.transaction_id} was used before"
    return None


def _record(
    session: Session,
    crypt: str,
    answer: PaymentAnswer,
    order: Order | None,
    actor: Actor,
    outcome: CardAnswerOutcome,
    message: str,
) -> Settlement:
    """Keep the answer as it came back, with what was done and said (staff read it)."""
    session.add(
        CardAnswer(
            answer_hash=_answer_hash(crypt),
            order_id=order.id if order else None,
            user_id=actor.user_id,
            vendor_tx_code=answer.vendor_tx_code,
            transaction_id=answer.transaction_id,
            status=answer.status,
            amount=answer.amount,
            currency=answer.currency,
            detail=answer.detail,
            outcome=outcome,
            message=message[:500],
        )
    )
    if outcome == CardAnswerOutcome.REFUSED:
        record_event(
            session,
            action="card_answer_refused",
            user_id=actor.user_id,
            centre_id=order.centre_id if order else None,
            target=f"order:{order.id}" if order else answer.vendor_tx_code,
            status=answer.status,
            amount=answer.amount,
            currency=answer.currency,
            transaction=answer.transaction_id,
        )
    if order is None:
        return Settlement(None, "", False, outcome, message)
    return Settlement(order.id, order.status, order.international, outcome, message)


def _settle_paid(session: Session, order: Order, answer: PaymentAnswer, actor: Actor) -> str:
    order.payment_detail = answer.detail
    order.provider_transaction_id, order.card_last4 = answer.transaction_id, answer.last4
    add_status(
        session, order, OrderStatus.PROCESSING_CLEARED, "Card payment cleared.", actor.user_id
    )
    _remove_from_basket(session, order)
    return f"Thank you: order {order.id} is placed ({order.status})."


def _settle_declined(session: Session, order: Order, answer: PaymentAnswer, actor: Actor) -> str:
    order.payment_detail = answer.detail
    _release(session, order, OrderStatus.PAYMENT_DECLINED, answer.detail, actor.user_id)
    basket = session.scalar(select(Basket).where(Basket.user_id == actor.user_id))
    if basket is not None:
        basket.token = new_token()
    return (
        f"Your card payment was declined: {answer.detail} Your basket is as it was: try "
        "again, or pay another way."
    )


def _settle_late(session: Session, order: Order, answer: PaymentAnswer, actor: Actor) -> str:
    """Money taken for an order that can no longer take it (cancelled meanwhile, e.g. by
    a new checkout in another tab): kept, and put in front of staff."""
    was = order.status.lower()
    order.provider_transaction_id, order.card_last4 = answer.transaction_id, answer.last4
    order.payment_detail = answer.detail
    order.attention = PAID_AFTER_CANCELLATION
    note = (
        f"Card payment {answer.transaction_id} received after the order was {was}: our "
        "staff will refund it or reinstate the order."
    )
    session.add(
        OrderEvent(order_id=order.id, status=order.status, note=note, user_id=actor.user_id)
    )
    record_event(
        session,
        action="late_payment_received",
        user_id=actor.user_id,
        centre_id=order.centre_id,
        target=f"order:{order.id}",
        transaction=answer.transaction_id,
        amount=answer.amount,
    )
    return (
        f"Your card payment for order {order.id} arrived after that order was {was} (a "
        f"newer checkout replaces a payment left waiting). The payment is recorded, "
        f"transaction {answer.transaction_id}, and our staff have been told: they will "
        "refund it, or reinstate the order, and let you know. You need not pay again for it."
    )


def settle_card_answer(
    session: Session, *, actor: Actor, crypt: str, settings: Settings | None = None
) -> Settlement:
    """Apply the card provider's encrypted answer, once. It pays its order only if its
    VendorTxCode is the order's, its status OK, its amount (and any currency) exactly the
    order's (pence, GBP) and its transaction never used before; anything else leaves
    the order unpaid, is kept for staff, and is told to the user in words. The same
    answer again (a reload) changes nothing and says the same."""
    answer = OpayoForm(settings or get_settings()).read_answer(crypt)
    # The order is locked first: the same answer twice at once is then seen once.
    order = session.get(Order, answer.order_id, with_for_update=True) if answer.order_id else None
    seen = session.scalar(select(CardAnswer).where(CardAnswer.answer_hash == _answer_hash(crypt)))
    if seen is not None:
        if order is None or seen.order_id != order.id or order.user_id != actor.user_id:
            return Settlement(None, "", False, CardAnswerOutcome.REFUSED, NO_SUCH_ORDER)
        outcome = CardAnswerOutcome(seen.outcome)
        return Settlement(order.id, order.status, order.international, outcome, seen.message)
    if order is None or order.checkout_token != answer.token or order.user_id != actor.user_id:
        return _record(
            session, crypt, answer, None, actor, CardAnswerOutcome.REFUSED, NO_SUCH_ORDER
        )
    if not answer.approved:
        if order.status not in CAN_TAKE_PAYMENT:
            said = (
                f"This payment answer changed nothing: order {order.id} is {order.status.lower()}."
            )
            return _record(session, crypt, answer, order, actor, CardAnswerOutcome.DECLINED, said)
        said = _settle_declined(session, order, answer, actor)
        return _record(session, crypt, answer, order, actor, CardAnswerOutcome.DECLINED, said)
    if (why := _mismatch(answer, order, session)) is not None:
        order.attention = f"Card answer refused ({why}): check the payment with Opayo."[:300]
        said = (
            f"Order {order.id} is not paid: the card payment's answer does not match the "
            f"order ({why}). Nothing was placed and your basket is as it was. If money was "
            "taken, our staff have been told and will refund it."
        )
        return _record(session, crypt, answer, order, actor, CardAnswerOutcome.REFUSED, said)
    if order.status in CAN_TAKE_PAYMENT:
        said = _settle_paid(session, order, answer, actor)
        return _record(session, crypt, answer, order, actor, CardAnswerOutcome.PAID, said)
    if order.provider_transaction_id:
        order.attention = f"Paid twice: refund transaction {answer.transaction_id}."
        said = (
            f"Order {order.id} was already paid; this second payment ({answer.transaction_id}) "
            "is recorded and our staff will refund it."
        )
        return _record(session, crypt, answer, order, actor, CardAnswerOutcome.REFUSED, said)
    said = _settle_late(session, order, answer, actor)
    return _record(
        session, crypt, answer, order, actor, CardAnswerOutcome.PAID_AFTER_CANCELLATION, said
    )


def cancel_order(session: Session, *, actor: Actor, order_id: int, note: str) -> Order:
    """Staff cancel an order; its items may be ordered again."""
    if not actor.is_staff:
        raise PermissionDenied("Only our staff can cancel an order.")
    order = session.get(Order, order_id, with_for_update=True)
    if order is None:
        raise NotFound(NO_SUCH_ORDER)
    if order.status == OrderStatus.CANCELLED:
        return order
    _release(session, order, OrderStatus.CANCELLED, note or "Cancelled by staff.", actor.user_id)
    return order
