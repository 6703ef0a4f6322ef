"""The audit log as staff read it: who did what, when, to which centre, with the value
before and after; filtered by user, centre, action and date, paged by the database."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import Row, Select, func, or_, select
from sqlalchemy.orm import Session

from core.centres import matching_centre
from core.errors import InvalidInput
from core.models import AuditEvent, Centre, User
from core.paging import Page, paginate
from core.text import like_prefix
from core.users import Actor, require_staff


@dataclass(frozen=True)
class AuditFilters:
    user: str = ""  # the start of the user's email or surname
    centre: str = ""  # the start of the centre's number or name
    action: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def check(self) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidInput("The 'from' date is after the 'to' date.")


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: dt.datetime
    user: str
    centre: str
    action: str
    target: str
    detail: str


def _detail(detail: dict | None) -> str:
    """The event's detail as JSON text, in the order it was recorded (before, then
    after); "" when it has none."""
    if not detail:
        return ""
    return json.dumps(detail, ensure_ascii=False, default=str)


def _audit_row(row: Row) -> AuditRow:
    event, email, centre = row
    return AuditRow(
        id=event.id,
        at=event.at,
        user=email or "",
        centre=centre or "",
        action=event.action,
        target=event.target,
        detail=_detail(event.detail),
    )


def _by_user(query: Select, text: str) -> Select:
    pattern = like_prefix(text)
    if pattern is None:
        return query
    return query.where(
        or_(
            User.email.like(pattern, escape="\\"),
            func.lower(User.surname).like(pattern, escape="\\"),
        )
    )


def list_audit_events(
    session: Session,
    *,
    actor: Actor,
    filters: AuditFilters = AuditFilters(),
    page: int = 1,
    per_page: int = 25,
) -> Page[AuditRow]:
    """Events newest first."""
    require_staff(actor)
    filters.check()
    conditions = _event_conditions(filters)
    query = (
        select(AuditEvent, User.email, Centre.number + " " + Centre.name)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .outerjoin(Centre, Centre.id == AuditEvent.centre_id)
        .where(*conditions)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    query = matching_centre(_by_user(query, filters.user), filters.centre)
    total = None
    if not (filters.user or filters.centre):  # the outer joins cannot change the count
        total = session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions))
    return paginate(session, query, page=page, per_page=per_page, to_row=_audit_row, total=total)


def _event_conditions(filters: AuditFilters) -> list:
    """The filters on the event's own columns."""
    conditions = []
    if filters.action:
        conditions.append(AuditEvent.action == filters.action)
    if filters.date_from:
        conditions.append(AuditEvent.at >= dt.datetime.combine(filters.date_from, dt.time()))
    if filters.date_to:
        day_after = filters.date_to + dt.timedelta(days=1)
        conditions.append(AuditEvent.at < dt.datetime.combine(day_after, dt.time()))
    return conditions


def audit_actions(session: Session, *, actor: Actor) -> list[str]:
    """The actions the log holds, for the Action filter, in order. Read as a loose index
    scan (each next action is one seek in ix_audit_action_at): a plain DISTINCT reads
    the whole index, and the log only grows."""
    require_staff(actor)
    action = AuditEvent.action
    first = select(func.min(action).label("action")).cte("actions", recursive=True)
    following = select(func.min(action)).where(action > first.c.action).scalar_subquery()
    actions = first.union_all(select(following).where(first.c.action.is_not(None)))
    return list(session.scalars(select(actions.c.action).where(actions.c.action.is_not(None))))
