"""Baskets and orders."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Basket, BasketLine
from core.users import Actor


@dataclass(frozen=True)
class BasketSummary:
    items: int
    total_pence: int


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
