"""The centre API at scale: a page of 1,000 certificates (the first, and one deep in the
centre's list) at 1,000,000 certificates over 100 centres, and a full `updated_since`
sync of a centre's 100,000 certificates, each request whole (key check, rate limit,
query, JSON) from a real HTTP client (httpx, keep-alive) to the routes served by uvicorn
in another process. The alternative a user would pick is OFFSET paging of the same
order: timed for the same pages (query and JSON only), with the ratio.

    python benchmarks/api.py [--certificates N] [--sync-certificates N] [--runs N]
                             [--database-url URL] [--sync-database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("API_RATE_LIMIT", "1000000/minute")

from sqlalchemy import func, select, text  # noqa: E402
from starlette.applications import Starlette  # noqa: E402

import web.api  # noqa: E402
from benchmarks.common import (  # noqa: E402
    free_port,
    metric,
    p95,
    prepare,
    print_table,
    temporary_database,
)
from core import config  # noqa: E402
from core.api import _certificate_page, _certificates  # noqa: E402
from core.api_keys import create_api_key  # noqa: E402
from core.db import get_engine, session_scope  # noqa: E402
from core.demo import DemoSize, seed_demo  # noqa: E402
from core.models import ApiKeyScope, Certificate, Role  # noqa: E402
from core.users import Actor  # noqa: E402

PAGE = 1_000
# The demo's first user coordinates its first centre (Fanshaws).
COORDINATOR = Actor(
    user_id=1, email="coordinator@fanshaws.example", role=Role.COORDINATOR.value, centre_id=1
)


def use(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    config.get_settings.cache_clear()


def build(url: str, certificates: int, centres: int) -> int:
    """Seed the demo data; returns how many certificates the first centre holds."""
    started = time.perf_counter()
    prepare(url)
    seed_demo(get_engine(url), DemoSize(certificates=certificates, centres=centres))
    with get_engine(url).begin() as connection:
        connection.execute(text("ANALYZE"))
    with session_scope(url) as session:
        held = session.scalar(
            select(func.count()).select_from(Certificate).where(Certificate.centre_id == 1)
        )
    print(
        f"built {certificates:,} certificates over {centres} centres ({held:,} at centre 1) "
        f"in {time.perf_counter() - started:.0f} s ({url.split(':')[0]})"
    )
    return held


def key(url: str) -> dict[str, str]:
    use(url)
    with session_scope() as session:
        made = create_api_key(
            session,
            actor=COORDINATOR,
            name="benchmark",
            expires_on=dt.date.today() + dt.timedelta(days=30),
            scope=ApiKeyScope.READ,
        )
    return {"Authorization": f"Bearer {made.secret}"}


def serve_app() -> Starlette:
    """What uvicorn serves here (`--factory`): the API routes alone."""
    return Starlette(routes=web.api.routes)


@contextmanager
def client(url: str) -> Iterator[httpx.Client]:
    """An HTTP client of the API served by uvicorn (one worker) in its own process."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "benchmarks.api:serve_app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)},
        start_new_session=True,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as api:
            for _ in range(240):
                try:
                    api.get("/api/v1/openapi.json")
                    break
                except httpx.TransportError:
                    time.sleep(0.25)
            yield api
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def deep_cursor(api: httpx.Client, headers: dict[str, str]) -> tuple[str, int]:
    """The cursor of the centre's last full page (walked to once), and its page number."""
    cursor, pages, last_full = None, 0, None
    while True:
        params = {"limit": PAGE, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/v1/certificates", params=params, headers=headers).json()
        pages += 1
        if len(page["data"]) == PAGE and page["next_cursor"]:
            last_full = (page["next_cursor"], pages + 1)
        if not page["next_cursor"]:
            break
        cursor = page["next_cursor"]
    return last_full or ("", 1)


def timed(action, runs: int) -> list[float]:
    action()
    values = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        values.append((time.perf_counter() - started) * 1000)
    return values


def offset_page(offset: int) -> None:
    """The naive alternative: the same order cut by OFFSET, as JSON."""
    with session_scope() as session:
        rows = session.execute(
            _certificates(COORDINATOR)
            .order_by(Certificate.updated_at, Certificate.id)
            .limit(PAGE)
            .offset(offset)
        ).all()
        _certificate_page(rows, PAGE, lambda last: "").model_dump_json()


def pages(url: str, runs: int) -> float:
    headers = key(url)
    with client(url) as api:
        return _pages(api, headers, runs)


def _pages(api: httpx.Client, headers: dict[str, str], runs: int) -> float:
    cursor, page_number = deep_cursor(api, headers)
    first = timed(
        lambda: api.get("/api/v1/certificates", params={"limit": PAGE}, headers=headers), runs
    )
    deep = timed(
        lambda: api.get(
            "/api/v1/certificates", params={"limit": PAGE, "cursor": cursor}, headers=headers
        ),
        runs,
    )
    naive = timed(lambda: offset_page((page_number - 1) * PAGE), runs)
    print_table(
        f"A page of {PAGE:,} certificates over HTTP (page 1, and page {page_number} by cursor)",
        [
            ("first page", first),
            (f"deep page {page_number} (cursor)", deep),
            (f"deep page {page_number} by OFFSET, query+JSON only", naive),
        ],
    )
    print(
        f"OFFSET (query and JSON only, no HTTP) / cursor (whole request) at page "
        f"{page_number}: {statistics.median(naive) / statistics.median(deep):.2f}x"
    )
    worst = max(p95(first), p95(deep))
    metric("api_certificates_page_ms", worst, "ms")
    return worst


def sync(url: str, expected: int) -> float:
    """A full sync from the beginning of time, page after page, as a client does."""
    headers = key(url)
    with client(url) as api:
        elapsed, seen = _sync(api, headers)
    assert seen == expected, (seen, expected)
    naive_started = time.perf_counter()
    for offset in range(0, expected, PAGE):
        offset_page(offset)
    naive = time.perf_counter() - naive_started
    print(f"\nFull updated_since sync of {seen:,} certificates in pages of {PAGE:,}")
    print(f"{'cursor pages over HTTP':<44}{elapsed:>10.2f} s")
    print(f"{'OFFSET pages, query and JSON only':<44}{naive:>10.2f} s  ({naive / elapsed:.2f}x)")
    metric("api_sync_100k_s", elapsed, "s")
    return elapsed


def _sync(api: httpx.Client, headers: dict[str, str]) -> tuple[float, int]:
    started, seen, cursor = time.perf_counter(), 0, None
    while True:
        params = {"limit": PAGE, "updated_since": "2000-01-01T00:00:00Z"}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/api/v1/certificates", params=params, headers=headers).json()
        seen += len(page["data"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    return time.perf_counter() - started, seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=1_000_000)
    parser.add_argument(
        "--sync-certificates", type=int, default=100_000, help="held by the syncing centre"
    )
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--database-url")
    parser.add_argument("--sync-database-url")
    args = parser.parse_args()

    url = temporary_database(args.database_url)
    build(url, args.certificates, 100)
    worst = pages(url, args.runs)
    # Three centres: the first holds half, so the sync is of --sync-certificates.
    sync_url = temporary_database(args.sync_database_url)
    held = build(sync_url, args.sync_certificates * 2, 3)
    elapsed = sync(sync_url, held)
    print(
        f"\ntargets: page p95 <= 50 ms: {'met' if worst <= 50 else 'MISSED'}; "
        f"sync of {held:,} <= 10 s: {'met' if elapsed <= 10 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
