"""Centres as staff keep them: number, name, email, and the billing and delivery
addresses that Centre Credits orders use (core/checkout.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from core.addresses import AddressInput, address_input, address_lines, address_row, check_address
from core.audit import record_event
from core.errors import InvalidInput, NotFound
from core.models import Centre, Membership
from core.paging import Page, paginate
from core.text import clean_text, like_prefix
from core.users import Actor, require_staff

NO_SUCH_CENTRE = "There is no centre with that ID."
_CENTRE_NUMBER = re.compile(r"^[A-Za-z0-9-]{1,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class CentreInput:
    number: str
    name: str
    email: str
    billing: AddressInput
    delivery: AddressInput


@dataclass(frozen=True)
class CentreRow:
    id: int
    number: str
    name: str
    email: str
    users: int


def check_email(email: str, what: str = "Email") -> str:
    email = clean_text(email, what, 254).lower()
    if not _EMAIL.match(email):
        raise InvalidInput(f"{what}: enter an address such as exams@centre.example.")
    return email


def _checked(centre: CentreInput) -> CentreInput:
    number = clean_text(centre.number, "Centre number", 20).upper()
    if not _CENTRE_NUMBER.match(number):
        raise InvalidInput("Centre number: letters, digits and hyphens only (for example C00042).")
    name = clean_text(centre.name, "Centre name", 200)
    if not name:
        raise InvalidInput("Enter the centre's name.")
    return CentreInput(
        number=number,
        name=name,
        email=check_email(centre.email, "Centre email"),
        billing=check_address(centre.billing, "Billing", to_person=False),
        delivery=check_address(centre.delivery, "Delivery", to_person=False),
    )


def _snapshot(centre: Centre) -> dict[str, object]:
    """What an audit event keeps of a centre, before and after a change."""
    return {
        "number": centre.number,
        "name": centre.name,
        "email": centre.email,
        "billing": address_lines(centre.billing_address),
        "delivery": address_lines(centre.delivery_address),
    }


def _apply(session: Session, centre: Centre, values: CentreInput) -> None:
    centre.number, centre.name, centre.email = values.number, values.name, values.email
    centre.billing_address = address_row(values.billing)
    centre.delivery_address = address_row(values.delivery)
    session.flush()


def _refuse_taken_number(session: Session, number: str, centre_id: int | None) -> None:
    taken = select(Centre.id).where(Centre.number == number, Centre.id != centre_id)
    if session.scalar(taken) is not None:
        raise InvalidInput(f"Centre number {number} is already in use.")


def create_centre(session: Session, *, actor: Actor, centre: CentreInput) -> Centre:
    require_staff(actor)
    values = _checked(centre)
    _refuse_taken_number(session, values.number, None)
    row = Centre(number=values.number, name=values.name)
    session.add(row)
    _apply(session, row, values)
    record_event(
        session,
        action="centre_created",
        user_id=actor.user_id,
        centre_id=row.id,
        target=f"centre:{row.id}",
        before=None,
        after=_snapshot(row),
    )
    return row


def update_centre(session: Session, *, actor: Actor, centre_id: int, centre: CentreInput) -> Centre:
    """Change a centre's details; orders already placed keep their own address copies."""
    require_staff(actor)
    row = get_centre(session, actor=actor, centre_id=centre_id)
    values = _checked(centre)
    _refuse_taken_number(session, values.number, row.id)
    before = _snapshot(row)
    _apply(session, row, values)
    record_event(
        session,
        action="centre_updated",
        user_id=actor.user_id,
        centre_id=row.id,
        target=f"centre:{row.id}",
        before=before,
        after=_snapshot(row),
    )
    return row


def get_centre(session: Session, *, actor: Actor, centre_id: int) -> Centre:
    require_staff(actor)
    centre = session.get(Centre, centre_id)
    if centre is None:
        raise NotFound(NO_SUCH_CENTRE)
    return centre


def centre_form(session: Session, *, actor: Actor, centre_id: int) -> CentreInput:
    """A centre's details as the form that edits them."""
    centre = get_centre(session, actor=actor, centre_id=centre_id)
    return CentreInput(
        number=centre.number,
        name=centre.name,
        email=centre.email,
        billing=address_input(centre.billing_address),
        delivery=address_input(centre.delivery_address),
    )


def matching_centre(query: Select, text: str) -> Select:
    """`query` (which has Centre in it) narrowed to centres whose number or name starts
    with `text`, whatever the case."""
    pattern = like_prefix(text)
    if pattern is None:
        return query
    return query.where(
        or_(
            func.lower(Centre.number).like(pattern, escape="\\"),
            func.lower(Centre.name).like(pattern, escape="\\"),
        )
    )


def list_centres(
    session: Session, *, actor: Actor, search: str = "", page: int = 1, per_page: int = 10
) -> Page[CentreRow]:
    """Every centre, by name, found by the start of its number or name."""
    require_staff(actor)
    users = (
        select(func.count())
        .select_from(Membership)
        .where(Membership.centre_id == Centre.id)
        .scalar_subquery()
    )
    query = select(Centre.id, Centre.number, Centre.name, Centre.email, users).order_by(
        Centre.name, Centre.id
    )
    query = matching_centre(query, search)
    return paginate(session, query, page=page, per_page=per_page, to_row=lambda r: CentreRow(*r))


def centre_names(session: Session, *, actor: Actor) -> dict[int, str]:
    """Every centre as "number name", by id, for staff pickers."""
    require_staff(actor)
    rows = session.execute(select(Centre.id, Centre.number, Centre.name).order_by(Centre.name))
    return {centre_id: f"{number} {name}" for centre_id, number, name in rows}
