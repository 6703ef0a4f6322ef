"""Print Batches at scale: one centre with 40,000 batches and 1,000,000 certificates.

Measures the batch table's first page, a filtered page and a deep page, and a page of a
5,000-certificate batch, at the query layer (core.batches), against the naive
alternative of loading the centre's batches into pandas and filtering there; and staff's
view over every centre: first page, the Centre filter, counts by status per centre, and
the CSV of every batch.

    python benchmarks/batches.py [--certificates N] [--batches N] [--runs N] [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd
from sqlalchemy import select, text, update

from benchmarks.common import metric, prepare, print_table, temporary_database, timings_ms
from core.batches import (
    BatchFilters,
    batches_csv,
    count_batches_by_centre,
    list_batch_certificates,
    list_batches,
)
from core.db import get_engine, session_scope
from core.demo import DemoSize, seed_demo
from core.models import Certificate, PrintBatch, Role
from core.users import Actor

BIG_BATCH = 5_000


def build(url: str, certificates: int, batches: int) -> tuple[Actor, int]:
    started = time.perf_counter()
    seed_demo(
        get_engine(url), DemoSize(certificates=certificates, centres=1, fanshaws_batches=batches)
    )
    with session_scope(url) as session:
        big = PrintBatch(
            centre_id=1,
            status="COMPLETE",
            batch_type="Certificate",
            started_at=dt.datetime(2026, 11, 1),
            records=BIG_BATCH,
        )
        session.add(big)
        session.flush()
        session.execute(
            update(Certificate).where(Certificate.id <= BIG_BATCH).values(batch_id=big.id)
        )
        big_id = big.id
    with get_engine(url).begin() as connection:
        connection.execute(text("ANALYZE"))
    print(
        f"built {certificates:,} certificates in {batches:,} batches "
        f"in {time.perf_counter() - started:.0f} s ({url.split(':')[0]})"
    )
    return Actor(
        user_id=1, email="coordinator@fanshaws.example", role=Role.COORDINATOR.value, centre_id=1
    ), big_id


def naive_filtered_page(url: str) -> None:
    """What a quick prototype does: the centre's batches into pandas, then filter."""
    frame = pd.read_sql(select(PrintBatch).where(PrintBatch.centre_id == 1), get_engine(url))
    chosen = frame[(frame.status == "COMPLETE") & (frame.batch_type == "Reprint")]
    chosen.sort_values("started_at", ascending=False).head(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=1_000_000)
    parser.add_argument("--batches", type=int, default=40_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = temporary_database(args.database_url)
    prepare(url)
    actor, big_id = build(url, args.certificates, args.batches)

    def run(**kwargs):
        def action():
            with session_scope(url) as session:
                return list_batches(session, actor=actor, **kwargs)

        return action

    with session_scope(url) as session:
        last_page = list_batches(session, actor=actor).pages
    filters = BatchFilters(
        status="COMPLETE",
        batch_type="Reprint",
        started_from=dt.date(2018, 1, 1),
        started_to=dt.date(2024, 12, 31),
    )

    staff = Actor(user_id=4, email="staff@imi.example", role=Role.STAFF.value, centre_id=1)

    def as_staff(produce):
        def action():
            with session_scope(url) as session:
                return produce(session)

        return action

    by_centre = BatchFilters(centre="fansh", status="COMPLETE")

    def batch_view(page: int):
        def action():
            with session_scope(url) as session:
                return list_batch_certificates(
                    session, actor=actor, batch_id=big_id, page=page, per_page=100
                )

        return action

    rows = [
        ("batch table, first page", timings_ms(run(), args.runs)),
        ("batch table, filtered page", timings_ms(run(filters=filters), args.runs)),
        (f"batch table, deep page ({last_page:,})", timings_ms(run(page=last_page), args.runs)),
        ("5,000-certificate batch, page 1 of 50", timings_ms(batch_view(1), args.runs)),
        ("5,000-certificate batch, page 50 of 50", timings_ms(batch_view(50), args.runs)),
        (
            "staff: every centre, first page",
            timings_ms(as_staff(lambda s: list_batches(s, actor=staff)), args.runs),
        ),
        (
            "staff: Centre (name) + Status filter, page",
            timings_ms(
                as_staff(lambda s: list_batches(s, actor=staff, filters=by_centre)), args.runs
            ),
        ),
        (
            "staff: counts by status per centre",
            timings_ms(as_staff(lambda s: count_batches_by_centre(s, actor=staff)), args.runs),
        ),
        (
            "staff: CSV of every batch (all pages)",
            timings_ms(as_staff(lambda s: batches_csv(s, actor=staff)), max(3, args.runs // 10)),
        ),
        (
            "naive: batches into pandas, then filter",
            timings_ms(lambda: naive_filtered_page(url), max(3, args.runs // 10)),
        ),
    ]
    print_table("Print Batches, query layer", rows)
    medians = {name: statistics.median(values) for name, values in rows}
    filtered = medians["batch table, filtered page"]
    naive = medians["naive: batches into pandas, then filter"]
    print(f"\nfiltered page: the database does it {naive / filtered:.0f}x faster than pandas")
    metric("batches_first_page_ms", medians["batch table, first page"], "ms")
    metric("batches_filtered_page_ms", filtered, "ms")
    metric("batches_deep_page_ms", medians[f"batch table, deep page ({last_page:,})"], "ms")
    metric(
        "batch_view_page_ms",
        max(
            medians["5,000-certificate batch, page 1 of 50"],
            medians["5,000-certificate batch, page 50 of 50"],
        ),
        "ms",
    )
    metric("batches_naive_pandas_filtered_ms", naive, "ms")
    metric("staff_batches_first_page_ms", medians["staff: every centre, first page"], "ms")
    metric(
        "staff_batches_centre_filter_ms",
        medians["staff: Centre (name) + Status filter, page"],
        "ms",
    )
    metric("staff_batch_counts_ms", medians["staff: counts by status per centre"], "ms")
    metric("staff_batches_csv_ms", medians["staff: CSV of every batch (all pages)"], "ms")


if __name__ == "__main__":
    main()
