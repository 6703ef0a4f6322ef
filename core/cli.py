"""Command line: `python -m core.cli migrate | seed-demo | worker | outbox |
make-signing-cert | demo-code`."""

from __future__ import annotations

import argparse
import logging
import sys
import time

from core.config import get_settings
from core.db import get_engine, migrate


def _seed(args: argparse.Namespace) -> int:
    from core.demo import DemoSize, is_empty, seed_demo

    settings = get_settings()
    if settings.is_production:
        print("APP_ENV=production: demo data is never loaded.")
        return 0 if args.if_empty else 1
    engine = get_engine(settings.database_url)
    if not is_empty(engine):
        print("The database already holds data; demo data not loaded.")
        return 0 if args.if_empty else 1
    started = time.perf_counter()
    counts = seed_demo(
        engine,
        DemoSize(certificates=args.certificates, centres=args.centres),
    )
    elapsed = time.perf_counter() - started
    print(", ".join(f"{value:,} {name}" for name, value in counts.items()), f"in {elapsed:.1f} s")
    return 0


def _outbox(args: argparse.Namespace) -> int:
    from core.db import session_scope
    from core.mail import describe_email, latest_emails

    with session_scope() as session:
        emails = latest_emails(session, limit=args.limit)
        print("\n\n".join(map(describe_email, reversed(emails))) or "The outbox is empty.")
    return 0


def _demo_code() -> int:
    """The demo staff login's current two-factor code (from its published secret)."""
    import pyotp

    from core.demo import DEMO_STAFF_EMAIL, DEMO_STAFF_TOTP_SECRET

    if get_settings().is_production:
        print("APP_ENV=production: there is no demo staff login.")
        return 1
    print(f"{pyotp.TOTP(DEMO_STAFF_TOTP_SECRET).now()}  (code for {DEMO_STAFF_EMAIL}, now)")
    return 0


def _make_signing_cert(args: argparse.Namespace) -> int:
    from pathlib import Path

    from core.signing import make_signing_cert

    path = Path(args.path or get_settings().signing_cert_path)
    if path.exists() and args.if_missing:
        return 0
    if path.exists():
        print(f"{path} exists; not replaced (remove it first to make a new one).")
        return 1
    make_signing_cert(path)
    print(f"Made a self-signed signing certificate for demos and tests: {path}")
    return 0


def _make_badge_key(args: argparse.Namespace) -> int:
    from core.badges import badge_keys, make_badge_key

    if args.if_missing and any(key.private is not None for key in badge_keys()):
        return 0
    kid = make_badge_key(algorithm=args.algorithm)
    print(
        f"Made Open Badges signing key {kid} in {get_settings().badge_keys_dir}: it signs new "
        "credentials from now on; older keys stay published so their credentials verify."
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="create or upgrade the database schema")
    seed = commands.add_parser("seed-demo", help="load demo data into an empty database")
    seed.add_argument("--certificates", type=int, default=2_400)
    seed.add_argument("--centres", type=int, default=None)
    seed.add_argument("--if-empty", action="store_true", help="do nothing if data exists")
    worker = commands.add_parser(
        "worker", help="run a Huey consumer for background work (exports, candidate emails)"
    )
    worker.add_argument("--workers", type=int, default=2)
    worker.add_argument("--worker-type", choices=("process", "thread"), default="process")
    signing = commands.add_parser(
        "make-signing-cert",
        help="make a self-signed certificate that signs exported PDFs (demos and tests)",
    )
    signing.add_argument("--path", help="where to write it (default: SIGNING_CERT_PATH)")
    signing.add_argument("--if-missing", action="store_true", help="do nothing if it exists")
    commands.add_parser("demo-code", help="print the demo staff login's current sign-in code")
    badge = commands.add_parser(
        "make-badge-key",
        help="add an Open Badges signing key (a rotation: the newest signs, all verify)",
    )
    badge.add_argument("--algorithm", choices=("RS256", "ES256"), default="RS256")
    badge.add_argument("--if-missing", action="store_true", help="do nothing if a key exists")
    outbox = commands.add_parser("outbox", help="print the latest emails, oldest first")
    outbox.add_argument("--limit", type=int, default=5)
    args = parser.parse_args(argv)
    logging.basicConfig(level=get_settings().log_level)
    if args.command == "migrate":
        migrate()
        return 0
    if args.command == "outbox":
        return _outbox(args)
    if args.command == "demo-code":
        return _demo_code()
    if args.command == "make-signing-cert":
        return _make_signing_cert(args)
    if args.command == "make-badge-key":
        return _make_badge_key(args)
    if args.command == "seed-demo":
        if args.centres is None:
            args.centres = 3 if args.certificates <= 100_000 else 100
        return _seed(args)
    from core.worker import run_consumer

    run_consumer(workers=args.workers, worker_type=args.worker_type)
    return 0


if __name__ == "__main__":
    sys.exit(main())
