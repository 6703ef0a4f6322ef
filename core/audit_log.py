"""The audit log as staff read it: who did what, when, to which centre, with the value
before and after; filtered by user, centre, action and date, paged by the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from core.centres import matching_centre
from core.errors import InvalidInput
from core.models import AuditEvent, Centre, Certificate, Job, User
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


def action_label(action: str) -> str:
    """An action as words: order_status_changed is "Order status changed"."""
    return action.replace("_", " ").capitalize()


def _value(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return ", ".join(f"{key.replace('_', ' ')} {_value(inner)}" for key, inner in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_value(inner) for inner in value)
    return str(value)


def _detail(detail: dict | None) -> str:
    """What changed, in words: "status: Processing → Dispatched; note: …" from the
    recorded before and after, then anything else recorded ("rows: 12")."""
    if not detail:
        return ""
    before = detail.get("before") or {}
    after = detail.get("after") or {}
    parts = []
    for key in [*before, *(key for key in after if key not in before)]:
        old, new = before.get(key), after.get(key)
        label = key.replace("_", " ")
        parts.append(
            f"{label}: {_value(old)} → {_value(new)}"
            if key in before
            else f"{label}: {_value(new)}"
        )
    parts += [
        f"{key.replace('_', ' ')}: {_value(value)}"
        for key, value in detail.items()
        if key not in ("before", "after")
    ]
    return "; ".join(parts)


_user_name = (User.first_name + " " + User.surname + " <" + User.email + ">").label("user_name")


# What a target's id names, read for a page of events at once (one query per kind).
_NAME_QUERIES = {
    "user": lambda ids: select(User.id, _user_name).where(User.id.in_(ids)),
    "centre": lambda ids: select(Centre.id, Centre.number + " " + Centre.name).where(
        Centre.id.in_(ids)
    ),
    "certificate": lambda ids: select(Certificate.id, Certificate.number).where(
        Certificate.id.in_(ids)
    ),
    "job": lambda ids: select(Job.id, Job.file_name).where(Job.id.in_(ids)),
}
_KIND_WORDS = {
    "user": "User",
    "centre": "Centre",
    "certificate": "Certificate",
    "job": "Export",
    "batch": "Batch",
    "order": "Order",
    "problem_report": "Problem report",
    "user_request": "Request for a user",
    "month": "Month",
}


def _split(target: str) -> tuple[str, str]:
    kind, _, key = target.partition(":")
    return kind, key


def _target_names(session: Session, targets: list[str]) -> dict[str, str]:
    """Each target as words: "user:12" is "User Carly Hughes <carly@…>", "order:5" is
    "Order 5"; one it does not know stays as recorded."""
    ids: dict[str, set[int]] = {}
    for kind, key in map(_split, targets):
        if kind in _NAME_QUERIES and key.isdigit():
            ids.setdefault(kind, set()).add(int(key))
    names = {
        f"{kind}:{row_id}": name
        for kind, wanted in ids.items()
        for row_id, name in session.execute(_NAME_QUERIES[kind](wanted))
    }
    words = {}
    for target in targets:
        kind, key = _split(target)
        if kind in _KIND_WORDS and key:
            words[target] = f"{_KIND_WORDS[kind]} {names.get(target, key)}"
        else:
            words[target] = target
    return words


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
        select(AuditEvent, _user_name, Centre.number + " " + Centre.name)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .outerjoin(Centre, Centre.id == AuditEvent.centre_id)
        .where(*conditions)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    query = matching_centre(_by_user(query, filters.user), filters.centre)
    total = None
    if not (filters.user or filters.centre):  # the outer joins cannot change the count
        total = session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions))
    result = paginate(session, query, page=page, per_page=per_page, to_row=tuple, total=total)
    names = _target_names(session, [event.target for event, _, _ in result.rows])
    return Page(
        total=result.total,
        page=result.page,
        per_page=result.per_page,
        rows=[
            AuditRow(
                id=event.id,
                at=event.at,
                user=user or "",
                centre=centre or "",
                action=action_label(event.action),
                target=names.get(event.target, event.target),
                detail=_detail(event.detail),
            )
            for event, user, centre in result.rows
        ],
    )


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
