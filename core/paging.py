"""A page of rows, counted and cut by the database."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from core.errors import InvalidInput

T = TypeVar("T")
PAGE_SIZES = (10, 25, 50, 100)


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def summary(self) -> str:
        """The guide's "Page x of y | View n records | Found total N records"."""
        return (
            f"Page {self.page} of {self.pages} | View {self.per_page} records | "
            f"Found total {self.total:,} records"
        )


def check_page_request(page: int, per_page: int) -> None:
    if per_page not in PAGE_SIZES:
        raise InvalidInput(f"Show {', '.join(map(str, PAGE_SIZES))} records per page.")
    if page < 1:
        raise InvalidInput("Pages start at 1.")


def paginate(
    session: Session,
    query: Select,
    *,
    page: int,
    per_page: int,
    to_row: Callable[[Row], T],
    total: int | None = None,
) -> Page[T]:
    """Count `query`, unless its `total` is already known (paging through the same
    rows), then fetch one page of it (a page past the end shows the last)."""
    check_page_request(page, per_page)
    if total is None:
        counted = select(func.count()).select_from(query.order_by(None).subquery())
        total = session.scalar(counted) or 0
    last = max(1, math.ceil(total / per_page))
    page = min(page, last)
    rows = session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(rows=[to_row(row) for row in rows], total=total, page=page, per_page=per_page)
