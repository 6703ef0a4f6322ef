"""Every state change leaves an audit event: who, when, what, from which centre."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.models import AuditEvent


def record_event(
    session: Session,
    *,
    action: str,
    user_id: int | None,
    centre_id: int | None = None,
    target: str = "",
    **detail: object,
) -> None:
    session.add(
        AuditEvent(
            action=action, user_id=user_id, centre_id=centre_id, target=target, detail=detail
        )
    )
