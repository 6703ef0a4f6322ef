"""The staff Audit log at scale: the Action filter's choices and the first page, on a log
of 1,000,000 events.

- audit_actions_ms: core.audit_log.audit_actions (a loose index scan: one seek per action)
  against the plain SELECT DISTINCT it replaced (the whole index read), median.
- audit_first_page_ms: the log's first page with its count, and filtered by an action.

    python benchmarks/audit_log.py [--events N] [--runs N] [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text

from benchmarks.common import metric, prepare, print_table, temporary_database, timings_ms
from core.audit_log import AuditFilters, audit_actions, list_audit_events
from core.db import get_engine, session_scope
from core.models import AuditEvent, Role
from core.users import Actor

ACTIONS = [f"action_{index:02d}" for index in range(30)]
STAFF = Actor(user_id=None, email="staff@imi.example", role=Role.STAFF.value, centre_id=None)
BATCH = 20_000


def build(url: str, events: int) -> None:
    started = time.perf_counter()
    start = dt.datetime(2024, 1, 1)
    with get_engine(url).begin() as connection:
        for first in range(0, events, BATCH):
            connection.execute(
                insert(AuditEvent),
                [
                    {
                        "at": start + dt.timedelta(seconds=30 * index),
                        "action": ACTIONS[index * 7 % len(ACTIONS)],
                        "target": f"certificate:{index}",
                        "detail": {},
                    }
                    for index in range(first, min(first + BATCH, events))
                ],
            )
        connection.execute(text("ANALYZE"))
    print(f"built {events:,} audit events in {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = temporary_database(args.database_url)
    prepare(url)
    build(url, args.events)

    def actions() -> list[str]:
        with session_scope(url) as session:
            return audit_actions(session, actor=STAFF)

    def distinct() -> list[str]:
        with session_scope(url) as session:
            query = select(AuditEvent.action).distinct().order_by(AuditEvent.action)
            return list(session.scalars(query))

    def first_page(filters: AuditFilters) -> None:
        with session_scope(url) as session:
            list_audit_events(session, actor=STAFF, filters=filters)

    assert actions() == distinct() == ACTIONS
    loose = timings_ms(actions, args.runs)
    plain = timings_ms(distinct, args.runs)
    page = timings_ms(lambda: first_page(AuditFilters()), args.runs)
    filtered = timings_ms(lambda: first_page(AuditFilters(action=ACTIONS[3])), args.runs)
    print_table(
        f"Audit log, {args.events:,} events ({get_engine(url).dialect.name})",
        [
            ("Action choices, loose index scan", loose),
            ("Action choices, SELECT DISTINCT", plain),
            ("first page with its count", page),
            ("first page, one action", filtered),
        ],
    )
    metric("audit_actions_ms", statistics.median(loose), "ms")
    metric("audit_actions_distinct_ms", statistics.median(plain), "ms")
    metric("audit_first_page_ms", statistics.median(page), "ms")


if __name__ == "__main__":
    main()
