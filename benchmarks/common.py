"""Shared benchmark plumbing: a throwaway database, timing, and the printed table."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from core.db import get_engine, migrate


def temporary_database(url: str | None) -> str:
    """The given URL, or a fresh SQLite file in a temporary folder."""
    if url:
        return url
    folder = Path(tempfile.mkdtemp(prefix="dc-bench-"))
    return f"sqlite:///{folder / 'bench.db'}"


def prepare(url: str) -> None:
    migrate(url)
    get_engine(url)


def timings_ms(action: Callable[[], object], runs: int) -> list[float]:
    action()  # warm caches once, as a user's second page view would be
    result = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        result.append((time.perf_counter() - started) * 1000)
    return result


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def print_table(title: str, rows: list[tuple[str, list[float]]]) -> None:
    print(f"\n{title}")
    print(f"{'measurement':<44}{'runs':>6}{'median ms':>12}{'p95 ms':>10}{'max ms':>10}")
    for name, values in rows:
        print(
            f"{name:<44}{len(values):>6}{statistics.median(values):>12.2f}"
            f"{p95(values):>10.2f}{max(values):>10.2f}"
        )


def metric(name: str, value: float, unit: str) -> None:
    print(f"metric {name} {value:.2f} {unit}")
