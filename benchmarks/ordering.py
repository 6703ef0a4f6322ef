"""Ordering at scale: placing an order of three lines, settling a card answer, and the
Orders table of a centre with 100,000 orders.

Measures core.checkout.place_order (Centre Credits, one transaction with its commit),
core.checkout.settle_card_answer (decrypt, check against the order, record; one
transaction with its commit) and core.orders.list_orders (first page with its count, a
filtered page, a deep page), against the naive alternative of loading the centre's
orders into pandas and filtering and paging there.

    python benchmarks/ordering.py [--orders N] [--runs N] [--database-url URL]
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
from sqlalchemy import insert, select, text

from benchmarks.common import metric, prepare, print_table, temporary_database, timings_ms
from core.basket import add_to_basket, basket_token
from core.checkout import Checkout, place_order, settle_card_answer
from core.db import get_engine, session_scope
from core.demo import DemoSize, seed_demo
from core.models import Certificate, Order, OrderLine, OrderStatus, User
from core.orders import OrderFilters, list_orders
from core.payments.base import PaymentMethod
from core.users import Actor, actor_for
from tests.ordering import TYPED_BILLING, TYPED_DELIVERY, gateway_answer

LINES = 3


def _order_rows(
    count: int, user_id: int, achievements: dict[int, tuple[int, int]]
) -> tuple[list[dict], list[dict]]:
    """`count` orders of one line each, for certificates 1..count; a certificate whose
    achievement an earlier line holds gets an inactive line (one per achievement)."""
    start = dt.datetime(2017, 11, 1)
    statuses = [OrderStatus.PROCESSING_CREDITS, OrderStatus.PROCESSING_CLEARED]
    orders = [
        {
            "id": n,
            "centre_id": 1,
            "user_id": user_id,
            "reference": f"Reprints {n}",
            "payment_provider": PaymentMethod.CREDITS if n % 3 else PaymentMethod.CARD,
            "status": statuses[n % 2],
            "delivery_option": "Royal Mail signed for 2nd Class",
            "total_pence": 2588,
            "subtotal_pence": 2588,
            "total_products": 1,
            "created_at": start + dt.timedelta(minutes=47 * n),
        }
        for n in range(1, count + 1)
    ]
    lines, held = [], set()
    for n in range(1, count + 1):
        candidate_id, qualification_id = achievements[n]
        lines.append(
            {
                "order_id": n,
                "product": "reprint",
                "certificate_id": n,
                "candidate_id": candidate_id,
                "qualification_id": qualification_id,
                "unit_price_pence": 2588,
                "reason": "Lost",
                "active": (candidate_id, qualification_id) not in held,
            }
        )
        held.add((candidate_id, qualification_id))
    return orders, lines


def _achievements(url: str) -> dict[int, tuple[int, int]]:
    with session_scope(url) as session:
        rows = session.execute(
            select(Certificate.id, Certificate.candidate_id, Certificate.qualification_id)
        ).all()
    return {row[0]: (row[1], row[2]) for row in rows}


def free_certificates(url: str, first: int) -> list[int]:
    """Certificates from `first` on, one per achievement not yet ordered."""
    achievements = _achievements(url)
    with session_scope(url) as session:
        held = set(
            session.execute(
                select(OrderLine.candidate_id, OrderLine.qualification_id).where(OrderLine.active)
            ).all()
        )
    free = []
    for certificate_id in sorted(achievements):
        if certificate_id >= first and achievements[certificate_id] not in held:
            held.add(achievements[certificate_id])
            free.append(certificate_id)
    return free


def settle(engine) -> None:
    """Statistics, and on PostgreSQL the visibility map that autovacuum keeps on a live
    table (index-only counts need it)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(
            text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
        )


def build(url: str, orders: int) -> Actor:
    started = time.perf_counter()
    engine = get_engine(url)
    seed_demo(engine, DemoSize(certificates=orders + 2_000, centres=1, fanshaws_batches=40))
    with session_scope(url) as session:
        user = session.scalar(select(User).where(User.email == "coordinator@fanshaws.example"))
        actor = actor_for(session, user=user)
    order_rows, line_rows = _order_rows(orders, actor.user_id, _achievements(url))
    with engine.begin() as connection:
        for first in range(0, orders, 10_000):
            connection.execute(insert(Order), order_rows[first : first + 10_000])
            connection.execute(insert(OrderLine), line_rows[first : first + 10_000])
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT setval('orders_id_seq', (SELECT max(id) FROM orders))"))
    settle(engine)
    print(f"built {orders:,} orders in {time.perf_counter() - started:.0f} s ({url.split(':')[0]})")
    return actor


def _fill_basket(url: str, actor: Actor, certificate_ids: list[int]) -> str:
    with session_scope(url) as session:
        for certificate_id in certificate_ids:
            add_to_basket(
                session,
                actor=actor,
                certificate_id=certificate_id,
                product="reprint",
                quantity=1,
                reason="Lost",
            )
        return basket_token(session, actor=actor)


def measure_placing(url: str, actor: Actor, runs: int, free: list[int]) -> list[float]:
    """Place a three-line order with Centre Credits (one transaction, committed)."""
    checkout = Checkout(TYPED_BILLING, TYPED_DELIVERY, "first_class", PaymentMethod.CREDITS, "B")
    result = []
    for run in range(runs + 1):
        token = _fill_basket(url, actor, free[run * LINES : (run + 1) * LINES])
        started = time.perf_counter()
        with session_scope(url) as session:
            place_order(session, actor=actor, checkout=checkout, token=token)
        if run:  # the first one warms caches
            result.append((time.perf_counter() - started) * 1000)
    return result


def measure_settling(url: str, actor: Actor, runs: int, free: list[int]) -> list[float]:
    """Settle the test gateway's answer for a card order of one line (the order waits
    for payment; decrypt, check, record and clear it in one transaction, committed)."""
    checkout = Checkout(TYPED_BILLING, TYPED_DELIVERY, "first_class", PaymentMethod.CARD, "B")
    result = []
    for run in range(runs + 1):
        token = _fill_basket(url, actor, free[run : run + 1])
        with session_scope(url) as session:
            placed = place_order(session, actor=actor, checkout=checkout, token=token)
        crypt = gateway_answer(placed.redirect_url)
        started = time.perf_counter()
        with session_scope(url) as session:
            settled = settle_card_answer(session, actor=actor, crypt=crypt)
        if run:  # the first one warms caches
            result.append((time.perf_counter() - started) * 1000)
        assert settled.outcome == "paid", settled.message
    return result


def naive_page(url: str, actor: Actor) -> int:
    """The alternative: the centre's orders into pandas, then filter, sort and page."""
    with get_engine(url).connect() as connection:
        frame = pd.read_sql(
            select(
                Order.id, Order.reference, Order.payment_provider, Order.status, Order.created_at
            ).where(Order.centre_id == actor.centre_id),
            connection,
        )
    cleared = frame[frame["status"] == OrderStatus.PROCESSING_CLEARED]
    return len(cleared.sort_values("created_at", ascending=False).head(10))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    options = parser.parse_args()
    url = temporary_database(options.database_url)
    prepare(url)
    actor = build(url, options.orders)
    free = free_certificates(url, options.orders + 1)
    placing = measure_placing(url, actor, options.runs, free)
    settling = measure_settling(url, actor, options.runs, free[(options.runs + 1) * LINES :])

    def page(filters: OrderFilters = OrderFilters(), number: int = 1) -> None:  # noqa: B008
        with session_scope(url) as session:
            list_orders(session, actor=actor, filters=filters, page=number, per_page=10)

    cleared = OrderFilters(status=OrderStatus.PROCESSING_CLEARED)
    first = timings_ms(page, options.runs)
    filtered = timings_ms(lambda: page(cleared), options.runs)
    deep = timings_ms(lambda: page(number=options.orders // 10), options.runs)
    naive = timings_ms(lambda: naive_page(url, actor), max(3, options.runs // 5))
    print_table(
        f"Ordering: {options.orders:,} orders for one centre ({url.split(':')[0]})",
        [
            (f"place an order of {LINES} lines (Centre Credits)", placing),
            ("settle a card answer (checked, recorded, cleared)", settling),
            ("orders table, first page with count", first),
            ("orders table, filtered by status", filtered),
            (f"orders table, deep page ({options.orders // 10:,})", deep),
            ("naive: centre's orders into pandas, filter", naive),
        ],
    )
    ratio = statistics.median(naive) / statistics.median(filtered)
    print(f"\nthe filtered page is {ratio:.0f} times faster than the naive pandas filter")
    metric("checkout_place_order_ms", statistics.median(placing), "ms")
    metric("settle_card_answer_ms", statistics.median(settling), "ms")
    metric("orders_page_ms", statistics.median(first), "ms")
    metric("orders_page_filtered_ms", statistics.median(filtered), "ms")
    metric("orders_page_deep_ms", statistics.median(deep), "ms")
    metric("orders_page_naive_pandas_ms", statistics.median(naive), "ms")


if __name__ == "__main__":
    main()
