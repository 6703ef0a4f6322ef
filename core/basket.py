"""Baskets: what a centre user is about to order, kept in the database (it survives
logout and another browser). One duplicate certificate and one proof-of-qualification
letter per candidate per achievement, ever: refused here when already ordered or in a
colleague's basket, and held by the database's unique index when orders are placed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from core.audit import record_event
from core.batches import not_printed_refusal
from core.certificates import visible_certificate
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.models import Basket, BasketLine, Certificate, OrderLine, Qualification
from core.prices import PricedLine, price_list, vat_pence
from core.revocation import revoked_refusal
from core.users import Actor

# The lines that still count, written as the partial unique index's own WHERE: SQLite
# uses a partial index only when the query repeats its predicate (`active = 1`, what
# SQLAlchemy writes for the column, makes it scan every order line).
COUNTS = text("order_lines.active")
REASONS = ("Duplicate required", "Lost", "Damaged", "Name change", "Other")
ONE_EACH = (
    "Only one duplicate certificate and one proof-of-qualification letter can be ordered "
    "per candidate per achievement."
)
CENTRES_ORDER = (
    "Orders are placed by a centre's own users, and invoiced to that centre; staff do not "
    "place them."
)


def refuse_staff_orders(actor: Actor) -> None:
    """An order is a centre's purchase, listed to its users: staff's work belongs to no
    centre, so staff place none (checked in core, whatever the screens show)."""
    if actor.is_staff:
        raise PermissionDenied(CENTRES_ORDER)


@dataclass(frozen=True)
class BasketSummary:
    items: int
    total_pence: int


@dataclass(frozen=True)
class OrderForm:
    """The Document Reprint form for one certificate and product."""

    certificate_id: int
    product: str
    product_name: str
    qualification_title: str
    reference: str
    price_pence: int
    refused: str | None


@dataclass(frozen=True)
class BasketRow(PricedLine):
    id: int
    product: str
    product_name: str
    qualification_title: str
    reference: str
    reason: str
    quantity: int
    price_pence: int
    vat_each_pence: int
    certificate_id: int


def basket_summary(session: Session, *, actor: Actor) -> BasketSummary:
    """The header's "N items | £0.00" for the actor's basket."""
    items, total = session.execute(
        select(
            func.coalesce(func.sum(BasketLine.quantity), 0),
            func.coalesce(
                func.sum(
                    BasketLine.quantity * (BasketLine.unit_price_pence + BasketLine.vat_pence)
                ),
                0,
            ),
        )
        .join(Basket, Basket.id == BasketLine.basket_id)
        .where(Basket.user_id == actor.user_id)
    ).one()
    return BasketSummary(items=int(items), total_pence=int(total))


def new_token() -> str:
    return uuid.uuid4().hex


def _basket(session: Session, actor: Actor) -> Basket | None:
    return session.scalar(select(Basket).where(Basket.user_id == actor.user_id))


def _basket_for_centre(session: Session, actor: Actor, centre_id: int) -> Basket:
    basket = _basket(session, actor)
    if basket is None:
        basket = Basket(user_id=actor.user_id, centre_id=centre_id, token=new_token())
        session.add(basket)
        session.flush()
    elif basket.centre_id != centre_id:
        if session.scalar(select(BasketLine.id).where(BasketLine.basket_id == basket.id)):
            raise InvalidInput("Your basket holds another centre's items: check them out first.")
        basket.centre_id = centre_id
    return basket


def refusal(session: Session, *, actor: Actor, certificate_id: int, product: str) -> str | None:
    """Why this item cannot be ordered (revoked, not printed yet, already ordered, or in a
    basket: this certificate or another of the same achievement, a candidate and a
    qualification), else None."""
    certificate = session.get(Certificate, certificate_id)
    if certificate is None:
        return None
    if revoked := revoked_refusal(certificate):
        return revoked
    if waiting := not_printed_refusal(session, certificate):
        return waiting
    if session.scalar(
        select(OrderLine.id).where(
            OrderLine.product == product,
            OrderLine.candidate_id == certificate.candidate_id,
            OrderLine.qualification_id == certificate.qualification_id,
            COUNTS,
        )
    ):
        return f"This has already been ordered. {ONE_EACH}"
    same_achievement = select(Certificate.id).where(
        Certificate.candidate_id == certificate.candidate_id,
        Certificate.qualification_id == certificate.qualification_id,
    )
    holder = session.scalar(
        select(Basket.user_id)
        .join(BasketLine, BasketLine.basket_id == Basket.id)
        .where(BasketLine.certificate_id.in_(same_achievement), BasketLine.product == product)
        .limit(1)
    )
    if holder == actor.user_id:
        return "This is already in your basket."
    if holder is not None:
        return f"This is in a colleague's basket. {ONE_EACH}"
    return None


def order_form(session: Session, *, actor: Actor, certificate_id: int, product: str) -> OrderForm:
    item = price_list().product(product)
    certificate = visible_certificate(session, actor=actor, certificate_id=certificate_id)
    return OrderForm(
        certificate_id=certificate.id,
        product=product,
        product_name=item.name,
        qualification_title=certificate.qualification.title,
        reference=certificate.number,
        price_pence=item.price_pence,
        refused=refusal(session, actor=actor, certificate_id=certificate.id, product=product),
    )


def _reason(reason: str, other: str) -> str:
    if reason not in REASONS:
        raise InvalidInput("Choose the reason for the duplicate.")
    if reason != "Other":
        return reason
    other = " ".join(other.split())
    if not 3 <= len(other) <= 150:
        raise InvalidInput("Say why in 3 to 150 characters.")
    return f"Other: {other}"


def check_quantity(quantity: int, *, zero_removes: bool = True) -> None:
    """A basket line's quantity: the one copy that may be ordered, or 0 (the line is
    removed) where `zero_removes`."""
    if quantity == 1 or (quantity == 0 and zero_removes):
        return
    raise InvalidInput(f"One copy only. {ONE_EACH}")


def add_to_basket(
    session: Session,
    *,
    actor: Actor,
    certificate_id: int,
    product: str,
    quantity: int,
    reason: str,
    other_reason: str = "",
) -> BasketLine:
    refuse_staff_orders(actor)
    form = order_form(session, actor=actor, certificate_id=certificate_id, product=product)
    if form.refused:
        raise InvalidInput(form.refused)
    check_quantity(quantity, zero_removes=False)
    centre_id = session.scalars(
        select(Certificate.centre_id).where(Certificate.id == form.certificate_id)
    ).one()
    basket = _basket_for_centre(session, actor, centre_id)
    line = BasketLine(
        basket_id=basket.id,
        product=product,
        certificate_id=form.certificate_id,
        quantity=quantity,
        reason=_reason(reason, other_reason),
        unit_price_pence=form.price_pence,
        vat_pence=vat_pence(form.price_pence),
    )
    session.add(line)
    basket.token = new_token()
    session.flush()
    record_event(
        session,
        action="basket_line_added",
        user_id=actor.user_id,
        centre_id=centre_id,
        target=f"certificate:{form.certificate_id}",
        product=product,
    )
    return line


def basket_rows(session: Session, *, actor: Actor) -> list[BasketRow]:
    products = price_list().products
    rows = session.execute(
        select(
            BasketLine.id,
            BasketLine.product,
            Qualification.title,
            Certificate.number,
            BasketLine.reason,
            BasketLine.quantity,
            BasketLine.unit_price_pence,
            BasketLine.vat_pence,
            BasketLine.certificate_id,
        )
        .join(Basket, Basket.id == BasketLine.basket_id)
        .join(Certificate, Certificate.id == BasketLine.certificate_id)
        .join(Qualification, Qualification.id == Certificate.qualification_id)
        .where(Basket.user_id == actor.user_id)
        .order_by(BasketLine.id)
    ).all()
    return [
        BasketRow(row[0], row[1], products[row[1]].name, *row[2:])
        for row in rows
        if row[1] in products
    ]


def basket_token(session: Session, *, actor: Actor) -> str:
    basket = _basket(session, actor)
    return basket.token if basket else ""


def _own_lines(session: Session, actor: Actor, line_ids: list[int]) -> Basket:
    basket = _basket(session, actor)
    owned = set(
        session.scalars(select(BasketLine.id).where(BasketLine.basket_id == basket.id))
        if basket
        else []
    )
    if basket is None or not set(line_ids) <= owned:
        raise NotFound("That item is not in your basket.")
    return basket


def remove_basket_lines(session: Session, *, actor: Actor, line_ids: list[int]) -> int:
    if not line_ids:
        return 0
    basket = _own_lines(session, actor, line_ids)
    session.execute(delete(BasketLine).where(BasketLine.id.in_(line_ids)))
    basket.token = new_token()
    record_event(session, action="basket_lines_removed", user_id=actor.user_id, lines=len(line_ids))
    return len(line_ids)


def update_basket(session: Session, *, actor: Actor, quantities: dict[int, int]) -> None:
    """Set quantities; 0 removes the item (one copy is the most that can be ordered)."""
    if not quantities:
        return
    basket = _own_lines(session, actor, list(quantities))
    for quantity in quantities.values():
        check_quantity(quantity)
    removed = [line_id for line_id, quantity in quantities.items() if quantity == 0]
    if removed:
        remove_basket_lines(session, actor=actor, line_ids=removed)
    basket.token = new_token()
