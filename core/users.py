"""Who a user is, which centres they may see, and their profile."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import record_event
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.models import Centre, Membership, Role, User
from core.text import clean_text

_PHONE = re.compile(r"^[0-9 +()-]{0,40}$")


@dataclass(frozen=True)
class Actor:
    """The signed-in user as core sees them: their id, role and the centre they act for."""

    user_id: int
    email: str
    role: str
    centre_id: int | None
    centre_name: str = "No centre"
    # Two-factor sign-in is required of them (staff, or a centre that requires it) and
    # not set up yet: they may only set it up, or log out.
    must_enrol: bool = False

    @property
    def is_staff(self) -> bool:
        return self.role == Role.STAFF.value


STAFF_ONLY = "Only the awarding body's staff can do that."
ENROL_FIRST = "Set up two-factor sign-in first: your account must use it."


def require_staff(actor: Actor) -> None:
    """Refuse anyone but staff, and staff who have not set up two-factor sign-in:
    checked in core, whatever the menu shows."""
    if not actor.is_staff:
        raise PermissionDenied(STAFF_ONLY)
    if actor.must_enrol:
        raise PermissionDenied(ENROL_FIRST)


def member_centre_ids(session: Session, user_id: int) -> list[int]:
    return list(session.scalars(select(Membership.centre_id).where(Membership.user_id == user_id)))


def centres_for(session: Session, *, user: User) -> list[Centre]:
    """The centres a user may act for: staff, every centre; others, their memberships."""
    query = select(Centre).order_by(Centre.name)
    if user.role != Role.STAFF.value:
        query = query.join(Membership, Membership.centre_id == Centre.id).where(
            Membership.user_id == user.id
        )
    return list(session.scalars(query))


STAFF_CENTRE_NAME = "Staff, every centre"


def centre_role(session: Session, *, user_id: int, centre_id: int | None) -> str | None:
    """The user's role at that centre (coordinator or centre user); None if not a member."""
    if centre_id is None:
        return None
    return session.scalar(
        select(Membership.role).where(
            Membership.user_id == user_id, Membership.centre_id == centre_id
        )
    )


def actor_for(session: Session, *, user: User) -> Actor:
    """The user's actor; their active centre falls back to the first one they may see.
    Staff act for no centre: they see every centre, and their own work (exports, jobs)
    is recorded against none, so that no centre's users ever see it. A centre user's
    role is their role at that centre (the membership's), not the user's. Two-factor
    sign-in is required of staff and of members of a centre that requires it."""
    if user.role == Role.STAFF.value:
        return Actor(
            user_id=user.id,
            email=user.email,
            role=user.role,
            centre_id=None,
            centre_name=STAFF_CENTRE_NAME,
            must_enrol=not user.has_two_factor,
        )
    seen = centres_for(session, user=user)
    centres = {centre.id: centre.name for centre in seen}
    required = any(centre.require_two_factor for centre in seen)
    centre_id = user.active_centre_id if user.active_centre_id in centres else None
    if centre_id is None and centres:
        centre_id = next(iter(centres))
    role = centre_role(session, user_id=user.id, centre_id=centre_id) or Role.CENTRE_USER.value
    return Actor(
        user_id=user.id,
        email=user.email,
        role=role,
        centre_id=centre_id,
        centre_name="No centre" if centre_id is None else centres[centre_id],
        must_enrol=required and not user.has_two_factor,
    )


COORDINATOR_ONLY = "Only a coordinator of this centre can do that."


def require_coordinator(session: Session, actor: Actor) -> None:
    """Refuse anyone who is not a coordinator of the centre they act for, as the
    database says now (not as the actor was drawn: a role may have changed since)."""
    role = centre_role(session, user_id=actor.user_id, centre_id=actor.centre_id)
    if role != Role.COORDINATOR.value:
        raise PermissionDenied(COORDINATOR_ONLY)


def set_active_centre(session: Session, *, user_id: int, centre_id: int) -> Centre:
    user = session.get_one(User, user_id)
    allowed = {centre.id: centre for centre in centres_for(session, user=user)}
    if centre_id not in allowed:
        raise NotFound("No such centre.")
    user.active_centre_id = centre_id
    record_event(session, action="active_centre_changed", user_id=user_id, centre_id=centre_id)
    return allowed[centre_id]


def update_personal_details(
    session: Session, *, user_id: int, first_name: str, surname: str, telephone: str, mobile: str
) -> User:
    first_name = clean_text(first_name, "First name", 100)
    surname = clean_text(surname, "Surname", 100)
    if not first_name or not surname:
        raise InvalidInput("First name and surname are both needed.")
    for label, number in (("Telephone", telephone), ("Mobile", mobile)):
        if not _PHONE.match(number.strip()):
            raise InvalidInput(f"{label} may hold only digits, spaces and + ( ) -.")
    user = session.get_one(User, user_id)
    user.first_name, user.surname = first_name, surname
    user.telephone, user.mobile = telephone.strip(), mobile.strip()
    record_event(session, action="profile_updated", user_id=user_id)
    return user


def find_user_by_id(session: Session, *, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def centre_choices(session: Session, *, actor: Actor) -> dict[int, str]:
    """Centres the actor may pick from, by id, in name order."""
    user = find_user_by_id(session, user_id=actor.user_id)
    return {centre.id: centre.name for centre in centres_for(session, user=user)}
