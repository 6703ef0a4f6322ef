"""Users as staff manage them: add a user to a centre (emailed a link to set a first
password), change a role, disable, enable, unlock; and a coordinator's requests for an
additional user, which staff approve or reject."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Row, Select, case, func, or_, select
from sqlalchemy.orm import Session

from core.audit import record_event
from core.auth import find_user, is_locked, send_first_password_link
from core.centres import check_email, get_centre
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.models import Centre, Membership, Role, User, UserRequest, UserRequestStatus, utcnow
from core.paging import Page, paginate
from core.text import clean_text, like_prefix
from core.users import Actor, require_coordinator, require_staff

NO_SUCH_USER = "There is no user with that ID."
NO_SUCH_REQUEST = "There is no request with that ID."
ROLE_NAMES = {
    Role.COORDINATOR: "Centre coordinator",
    Role.CENTRE_USER: "Centre user",
    Role.STAFF: "Staff",
}


@dataclass(frozen=True)
class NewUser:
    first_name: str
    surname: str
    email: str
    role: str = Role.CENTRE_USER.value


@dataclass(frozen=True)
class UserRow:
    id: int
    email: str
    name: str
    role: str
    status: str
    created_at: dt.datetime
    two_factor: str = "Off"


@dataclass(frozen=True)
class RequestRow:
    id: int
    centre: str
    requested_by: str
    name: str
    email: str
    status: str
    reason: str
    created_at: dt.datetime


def account_status(user: User) -> str:
    if not user.is_active:
        return "Disabled"
    if is_locked(user):
        return "Locked"
    return "Active" if user.password_hash else "No password yet"


def _state(user: User, session: Session | None = None) -> dict[str, object]:
    """What an audit event keeps of an account, before and after a change: with the
    session, also the role at each centre (by centre id)."""
    state: dict[str, object] = {"role": user.role, "status": account_status(user)}
    if session is not None:
        roles = session.execute(
            select(Membership.centre_id, Membership.role).where(Membership.user_id == user.id)
        ).all()
        state["centre_roles"] = {str(centre_id): role for centre_id, role in roles}
    return state


def _checked(new: NewUser) -> NewUser:
    first_name = clean_text(new.first_name, "First name", 100)
    surname = clean_text(new.surname, "Surname", 100)
    if not first_name or not surname:
        raise InvalidInput("Enter the user's first name and surname.")
    if new.role not in tuple(Role):
        raise InvalidInput("Choose a role from the list.")
    return NewUser(first_name, surname, check_email(new.email), new.role)


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(NO_SUCH_USER)
    return user


def _centre_role(role: str) -> str:
    """The role a membership holds: staff are staff everywhere, by their account."""
    return Role.CENTRE_USER.value if role == Role.STAFF else str(role)


def _join(session: Session, actor: Actor, user: User, centre: Centre, role: str) -> None:
    member = session.get(Membership, (user.id, centre.id))
    if member is not None:
        raise InvalidInput(f"{user.email} is already a user of {centre.name}.")
    session.add(Membership(user_id=user.id, centre_id=centre.id, role=_centre_role(role)))
    record_event(
        session,
        action="user_added_to_centre",
        user_id=actor.user_id,
        centre_id=centre.id,
        target=f"user:{user.id}",
        before=None,
        after={"email": user.email, "centre": centre.number, "role": _centre_role(role)},
    )


def add_user(session: Session, *, actor: Actor, centre_id: int, new: NewUser) -> User:
    """Add a user to a centre. Someone new gets an account and an email with a link to
    set a first password; an existing account simply joins the centre."""
    require_staff(actor)
    centre = get_centre(session, actor=actor, centre_id=centre_id)
    new = _checked(new)
    user = find_user(session, new.email)
    if user is None:
        user = User(
            email=new.email,
            first_name=new.first_name,
            surname=new.surname,
            role=new.role,
            active_centre_id=centre.id,
        )
        session.add(user)
        session.flush()
        record_event(
            session,
            action="user_created",
            user_id=actor.user_id,
            centre_id=centre.id,
            target=f"user:{user.id}",
            before=None,
            after={"email": user.email, **_state(user)},
        )
        send_first_password_link(session, user=user, centre_name=centre.name)
    _join(session, actor, user, centre, new.role)
    session.flush()
    return user


def _change(
    session: Session,
    actor: Actor,
    user: User,
    action: str,
    change: Callable[[User], object],
    centre_id: int | None = None,
    roles: bool = False,
) -> User:
    """Apply `change` to another user's account, audited with before and after (with
    `roles`, the role at each of their centres too)."""
    if user.id == actor.user_id:
        raise InvalidInput("You cannot change your own account here; ask another member of staff.")
    reading = session if roles else None
    before = _state(user, reading)
    change(user)
    session.flush()
    record_event(
        session,
        action=action,
        user_id=actor.user_id,
        centre_id=centre_id or user.active_centre_id,
        target=f"user:{user.id}",
        before=before,
        after=_state(user, reading),
    )
    return user


def change_role(
    session: Session, *, actor: Actor, user_id: int, role: str, centre_id: int | None = None
) -> User:
    """Staff or a centre role. A centre role (coordinator, centre user) is held per
    centre: at `centre_id`, or when none is given at every centre the user belongs to."""
    require_staff(actor)
    if role not in tuple(Role):
        raise InvalidInput("Choose a role from the list.")
    user = _user(session, user_id)
    memberships = select(Membership).where(Membership.user_id == user.id)
    if centre_id is not None:
        memberships = memberships.where(Membership.centre_id == centre_id)
    held = list(session.scalars(memberships))
    if centre_id is not None and not held:
        raise InvalidInput("That user is not a member of this centre.")

    def set_role(user: User) -> None:
        if role == Role.STAFF or user.role == Role.STAFF or centre_id is None:
            user.role = role
        for membership in held:
            membership.role = _centre_role(role)

    return _change(session, actor, user, "user_role_changed", set_role, centre_id, roles=True)


def disable_user(session: Session, *, actor: Actor, user_id: int) -> User:
    """The user can no longer sign in, and every sign-in they have ends now."""
    require_staff(actor)

    def disable(user: User) -> None:
        user.is_active, user.sessions_valid_after = False, utcnow()

    return _change(session, actor, _user(session, user_id), "user_disabled", disable)


def enable_user(session: Session, *, actor: Actor, user_id: int) -> User:
    require_staff(actor)

    def enable(user: User) -> None:
        user.is_active = True

    return _change(session, actor, _user(session, user_id), "user_enabled", enable)


def unlock_user(session: Session, *, actor: Actor, user_id: int) -> User:
    """End a lockout after too many wrong passwords: the user may sign in at once."""
    require_staff(actor)

    def unlock(user: User) -> None:
        user.failed_logins, user.locked_until = 0, None

    return _change(session, actor, _user(session, user_id), "user_unlocked", unlock)


def _users_query(centre_id: int | None, search: str) -> Select:
    """Users with their role: of one centre, their role there (staff stay staff)."""
    query = select(User, User.role).order_by(User.surname, User.first_name, User.id)
    if centre_id is not None:
        role_there = case((User.role == Role.STAFF.value, User.role), else_=Membership.role)
        query = (
            select(User, role_there)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.centre_id == centre_id)
            .order_by(User.surname, User.first_name, User.id)
        )
    pattern = like_prefix(search)
    if pattern is not None:
        query = query.where(
            or_(
                User.email.like(pattern, escape="\\"),
                func.lower(User.surname).like(pattern, escape="\\"),
                func.lower(User.first_name).like(pattern, escape="\\"),
            )
        )
    return query


def _user_row(row: Row) -> UserRow:
    user, role = row
    return UserRow(
        id=user.id,
        email=user.email,
        name=user.full_name,
        role=ROLE_NAMES.get(role, role),
        status=account_status(user),
        created_at=user.created_at,
        two_factor="On" if user.has_two_factor else "Off",
    )


def list_users(
    session: Session,
    *,
    actor: Actor,
    centre_id: int | None = None,
    search: str = "",
    page: int = 1,
    per_page: int = 10,
) -> Page[UserRow]:
    """Users by surname; of one centre, and found by the start of an email or name."""
    require_staff(actor)
    query = _users_query(centre_id, search)
    return paginate(session, query, page=page, per_page=per_page, to_row=_user_row)


def request_user(
    session: Session, *, actor: Actor, first_name: str, surname: str, email: str
) -> UserRequest:
    """A coordinator of the centre the actor acts for asks for an additional user there."""
    try:
        require_coordinator(session, actor)
    except PermissionDenied:
        raise PermissionDenied(
            "Only a coordinator of this centre can ask for an additional user."
        ) from None
    new = _checked(NewUser(first_name, surname, email))
    pending = select(UserRequest.id).where(
        UserRequest.centre_id == actor.centre_id,
        UserRequest.email == new.email,
        UserRequest.status == UserRequestStatus.PENDING,
    )
    if session.scalar(pending) is not None:
        raise InvalidInput(f"A request for {new.email} is already waiting for us.")
    request = UserRequest(
        centre_id=actor.centre_id,
        requested_by_id=actor.user_id,
        first_name=new.first_name,
        surname=new.surname,
        email=new.email,
    )
    session.add(request)
    session.flush()
    record_event(
        session,
        action="user_requested",
        user_id=actor.user_id,
        centre_id=actor.centre_id,
        target=f"user_request:{request.id}",
        before=None,
        after={"email": new.email, "status": request.status.value},
    )
    return request


def list_user_requests(
    session: Session,
    *,
    actor: Actor,
    status: str | None = None,
    page: int = 1,
    per_page: int = 10,
) -> Page[RequestRow]:
    """Requests newest first: staff see every centre's, a coordinator the requests of the
    centre they act for (and coordinate)."""
    if not actor.is_staff:
        try:
            require_coordinator(session, actor)
        except PermissionDenied:
            raise PermissionDenied(
                "Only a coordinator of this centre can see its requests for users."
            ) from None
    requester = User.first_name + " " + User.surname
    query = (
        select(
            UserRequest.id,
            Centre.number + " " + Centre.name,
            requester,
            UserRequest.first_name + " " + UserRequest.surname,
            UserRequest.email,
            UserRequest.status,
            UserRequest.reason,
            UserRequest.created_at,
        )
        .join(Centre, Centre.id == UserRequest.centre_id)
        .join(User, User.id == UserRequest.requested_by_id)
        .order_by(UserRequest.created_at.desc(), UserRequest.id.desc())
    )
    if not actor.is_staff:
        query = query.where(UserRequest.centre_id == actor.centre_id)
    if status:
        query = query.where(UserRequest.status == status)
    return paginate(session, query, page=page, per_page=per_page, to_row=lambda r: RequestRow(*r))


def _pending(session: Session, request_id: int) -> UserRequest:
    request = session.get(UserRequest, request_id, with_for_update=True)
    if request is None:
        raise NotFound(NO_SUCH_REQUEST)
    if request.status != UserRequestStatus.PENDING:
        raise InvalidInput(f"This request was already {request.status.value.lower()}.")
    return request


def _decide(
    session: Session,
    actor: Actor,
    request: UserRequest,
    status: UserRequestStatus,
    reason: str,
) -> None:
    request.status, request.reason = status, reason
    request.decided_by_id, request.decided_at = actor.user_id, utcnow()
    record_event(
        session,
        action=f"user_request_{status.value.lower()}",
        user_id=actor.user_id,
        centre_id=request.centre_id,
        target=f"user_request:{request.id}",
        before={"status": UserRequestStatus.PENDING.value},
        after={"status": status.value, "reason": reason},
    )


def approve_user_request(session: Session, *, actor: Actor, request_id: int) -> User:
    """Create the requested user (emailed a link to set a first password)."""
    require_staff(actor)
    request = _pending(session, request_id)
    new = NewUser(request.first_name, request.surname, request.email)
    user = add_user(session, actor=actor, centre_id=request.centre_id, new=new)
    _decide(session, actor, request, UserRequestStatus.APPROVED, "")
    return user


def reject_user_request(
    session: Session, *, actor: Actor, request_id: int, reason: str
) -> UserRequest:
    """Refuse a request with a reason the coordinator reads under Profile."""
    require_staff(actor)
    reason = clean_text(reason, "The reason", 500)
    if len(reason) < 5:
        raise InvalidInput("Say why the request is rejected: the coordinator reads it.")
    request = _pending(session, request_id)
    _decide(session, actor, request, UserRequestStatus.REJECTED, reason)
    return request
