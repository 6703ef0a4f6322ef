"""Orders as staff run them: status changes the centre follows in the order's history,
and a month's Centre Credits orders as a CSV for invoicing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.addresses import address_lines
from core.audit import record_event
from core.checkout import NO_SUCH_ORDER, PAID_AFTER_CANCELLATION, add_status, cancel_order
from core.errors import InvalidInput, NotFound
from core.follow_ups import tell_order_moved
from core.models import Address, Centre, Order, OrderEvent, OrderLine, OrderStatus
from core.payments.base import PaymentMethod
from core.text import clean_text, excel_csv, money, uk_date
from core.users import Actor, require_staff

STAFF_STATUSES = (OrderStatus.PROCESSING, OrderStatus.DISPATCHED, OrderStatus.CANCELLED)
FINAL = (OrderStatus.CANCELLED, OrderStatus.PAYMENT_DECLINED)
INVOICED = (
    OrderStatus.PROCESSING_CREDITS,
    OrderStatus.PROCESSING,
    OrderStatus.DISPATCHED,
)
INVOICE_HEADER = [
    "Order ID",
    "Placed",
    "Centre Number",
    "Centre",
    "Reference",
    "Products",
    "Sub Total",
    "Delivery",
    "VAT",
    "Total",
    "Delivery Option",
    "International",
    "Status",
    "Billing Address",
]


def _note(text: str, what: str, *, required: bool) -> str:
    text = clean_text(text, what, 100 if what == "Tracking reference" else 300)
    if required and not text:
        raise InvalidInput(f"Enter the {what.lower()}.")
    return text


def set_order_status(
    session: Session,
    *,
    actor: Actor,
    order_id: int,
    status: str,
    tracking_reference: str = "",
    reason: str = "",
) -> Order:
    """Processing, Dispatched (with a tracking reference) or Cancelled (with a reason):
    the step joins the order's history, which the centre reads on the order's page, and
    the user who placed it is emailed when it is dispatched or cancelled."""
    require_staff(actor)
    if status not in STAFF_STATUSES:
        raise InvalidInput("Choose Processing, Dispatched or Cancelled.")
    order = session.get(Order, order_id, with_for_update=True)
    if order is None:
        raise NotFound(NO_SUCH_ORDER)
    if order.status in FINAL:
        raise InvalidInput(f"This order is {order.status.lower()}; its status cannot change.")
    if order.status == OrderStatus.AWAITING_PAYMENT and status != OrderStatus.CANCELLED:
        raise InvalidInput("This order is still awaiting payment; it can only be cancelled.")
    if status == OrderStatus.CANCELLED:
        reason = _note(reason, "Reason", required=True)
        order = cancel_order(session, actor=actor, order_id=order.id, note=reason)
        tell_order_moved(session, order, f"The reason given: {reason}")
        return order
    note = "Being prepared."
    if order.status == OrderStatus.DISPATCHED and status == OrderStatus.PROCESSING:
        order.tracking_reference, note = "", "Back to Processing: not dispatched after all."
    if status == OrderStatus.DISPATCHED:
        tracking = _note(tracking_reference, "Tracking reference", required=True)
        order.tracking_reference, note = tracking, f"Dispatched; tracking reference {tracking}."
    add_status(session, order, status, note, actor.user_id)
    if status == OrderStatus.DISPATCHED:
        tell_order_moved(session, order, f"Its tracking reference is {tracking}.")
    return order


def _late_payment(session: Session, actor: Actor, order_id: int) -> Order:
    require_staff(actor)
    order = session.get(Order, order_id, with_for_update=True)
    if order is None:
        raise NotFound(NO_SUCH_ORDER)
    if order.attention != PAID_AFTER_CANCELLATION:
        raise InvalidInput("This order has no payment made after cancellation to settle.")
    return order


def refund_late_payment(session: Session, *, actor: Actor, order_id: int, note: str) -> Order:
    """Staff refunded (in Opayo's MySagePay) a card payment that arrived after the order
    was cancelled: the order stays cancelled, its history and the audit log say so."""
    order = _late_payment(session, actor, order_id)
    note = _note(note, "Note", required=False)
    order.attention = ""
    text = f"Card payment {order.provider_transaction_id} refunded." + (f" {note}" if note else "")
    session.add(
        OrderEvent(order_id=order.id, status=order.status, note=text, user_id=actor.user_id)
    )
    return _late_payment_settled(session, actor, order, "refunded", text, note)


def reinstate_late_payment(session: Session, *, actor: Actor, order_id: int, note: str) -> Order:
    """Staff keep a card payment that arrived after the order was cancelled: the order
    is placed again as paid, unless one of its items has been ordered again since (then
    refund it instead)."""
    order = _late_payment(session, actor, order_id)
    note = _note(note, "Note", required=False)
    try:
        with session.begin_nested():
            session.execute(
                update(OrderLine).where(OrderLine.order_id == order.id).values(active=True)
            )
    except IntegrityError:
        raise InvalidInput(
            "An item of this order has been ordered again since it was cancelled: refund "
            "the payment instead."
        ) from None
    order.attention = ""
    text = "Reinstated: the card payment made after cancellation is kept." + (
        f" {note}" if note else ""
    )
    add_status(session, order, OrderStatus.PROCESSING_CLEARED, text, actor.user_id)
    return _late_payment_settled(session, actor, order, "reinstated", text, note)


def _late_payment_settled(
    session: Session, actor: Actor, order: Order, what: str, text: str, note: str
) -> Order:
    """Audit how staff settled a payment made after cancellation, and tell the payer."""
    record_event(
        session,
        action=f"late_payment_{what}",
        user_id=actor.user_id,
        centre_id=order.centre_id,
        target=f"order:{order.id}",
        before={"attention": PAID_AFTER_CANCELLATION},
        after={"status": order.status, "note": note},
    )
    tell_order_moved(session, order, text, what=what)
    return order


def _month_range(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(month.year, month.month, 1)
    end = dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 1)
    return start, end


def invoice_csv(session: Session, *, actor: Actor, month: dt.date) -> bytes:
    """Centre Credits orders placed in `month` and not cancelled, oldest first, one row
    each with its centre, money (£) and billing address on the order."""
    require_staff(actor)
    start, end = _month_range(month)
    rows = session.execute(
        select(Order, Centre.number, Centre.name, Address)
        .join(Centre, Centre.id == Order.centre_id)
        .outerjoin(Address, Address.id == Order.billing_address_id)
        .where(
            Order.payment_provider == PaymentMethod.CREDITS,
            Order.status.in_(INVOICED),
            Order.created_at >= start,
            Order.created_at < end,
        )
        .order_by(Order.created_at, Order.id)
    ).all()
    record_event(
        session,
        action="invoice_csv_made",
        user_id=actor.user_id,
        target=f"month:{month:%Y-%m}",
        rows=len(rows),
    )
    data, _ = excel_csv(INVOICE_HEADER, (_invoice_row(*row) for row in rows))
    return data


def _invoice_row(order: Order, number: str, name: str, billing: Address | None) -> list:
    return [
        order.id,
        uk_date(order.created_at),
        number,
        name,
        order.reference,
        order.total_products,
        money(order.subtotal_pence),
        money(order.delivery_pence),
        money(order.vat_pence),
        money(order.total_pence),
        order.delivery_option,
        "Yes (delivery charge to arrange)" if order.international else "No",
        order.status,
        ", ".join(address_lines(billing)),
    ]


def invoice_file_name(month: dt.date) -> str:
    return f"centre-credits-orders_{month:%Y-%m}.csv"
