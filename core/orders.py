"""Orders as a centre sees them: the paged, filtered table, one order's page, and the
confirmation email."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import CursorResult, Select, select, update
from sqlalchemy.orm import Session

from core.addresses import address_lines
from core.centres import matching_centre
from core.checkout import INTERNATIONAL_NOTE, NO_SUCH_ORDER
from core.errors import NotFound
from core.models import (
    Address,
    CardAnswer,
    Centre,
    Certificate,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Qualification,
    User,
    utcnow,
)
from core.paging import Page, paginate
from core.payments.base import PaymentMethod
from core.prices import PricedLine, price_list
from core.text import money, uk_datetime
from core.users import Actor

STATUSES = tuple(OrderStatus)
PROVIDERS = tuple(PaymentMethod)
PLACED = (OrderStatus.PROCESSING_CREDITS, OrderStatus.PROCESSING_CLEARED)


@dataclass(frozen=True)
class OrderFilters:
    provider: str | None = None
    status: str | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    centre: str = ""  # staff: the start of a centre's number or name
    international_only: bool = False


@dataclass(frozen=True)
class OrderRow:
    id: int
    total_products: int
    reference: str
    provider: str
    status: str
    created_at: dt.datetime
    centre: str
    international: bool


@dataclass(frozen=True)
class OrderLineView(PricedLine):
    product_name: str
    qualification_title: str
    reference: str
    reason: str
    quantity: int
    price_pence: int
    vat_each_pence: int


@dataclass(frozen=True)
class StatusChange:
    at: dt.datetime
    status: str
    note: str


@dataclass(frozen=True)
class CardAnswerRow:
    """A card provider's answer as it came back, and what the portal did (for staff)."""

    received_at: dt.datetime
    status: str
    amount: str
    currency: str
    transaction_id: str
    detail: str
    outcome: str


@dataclass(frozen=True)
class OrderDetails:
    id: int
    reference: str
    provider: str
    status: str
    created_at: dt.datetime
    placed_by: str
    delivery_option: str
    international: bool
    subtotal_pence: int
    delivery_pence: int
    vat_pence: int
    total_pence: int
    transaction_id: str
    card_last4: str
    payment_detail: str
    tracking_reference: str
    centre: str
    lines: list[OrderLineView]
    billing: list[str]
    delivery: list[str]
    history: list[StatusChange]
    attention: str = ""  # for staff: what they must look at
    card_answers: list[CardAnswerRow] = field(default_factory=list)  # staff only


def _scoped(query: Select, actor: Actor) -> Select:
    return query if actor.is_staff else query.where(Order.centre_id == actor.centre_id)


def _filtered(query: Select, filters: OrderFilters) -> Select:
    if filters.provider:
        query = query.where(Order.payment_provider == filters.provider)
    if filters.status:
        query = query.where(Order.status == filters.status)
    if filters.created_from:
        query = query.where(Order.created_at >= filters.created_from)
    if filters.created_to:
        query = query.where(Order.created_at < filters.created_to + dt.timedelta(days=1))
    if filters.international_only:
        query = query.where(Order.international.is_(True))
    return matching_centre(query, filters.centre)


def list_orders(
    session: Session,
    *,
    actor: Actor,
    filters: OrderFilters = OrderFilters(),
    page: int = 1,
    per_page: int = 10,
) -> Page[OrderRow]:
    """The centre's orders, newest first (staff: every centre's)."""
    query = (
        select(
            Order.id,
            Order.total_products,
            Order.reference,
            Order.payment_provider,
            Order.status,
            Order.created_at,
            Centre.number + " " + Centre.name,
            Order.international,
        )
        .join(Centre, Centre.id == Order.centre_id)
        .order_by(Order.created_at.desc(), Order.id.desc())
    )
    query = _filtered(_scoped(query, actor), filters)
    return paginate(session, query, page=page, per_page=per_page, to_row=lambda r: OrderRow(*r))


def _order(session: Session, actor: Actor, order_id: int) -> Order:
    order = session.scalar(_scoped(select(Order).where(Order.id == order_id), actor))
    if order is None:
        raise NotFound(NO_SUCH_ORDER)
    return order


def _lines(session: Session, order_id: int) -> list[OrderLineView]:
    products = price_list().products
    rows = session.execute(
        select(
            OrderLine.product,
            Qualification.title,
            Certificate.number,
            OrderLine.reason,
            OrderLine.quantity,
            OrderLine.unit_price_pence,
            OrderLine.vat_pence,
        )
        .join(Certificate, Certificate.id == OrderLine.certificate_id)
        .join(Qualification, Qualification.id == Certificate.qualification_id)
        .where(OrderLine.order_id == order_id)
        .order_by(OrderLine.id)
    ).all()
    return [
        OrderLineView(products[row[0]].name if row[0] in products else row[0], *row[1:])
        for row in rows
    ]


def get_order(session: Session, *, actor: Actor, order_id: int) -> OrderDetails:
    order = _order(session, actor, order_id)
    order_centre = session.get_one(Centre, order.centre_id)
    events = session.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
    )
    return OrderDetails(
        id=order.id,
        reference=order.reference,
        provider=order.payment_provider,
        status=order.status,
        created_at=order.created_at,
        placed_by=session.get_one(User, order.user_id).full_name,
        delivery_option=order.delivery_option,
        international=order.international,
        subtotal_pence=order.subtotal_pence,
        delivery_pence=order.delivery_pence,
        vat_pence=order.vat_pence,
        total_pence=order.total_pence,
        transaction_id=order.provider_transaction_id or "",
        card_last4=order.card_last4 or "",
        payment_detail=order.payment_detail,
        tracking_reference=order.tracking_reference,
        centre=f"{order_centre.number} {order_centre.name}",
        lines=_lines(session, order.id),
        billing=address_lines(session.get(Address, order.billing_address_id)),
        delivery=address_lines(session.get(Address, order.delivery_address_id)),
        history=[StatusChange(event.at, event.status, event.note) for event in events],
        attention=order.attention if actor.is_staff else "",
        card_answers=_card_answers(session, order.id) if actor.is_staff else [],
    )


def _card_answers(session: Session, order_id: int) -> list[CardAnswerRow]:
    answers = session.scalars(
        select(CardAnswer).where(CardAnswer.order_id == order_id).order_by(CardAnswer.id)
    )
    return [
        CardAnswerRow(
            answer.received_at,
            answer.status,
            answer.amount,
            answer.currency,
            answer.transaction_id,
            answer.detail,
            answer.outcome,
        )
        for answer in answers
    ]


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str


def _confirmation_body(details: OrderDetails) -> str:
    lines = [
        f"Thank you for your order {details.id} ({details.reference or 'no reference'}).",
        f"Placed {uk_datetime(details.created_at)}; status: {details.status}.",
        "",
        *(
            f"- {line.product_name}: {line.qualification_title}, {line.reference}, "
            f"{line.reason}, {line.quantity} x {money(line.price_pence)}"
            for line in details.lines
        ),
        "",
        f"Sub Total {money(details.subtotal_pence)}",
        f"Delivery {money(details.delivery_pence)} ({details.delivery_option})",
        f"VAT {money(details.vat_pence)}",
        f"Total {money(details.total_pence)}",
        "",
        "Delivery address:",
        *details.delivery,
    ]
    if details.international:
        lines += ["", INTERNATIONAL_NOTE]
    return "\n".join(lines)


def claim_confirmation(session: Session, *, actor: Actor, order_id: int) -> Email | None:
    """The order confirmation email, once per placed order (None when already sent or
    not placed). Send it in its own transaction: SMTP may be slow."""
    details = get_order(session, actor=actor, order_id=order_id)
    claimed = cast(
        CursorResult,
        session.execute(
            update(Order)
            .where(
                Order.id == order_id,
                Order.confirmation_sent_at.is_(None),
                Order.status.in_(PLACED),
            )
            .values(confirmation_sent_at=utcnow())
        ),
    ).rowcount
    if not claimed:
        return None
    user_email = session.scalars(
        select(User.email).join(Order, Order.user_id == User.id).where(Order.id == order_id)
    ).one()
    return Email(user_email, f"Your order {details.id} is confirmed", _confirmation_body(details))
