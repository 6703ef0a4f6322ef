"""A checkout under way, kept on the server per user: the step reached, the billing and
delivery addresses given and the delivery option chosen. A reload, a new tab or another
browser takes checkout up where the user left it; placing the order ends the draft.
Nothing of it lives in the browser."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields

from sqlalchemy import delete
from sqlalchemy.orm import Session

from core.addresses import AddressInput
from core.models import CheckoutDraft as DraftRow
from core.users import Actor

STEPS = 5


@dataclass(frozen=True)
class CheckoutDraft:
    step: int = 1
    billing: AddressInput = field(default_factory=AddressInput)
    delivery: AddressInput = field(default_factory=AddressInput)
    delivery_option: str = ""


def _address(stored: dict) -> AddressInput:
    """An address as stored (fields it no longer has are ignored, new ones default)."""
    known = {one.name for one in fields(AddressInput)}
    return AddressInput(**{key: str(value) for key, value in stored.items() if key in known})


def load_draft(session: Session, *, actor: Actor) -> CheckoutDraft:
    """The actor's checkout as they left it, or a fresh one at step 1."""
    row = session.get(DraftRow, actor.user_id)
    if row is None:
        return CheckoutDraft()
    return CheckoutDraft(
        step=min(max(row.step, 1), STEPS),
        billing=_address(row.billing),
        delivery=_address(row.delivery),
        delivery_option=row.delivery_option,
    )


def save_draft(
    session: Session,
    *,
    actor: Actor,
    step: int,
    billing: AddressInput | None = None,
    delivery: AddressInput | None = None,
    delivery_option: str | None = None,
) -> CheckoutDraft:
    """Move the actor's checkout to `step`, with whatever they have just given (what is
    not given stays as it was); returns the draft as saved."""
    draft = load_draft(session, actor=actor)
    draft = CheckoutDraft(
        step=min(max(step, 1), STEPS),
        billing=draft.billing if billing is None else billing,
        delivery=draft.delivery if delivery is None else delivery,
        delivery_option=draft.delivery_option if delivery_option is None else delivery_option,
    )
    row = session.get(DraftRow, actor.user_id) or DraftRow(user_id=actor.user_id)
    row.step = draft.step
    row.billing = dataclasses.asdict(draft.billing)
    row.delivery = dataclasses.asdict(draft.delivery)
    row.delivery_option = draft.delivery_option
    session.add(row)
    return draft


def end_draft(session: Session, *, actor: Actor) -> None:
    """Forget the actor's checkout (the order is placed)."""
    session.execute(delete(DraftRow).where(DraftRow.user_id == actor.user_id))
