"""Shared benchmark plumbing: a throwaway database, timing, and the printed table."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

from core.certificate_pdf import CertificateContent
from core.db import get_engine, migrate

ROOT = Path(__file__).resolve().parent.parent


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_streamlit(script: str, url: str) -> tuple[subprocess.Popen, str]:
    """Run a Streamlit script on a free port against the database at `url`; the process
    (stop it with stop_server) and its address."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url}
    command = [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port)]
    server = subprocess.Popen(
        [*command, "--server.headless", "true"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return server, _healthy(f"http://127.0.0.1:{port}", script, seconds=60)


def serve_portal(url: str, env: Mapping[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """The portal as the Procfile serves it (`uvicorn web.app:app`, st.App) on a free
    port against the database at `url` (with `env` in place of this process's
    environment, if given); the process and its address."""
    port = free_port()
    server = subprocess.Popen(
        [
            *(str(ROOT / ".venv" / "bin" / "uvicorn"), "web.app:app", "--port", str(port)),
            *("--no-proxy-headers", "--no-access-log", "--ws", "websockets-sansio"),
        ],
        cwd=ROOT,
        env={**(os.environ if env is None else env), "DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return server, _healthy(f"http://127.0.0.1:{port}", "the portal", seconds=120)


def _healthy(address: str, what: str, seconds: float) -> str:
    """Wait until the server at `address` answers its health check; its address."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{address}/_stcore/health", timeout=1)
            return address
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{what} did not start")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=20)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]


def paired_runs(
    runs: int, portal: Callable[[int], float], bare: Callable[[int], float]
) -> tuple[list[float], list[float]]:
    """Time the portal and the bare page in turns (so a burst of load hits both alike),
    `runs` pairs after one pair that warms both servers and is not counted."""
    portal_times, bare_times = [], []
    for run in range(runs + 1):
        portal_time, bare_time = portal(run), bare(run)
        if run:
            portal_times.append(portal_time)
            bare_times.append(bare_time)
    return portal_times, bare_times


NAMES = [("Siân", "Jones"), ("Zoë", "Nowak-Łukasiewicz"), ("Seán", "Ó Súilleabháin")]
NAMES += [("Alison", "Winbery"), ("Tomasz", "O'Brien"), ("Mohammed", "Smith")]
TITLE = "IMI Level 3 Diploma in Light Vehicle Maintenance and Repair Principles (VRQ)"


def certificate_contents(count: int) -> list[CertificateContent]:
    """What `count` certificates print, names with accents among them, as an export reads them."""
    return [
        CertificateContent(
            number=f"016{index:06d}-01-1800",
            full_name=" ".join(NAMES[index % len(NAMES)]),
            qualification_title=TITLE,
            qualification_number="603/1465/5",
            kind="Qualification",
            grade="Pass",
            issue_date=dt.date(2024, 6, 1),
            expiry_date=None,
            centre="Fanshaws",
            verify_url=f"http://localhost:8501/verify?code=Code{index:018d}",
        )
        for index in range(count)
    ]
