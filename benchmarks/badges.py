"""Open Badges: how many credentials one core builds and signs a second (RS256, the
spec's baseline algorithm, and ES256), against the naive way of loading the key for
every credential; and how long checking one pasted credential takes (proof, then the
register, database read and the recorded question included; and the same with the
Verify page's per-client rate limit in front, whose cost is the `limits` library's).

    python benchmarks/badges.py [--credentials N] [--runs N] [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("VERIFY_RATE_LIMIT", "1000000/minute")
os.environ.setdefault("BADGE_KEYS_DIR", tempfile.mkdtemp(prefix="dc-badge-keys-"))

import jwt  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402

from benchmarks.common import (  # noqa: E402
    NAMES,
    TITLE,
    metric,
    p95,
    prepare,
    print_table,
    temporary_database,
    timings_ms,
)
from core import config  # noqa: E402
from core.badges import (  # noqa: E402
    BadgeFacts,
    _load,
    assess_credential,
    badge_keys,
    build_credential,
    check_credential,
    issue_badge,
    make_badge_key,
    sign,
)
from core.db import session_scope  # noqa: E402
from core.models import Candidate, Centre, Certificate, Qualification  # noqa: E402


def facts(count: int) -> list[BadgeFacts]:
    return [
        BadgeFacts(
            number=f"016{index:06d}-01-1800",
            first_name=NAMES[index % len(NAMES)][0],
            surname=NAMES[index % len(NAMES)][1],
            email=f"candidate{index}@mail.example" if index % 7 else None,
            qualification_title=TITLE,
            qualification_number="603/1465/5",
            kind="Qualification",
            grade="Distinction",
            issue_date=dt.date(2024, 6, 1),
            expiry_date=dt.date(2029, 6, 1) if index % 2 else None,
            verify_code=f"code{index:012d}",
        )
        for index in range(count)
    ]


def per_cpu_second(action, items: list[BadgeFacts]) -> float:
    """Credentials per CPU second of this process (one core)."""
    action(items[:20])  # warm
    started = time.process_time()
    action(items)
    return len(items) / (time.process_time() - started)


def signed_with(algorithm: str, folder: Path):
    key = _load(folder / f"{make_badge_key(folder, algorithm)}.pem")

    def run(items: list[BadgeFacts]) -> None:
        for item in items:
            sign(build_credential(item), key)

    return run


def naive(folder: Path):
    """Load the key from its file for every credential, as a script would."""
    path = folder / f"{make_badge_key(folder, 'RS256')}.pem"

    def run(items: list[BadgeFacts]) -> None:
        for item in items:
            private = serialization.load_pem_private_key(path.read_bytes(), password=None)
            credential = build_credential(item)
            jwt.encode({"vc": credential, "iss": credential["issuer"]["id"]}, private, "RS256")

    return run


def one_certificate(url: str) -> int:
    with session_scope(url) as session:
        centre = Centre(number="C00001", name="Fanshaws")
        qualification = Qualification(number="603/1465/5", title=TITLE)
        candidate = Candidate(
            candidate_number="42231110", first_name="Siân", surname="Jones", email="s@mail.example"
        )
        session.add_all([centre, qualification, candidate])
        session.flush()
        certificate = Certificate(
            number="016559933-01-1800",
            candidate_id=candidate.id,
            qualification_id=qualification.id,
            centre_id=centre.id,
            issue_date=dt.date(2024, 6, 1),
            candidate_number="42231110",
            first_name_key="sian",
            surname_key="jones",
        )
        session.add(certificate)
        session.flush()
        return certificate.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--credentials", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    items = facts(args.credentials)
    folder = Path(tempfile.mkdtemp(prefix="dc-badge-bench-"))
    rs256 = per_cpu_second(signed_with("RS256", folder / "rs"), items)
    es256 = per_cpu_second(signed_with("ES256", folder / "es"), items)
    slow = per_cpu_second(naive(folder / "naive"), items[: max(50, args.credentials // 10)])
    print(f"\nCredentials built and signed per CPU second (one core), {args.credentials:,} each")
    print(f"{'RS256 (the default: the spec baseline)':<44}{rs256:>10.0f}")
    print(f"{'ES256':<44}{es256:>10.0f}")
    print(f"{'RS256, key loaded per credential (naive)':<44}{slow:>10.0f}  ({rs256 / slow:.1f}x)")

    url = temporary_database(args.database_url)
    os.environ["DATABASE_URL"] = url
    config.get_settings.cache_clear()
    prepare(url)
    make_badge_key()
    certificate_id = one_certificate(url)
    with session_scope(url) as session:
        badge = issue_badge(session, certificate_id=certificate_id)
    (key,) = [key for key in badge_keys() if key.private is not None]

    def check(text: str, limited: bool = False) -> None:
        with session_scope(url) as session:
            if limited:
                found = check_credential(session, text=text, client="benchmark")
            else:
                found = assess_credential(session, text=text)
        assert found.verdict == "Valid", found

    whole_jwt = timings_ms(lambda: check(badge.jwt), args.runs)
    whole_json = timings_ms(lambda: check(badge.file_bytes().decode()), args.runs)
    with_limit = timings_ms(lambda: check(badge.jwt, limited=True), args.runs)
    proof_only = timings_ms(
        lambda: jwt.decode(badge.jwt, key.public, algorithms=["RS256"], options={"verify_exp": 0}),
        args.runs,
    )
    started = time.process_time()
    for _ in range(args.runs):
        check(badge.jwt)
    cpu_ms = (time.process_time() - started) * 1000 / args.runs
    print_table(
        "Checking one credential (as the Verify page and POST /badges/verify do)",
        [
            ("proof + register + record, the JWT", whole_jwt),
            ("proof + register + record, the JSON file", whole_json),
            ("the same JWT with the rate limit (memory)", with_limit),
            ("the RS256 proof alone", proof_only),
        ],
    )
    print(f"CPU time of one whole check (proof + register + record, the JWT): {cpu_ms:.2f} ms")
    metric("badges_signed_per_s", rs256, "credentials/s")
    metric("badge_verify_cpu_ms", cpu_ms, "ms")
    metric("badge_verify_ms", max(p95(whole_jwt), p95(whole_json)), "ms")


if __name__ == "__main__":
    main()
