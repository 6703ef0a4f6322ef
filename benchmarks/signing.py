"""Signing and verifying: signed certificate PDFs per second, and the Verify page's lookup.

- unsigned_pdfs_per_s: the export pipeline's PDFs without signatures (chunks drawn as one
  fpdf2 document, split per file and AES-128 encrypted), one process, one core.
- signed_pdfs_per_s: the same PDFs as exports make them, each written with its signature
  field and sealed by core.signing's PdfSealer (pyHanko's CMS container, built once, with
  each file's digest and signature put in).
- incremental_signed_pdfs_per_s: the unsigned PDFs signed as an incremental update by
  pyHanko's PdfSigner with a signer holding its loaded key (the design before the sealer).
- naive_signed_pdfs_per_s: the same, signed as pyHanko's documentation does it, with a
  SimpleSigner (which turns its key into a cryptography key on every signature, and
  signs once more to size the signature); signed_over_naive_ratio is held over naive.
- seal_ms and incremental_sign_ms: one file's signing alone, and where the sealer's time
  goes (by library, from cProfile).
  PDFs a second count this process's CPU time (one core's worth of work, whatever else
  runs on the machine); wall-time rates are printed beside them.
- verify_page_ms: the Verify page's lookup (core.verify: rate limit, query, record), by
  the QR code's code and by number and surname, median, on a database of
  --certificates certificates (100,000 by default).

    python benchmarks/signing.py [--pdfs 200] [--certificates 100000] [--runs 200]
                                 [--database-url URL]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIGNING_CERT = Path(tempfile.mkdtemp(prefix="dc-bench-signing-")) / "signing-cert.pem"
os.environ["SIGNING_CERT_PATH"] = str(SIGNING_CERT)
os.environ["PDF_OWNER_PASSWORD"] = OWNER = "benchmark-owner-password"
os.environ["VERIFY_RATE_LIMIT"] = "1000000/minute"  # the limit is counted, never reached

from asn1crypto import keys  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.sign import fields, signers  # noqa: E402
from pyhanko_certvalidator.registry import SimpleCertificateStore  # noqa: E402
from sqlalchemy import select  # noqa: E402

from benchmarks.common import (  # noqa: E402
    certificate_contents,
    metric,
    prepare,
    print_table,
    temporary_database,
    timings_ms,
)
from core import config  # noqa: E402
from core.certificate_pdf import CertificateContent, CertificateRenderer  # noqa: E402
from core.db import get_engine, session_scope  # noqa: E402
from core.demo import DemoSize, seed_demo  # noqa: E402
from core.models import Candidate, Certificate  # noqa: E402
from core.signing import PdfSealer, current_sealer, make_signing_cert  # noqa: E402
from core.verify import give_verify_code, verify_by_code, verify_by_number  # noqa: E402

CHUNK = 250


def _pdfs(renderer: CertificateRenderer, contents: list[CertificateContent]) -> list[bytes]:
    pdfs = []
    for start in range(0, len(contents), CHUNK):
        pdfs += renderer.render(contents[start : start + CHUNK])
    return pdfs


class _SlotOnly:
    """The sealer's signature dictionary written, the seal left out: files ready to seal."""

    def __init__(self, sealer: PdfSealer) -> None:
        self.field_name = sealer.field_name
        self.signature_dictionary = sealer.signature_dictionary

    def seal(self, pdf: bytes) -> bytes:
        return pdf


def _incremental_signer() -> signers.PdfSigner:
    metadata = signers.PdfSignatureMetadata(
        field_name="AwardingBodySignature",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    return signers.PdfSigner(metadata, signer=current_sealer().signer)


def _naive_signer() -> signers.SimpleSigner:
    """pyHanko's SimpleSigner, loaded once from the same key and certificate."""
    signer = current_sealer().signer
    der = signer.key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return signers.SimpleSigner(
        signing_cert=signer.signing_cert,
        signing_key=keys.PrivateKeyInfo.load(der),
        cert_registry=SimpleCertificateStore(),
    )


def _incremental_sign(signer: signers.PdfSigner, pdf: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    writer.encrypt(OWNER)
    output = io.BytesIO()
    signer.sign_pdf(writer, output=output, bytes_reserved=8192)
    return output.getvalue()


def _naive_sign(signer: signers.SimpleSigner, pdf: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    writer.encrypt(OWNER)
    metadata = signers.PdfSignatureMetadata(field_name="AwardingBodySignature")
    return signers.sign_pdf(writer, metadata, signer=signer).getvalue()


def _where_the_time_goes(seal, pdfs: list[bytes]) -> list[tuple[str, float]]:
    """Sealing's own time (cProfile tottime) by library, in percent."""
    profile = cProfile.Profile()
    profile.enable()
    for pdf in pdfs:
        seal(pdf)
    profile.disable()
    by_library: dict[str, float] = defaultdict(float)
    for (path, _, name), row in pstats.Stats(profile).stats.items():
        library = next(
            (part for part in ("asn1crypto", "pyhanko", "cryptography") if part in path + name),
            "other (hashlib, bytes, core.signing)",
        )
        by_library[library] += row[2]
    total = sum(by_library.values())
    return sorted(
        ((name, 100 * value / total) for name, value in by_library.items()), key=lambda x: -x[1]
    )


def _rate(make, count: int) -> tuple[float, float]:
    """Items a second of this process's CPU time (per core: what a worker on a core of
    its own makes) and of wall time (lower whenever other work shares the cores)."""
    wall, cpu = time.perf_counter(), time.process_time()
    made = make()
    assert len(made) == count
    return count / (time.process_time() - cpu), count / (time.perf_counter() - wall)


def _cpu_ms(action, runs: int) -> list[float]:
    """Each run's CPU time in this process, in ms."""
    action()
    result = []
    for _ in range(runs):
        started = time.process_time()
        action()
        result.append((time.process_time() - started) * 1000)
    return result


def bench_signing(count: int) -> None:
    """Unsigned, signed, incrementally and naively signed PDFs a second, in turns, in one
    process."""
    sealer = current_sealer()
    unsigned_renderer = CertificateRenderer(OWNER)
    renderer = CertificateRenderer(OWNER, sealer)
    contents, few = certificate_contents(count), certificate_contents(max(10, count // 4))
    incremental, naive = _incremental_signer(), _naive_signer()
    _pdfs(renderer, contents[:10])  # fonts, artwork and key loaded once
    unsigned, unsigned_wall = _rate(lambda: _pdfs(unsigned_renderer, contents), count)
    signed, signed_wall = _rate(lambda: _pdfs(renderer, contents), count)
    incremental_rate, incremental_wall = _rate(
        lambda: [_incremental_sign(incremental, pdf) for pdf in _pdfs(unsigned_renderer, few)],
        len(few),
    )
    naive_rate, naive_wall = _rate(
        lambda: [_naive_sign(naive, pdf) for pdf in _pdfs(unsigned_renderer, few)], len(few)
    )
    ready = _pdfs(CertificateRenderer(OWNER, _SlotOnly(sealer)), few)
    plain = _pdfs(unsigned_renderer, few)
    seal_ms = _cpu_ms(lambda: sealer.seal(ready[0]), len(ready))
    incremental_ms = _cpu_ms(lambda: _incremental_sign(incremental, plain[0]), len(plain))
    naive_ms = _cpu_ms(lambda: _naive_sign(naive, plain[0]), len(plain))
    print_table(
        f"Signing one certificate PDF, CPU time (one process, {len(ready)} runs each)",
        [
            ("seal (template container, written in place)", seal_ms),
            ("pyHanko incremental update, held key", incremental_ms),
            ("pyHanko incremental update, SimpleSigner", naive_ms),
        ],
    )
    print(
        f"\nPDFs a second by wall time: unsigned {unsigned_wall:.1f}, signed "
        f"{signed_wall:.1f}, incremental {incremental_wall:.1f}, naive {naive_wall:.1f} "
        f"(load average {os.getloadavg()[0]:.1f})"
    )
    print("\nWhere a seal's time goes (cProfile, own time by library)")
    for library, share in _where_the_time_goes(sealer.seal, ready):
        print(f"  {library:<40}{share:>6.1f} %")
    metric("unsigned_pdfs_per_s", unsigned, "pdf/s")
    metric("signed_pdfs_per_s", signed, "pdf/s")
    metric("incremental_signed_pdfs_per_s", incremental_rate, "pdf/s")
    metric("naive_signed_pdfs_per_s", naive_rate, "pdf/s")
    metric("signed_over_naive_ratio", signed / naive_rate, "x")
    metric("seal_ms", statistics.median(seal_ms), "ms")
    metric("incremental_sign_ms", statistics.median(incremental_ms), "ms")
    metric("naive_sign_ms", statistics.median(naive_ms), "ms")


def bench_lookup(url: str, certificates: int, runs: int) -> None:
    with session_scope(url) as session:
        empty = session.scalar(select(Certificate.id).limit(1)) is None
    if empty:
        seed_demo(get_engine(url), DemoSize(certificates=certificates, centres=100))
    with session_scope(url) as session:
        sample = session.execute(
            select(Certificate.id, Certificate.number, Candidate.surname)
            .join(Candidate, Candidate.id == Certificate.candidate_id)
            .order_by(Certificate.id)
            .limit(runs)
            .offset(certificates // 2)
        ).all()
        codes = [give_verify_code(session, row.id) for row in sample]
    questions = iter(range(10**9))

    def by_code() -> None:
        with session_scope(url) as session:
            verify_by_code(session, code=codes[next(questions) % len(codes)], client="bench")

    def by_number() -> None:
        row = sample[next(questions) % len(sample)]
        with session_scope(url) as session:
            verify_by_number(session, number=row.number, surname=row.surname, client="bench")

    code_ms, number_ms = timings_ms(by_code, runs), timings_ms(by_number, runs)
    code_cpu, number_cpu = _cpu_ms(by_code, runs), _cpu_ms(by_number, runs)
    print_table(
        f"The Verify page's lookup ({certificates:,} certificates, {get_engine(url).dialect.name})",
        [
            ("by the QR code's code, wall", code_ms),
            ("by number and surname, wall", number_ms),
            ("by the QR code's code, CPU", code_cpu),
            ("by number and surname, CPU", number_cpu),
        ],
    )
    metric("verify_page_cpu_ms", statistics.median(code_cpu + number_cpu), "ms")
    metric("verify_page_ms", statistics.median(code_ms + number_ms), "ms")
    metric("verify_page_by_code_ms", statistics.median(code_ms), "ms")
    metric("verify_page_by_number_ms", statistics.median(number_ms), "ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdfs", type=int, default=200)
    parser.add_argument("--certificates", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    make_signing_cert(SIGNING_CERT)
    url = temporary_database(args.database_url)
    os.environ["DATABASE_URL"] = url
    config.get_settings.cache_clear()
    prepare(url)
    bench_signing(args.pdfs)
    bench_lookup(url, args.certificates, args.runs)


if __name__ == "__main__":
    main()
