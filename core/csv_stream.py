"""CSV files streamed as they are made: a chunk of rows per short transaction, encoded
and handed on before the next is read, so a download never holds the whole file in the
app's memory nor a database transaction while the network sends it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager

from sqlalchemy import Row, Select
from sqlalchemy.orm import Session

from core.db import session_scope
from core.text import safe_csv_cell

SessionSource = Callable[[], AbstractContextManager[Session]]
CHUNK_ROWS = 2_000


def _encoded(rows: Iterable[Iterable[object]]) -> tuple[bytes, int]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    count = 0
    for row in rows:
        writer.writerow(safe_csv_cell(value) for value in row)
        count += 1
    return buffer.getvalue().encode("utf-8"), count


def csv_stream(
    header: Sequence[str],
    query: Select,
    cells: Callable[[Session, Sequence[Row]], Iterable[Iterable[object]]],
    *,
    sessions: SessionSource = session_scope,
    finished: Callable[[Session, int], None] | None = None,
    chunk: int = CHUNK_ROWS,
) -> Iterator[bytes]:
    """UTF-8 with a BOM (Excel reads Siân), cells starting = + - @ made harmless. The
    query must have a total order (an id last) for its chunks (LIMIT/OFFSET, each in
    its own transaction) to add up; `finished(session, rows)` runs at the end."""
    yield ("\ufeff" + _encoded([header])[0].decode()).encode("utf-8")
    total, offset = 0, 0
    while True:
        with sessions() as session:
            rows = session.execute(query.limit(chunk).offset(offset)).all()
            data, count = _encoded(cells(session, rows))
        if count:
            yield data
        total, offset = total + count, offset + len(rows)
        if len(rows) < chunk:
            break
    if finished is not None:
        with sessions() as session:
            finished(session, total)
