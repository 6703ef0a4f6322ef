"""Claims import at scale: a 100,000-row claims CSV imported by the worker's own code
(stored, checked row by row, staged, checked by the database, created in one
transaction), validation included.

Measures rows a minute over several runs (each into a fresh database holding 100
centres), the peak memory of a worker process importing 20,000 and 100,000 rows (it
must not grow with the file), importing the same file again (nothing new is created),
and the naive alternative: pandas.read_csv of the whole file, then each row checked and
added through the ORM with its own look-ups.

    python benchmarks/import_claims.py [--rows N] [--runs N] [--naive-rows N] [--database-url URL]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, make_url, select, text

from benchmarks.common import metric
from core import config, tasks
from core.db import get_engine, migrate, session_scope
from core.demo import FIRST_NAMES, QUALIFICATIONS, SURNAMES, DemoSize, seed_demo
from core.models import AuditEvent, Candidate, Centre, Certificate, PrintBatch, Qualification, Role
from core.text import search_key
from core.users import Actor

STAFF = Actor(user_id=4, email="staff@imi.example", role=Role.STAFF.value, centre_id=1)


# Data ----------------------------------------------------------------------------------


def write_claims_file(path: Path, rows: int, centre_numbers: list[str], seed: int = 9) -> None:
    """`rows` realistic claims: new certificate numbers, a candidate for every 1.6 rows,
    the demo's qualifications, 100 centres, dates from 2015 on."""
    from core.claims import COLUMNS

    rng = random.Random(seed)
    candidate = None
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for index in range(rows):
            if candidate is None or rng.random() < 0.6:
                number = 50_000_000 + index
                born = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(45 * 365))
                candidate = (
                    f"{number:08d}",
                    rng.choice(FIRST_NAMES),
                    rng.choice(SURNAMES),
                    born.strftime("%d/%m/%Y"),
                    f"person{number}@mail.example" if rng.random() < 0.85 else "",
                    rng.choice(centre_numbers),
                )
            qualification_number, title = rng.choice(QUALIFICATIONS)
            issued = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(11 * 365))
            writer.writerow(
                (
                    f"{200_000_000 + index:09d}-01-{1000 + index % 9000:04d}",
                    candidate[5],
                    candidate[0],
                    candidate[1],
                    candidate[2],
                    candidate[3],
                    candidate[4],
                    qualification_number,
                    title,
                    "Qualification",
                    rng.choice(["Pass", "Pass", "Merit", "Distinction"]),
                    issued.strftime("%d/%m/%Y"),
                    "",
                    "",
                )
            )


def fresh_database(base_url: str | None, folder: Path) -> tuple[str, callable]:
    """A new migrated database with the demo's 100 centres, staff and qualifications."""
    if base_url:
        admin = create_engine(make_url(base_url), isolation_level="AUTOCOMMIT")
        name = f"dc_bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(base_url).set(database=name).render_as_string(hide_password=False)

        def drop() -> None:
            get_engine(url).dispose()
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    else:
        url = f"sqlite:///{folder / f'bench-{uuid.uuid4().hex[:8]}.db'}"

        def drop() -> None:
            get_engine(url).dispose()

    migrate(url)
    seed_demo(get_engine(url), DemoSize(certificates=1_000, centres=100))
    return url, drop


def point_settings_at(url: str, folder: Path) -> None:
    os.environ.update(DATABASE_URL=url, EXPORTS_URL=str(folder / "files"), APP_ENV="test")
    os.environ["SMTP_HOST"] = ""
    config.get_settings.cache_clear()
    tasks.reconnect()
    tasks.huey.immediate = True  # the task runs in this process as the job is queued


def centre_numbers(url: str) -> list[str]:
    with session_scope(url) as session:
        return list(session.scalars(select(Centre.number).order_by(Centre.id)))


# The two ways ---------------------------------------------------------------------------


def import_with_the_portal(url: str, path: Path) -> str:
    """The portal: store, queue, and the worker's import (run here, at once)."""
    from core.claims import get_claim_import, request_claims_import, store_claims_file

    with path.open("rb") as upload:
        stored = store_claims_file(actor=STAFF, upload=upload)
    with session_scope(url) as session:
        import_id = request_claims_import(
            session, actor=STAFF, stored_name=stored, file_name=path.name
        )
    with session_scope(url) as session:
        result = get_claim_import(session, actor=STAFF, import_id=import_id)
    if result.outcome != "imported":
        raise SystemExit(f"import did not succeed: {result.summary} {result.problems[:3]}")
    return result.summary


def transaction_seconds(url: str) -> float:
    """How long the last import's one transaction took (from its audit event)."""
    with session_scope(url) as session:
        detail = session.scalar(
            select(AuditEvent.detail)
            .where(AuditEvent.action == "claims_imported")
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
    return detail["transaction_seconds"]


def import_naively(url: str, path: Path) -> None:
    """What a quick prototype does: the whole file into pandas, then for each row a check
    and a look-up of its certificate, candidate and qualification, and ORM adds."""
    import pandas as pd

    from core.claims import _date

    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    with session_scope(url) as session:
        centres = dict(session.execute(select(Centre.number, Centre.id)).all())
        batch = PrintBatch(
            centre_id=1, status="PENDING", batch_type="Certificate", started_at=dt.datetime.now()
        )
        session.add(batch)
        session.flush()
        for row in frame.itertuples(index=False):
            if row.centre_number not in centres or _date(row.issue_date) is None:
                raise SystemExit("naive: bad row")
            if session.scalar(
                select(Certificate.id).where(Certificate.number == row.certificate_number)
            ):
                continue
            candidate = session.scalar(
                select(Candidate).where(Candidate.candidate_number == row.candidate_number)
            )
            if candidate is None:
                candidate = Candidate(
                    candidate_number=row.candidate_number,
                    first_name=row.first_name,
                    surname=row.surname,
                    birth_date=_date(row.date_of_birth),
                    email=row.email or None,
                )
                session.add(candidate)
                session.flush()
            qualification = session.scalar(
                select(Qualification).where(Qualification.number == row.qualification_number)
            )
            session.add(
                Certificate(
                    number=row.certificate_number,
                    candidate_id=candidate.id,
                    qualification_id=qualification.id,
                    centre_id=centres[row.centre_number],
                    batch_id=batch.id,
                    grade=row.grade,
                    issue_date=_date(row.issue_date),
                    candidate_number=row.candidate_number,
                    first_name_key=search_key(row.first_name),
                    surname_key=search_key(row.surname),
                    birth_date=candidate.birth_date,
                )
            )
            session.flush()


# Memory, in a worker process of its own ----------------------------------------------------


def _vm(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return 0.0


def child_memory(url: str, path: Path, folder: Path) -> None:
    point_settings_at(url, folder)
    import core.worker  # noqa: F401  (imports every task, as a consumer does)

    before = _vm("VmRSS:")
    import_with_the_portal(url, path)
    print(f"{before:.1f} {_vm('VmHWM:'):.1f}")


def peak_memory(base_url: str | None, rows: int, folder: Path) -> tuple[float, float]:
    """(RSS before the import, peak RSS) of a fresh process importing `rows` rows."""
    url, drop = fresh_database(base_url, folder)
    path = folder / f"claims-{rows}.csv"
    write_claims_file(path, rows, centre_numbers(url))
    try:
        output = subprocess.run(
            [sys.executable, __file__, "--child-memory", url, str(path), str(folder)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
    finally:
        drop()
    return float(output[-2]), float(output[-1])


# The run -------------------------------------------------------------------------------------


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--naive-rows", type=int, default=10_000)
    parser.add_argument("--database-url")
    parser.add_argument("--child-memory", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_memory:
        url, path, folder = args.child_memory
        child_memory(url, Path(path), Path(folder))
        return
    folder = Path(tempfile.mkdtemp(prefix="dc-bench-claims-"))
    backend = "postgresql" if args.database_url else "sqlite"

    seconds, again, in_transaction = [], [], []
    for _ in range(args.runs):
        url, drop = fresh_database(args.database_url, folder)
        point_settings_at(url, folder)
        path = folder / "claims.csv"
        write_claims_file(path, args.rows, centre_numbers(url))
        seconds.append(timed(lambda url=url, path=path: import_with_the_portal(url, path)))
        in_transaction.append(transaction_seconds(url))
        again.append(timed(lambda url=url, path=path: import_with_the_portal(url, path)))
        drop()

    url, drop = fresh_database(args.database_url, folder)
    point_settings_at(url, folder)
    naive_path = folder / "naive.csv"
    write_claims_file(naive_path, args.naive_rows, centre_numbers(url))
    naive_seconds = timed(lambda: import_naively(url, naive_path))
    drop()

    small = max(1, args.rows // 5)
    memory = {rows: peak_memory(args.database_url, rows, folder) for rows in (small, args.rows)}

    rate = args.rows / statistics.median(seconds) * 60
    naive_rate = args.naive_rows / naive_seconds * 60
    print(f"\nClaims import ({backend}), {args.rows:,} rows, {args.runs} runs")
    print(f"{'measurement':<58}{'value':>22}")
    for number, value in enumerate(seconds, start=1):
        print(f"{f'run {number}: import, validation included':<58}{value:>20.2f} s")
    for number, value in enumerate(in_transaction, start=1):
        print(f"{f'run {number}: of which the one transaction that creates':<58}{value:>20.2f} s")
    for number, value in enumerate(again, start=1):
        print(f"{f'run {number}: the same file again (nothing new)':<58}{value:>20.2f} s")
    print(f"{'portal, rows a minute (median)':<58}{rate:>22,.0f}")
    print(
        f"{f'naive pandas + ORM, {args.naive_rows:,} rows, rows a minute':<58}{naive_rate:>22,.0f}"
    )
    for rows, (before, peak) in memory.items():
        print(
            f"{f'worker process importing {rows:,} rows: RSS before / peak MB':<58}"
            f"{before:>12.1f} / {peak:>7.1f}"
        )
    print(f"\nthe portal imports {rate / naive_rate:.1f}x as many rows a minute as the naive way")
    metric("import_rows_per_min", rate, "rows/min")
    metric("import_same_file_again_s", statistics.median(again), "s")
    metric("import_transaction_s", statistics.median(in_transaction), "s")
    metric("naive_import_rows_per_min", naive_rate, "rows/min")
    metric("import_vs_naive_ratio", rate / naive_rate, "x")
    metric(f"import_peak_mb_{small // 1000}k", memory[small][1], "MB")
    metric(f"import_peak_mb_{args.rows // 1000}k", memory[args.rows][1], "MB")


if __name__ == "__main__":
    main()
