"""Exports: secure certificate PDFs per second, a worker's memory, and other users' pages.

- export_pdfs_per_s_per_core: a 1,000-certificate export run by one worker (this
  process), the whole pipeline: rows, PDF, AES-128 encryption, PAdES signature, zip
  through fsspec.
- reportlab_pdfs_per_s: ReportLab drawing the same certificate (same font, artwork, QR,
  mark) one file at a time, with its C accelerator (rl-accel) and its strongest built-in
  encryption (RC4-128; its AES needs the pure-Python pyaes), in the same run; also
  shown without encryption, so that the comparison does not rest on its encryption.
- export_5000_peak_mb: peak memory of a worker process making a 5,000-certificate export.
- search_rerun_during_export_ratio: the Search page's whole rerun (AppTest) while that
  worker runs (at a consumer's priority, WORKER_NICENESS below this process), over the
  same rerun when nothing runs.

    python benchmarks/exports.py [--certificates 5000] [--sample 1000] [--runs 20]
                                 [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EXPORTS = Path(tempfile.mkdtemp(prefix="dc-bench-exports-"))
os.environ["EXPORTS_URL"] = str(EXPORTS)
SIGNING_CERT = EXPORTS / "signing-cert.pem"  # every exported PDF is signed
os.environ["SIGNING_CERT_PATH"] = str(SIGNING_CERT)

from sqlalchemy import insert, select  # noqa: E402

from benchmarks.common import (  # noqa: E402
    NAMES,
    TITLE,
    certificate_contents,
    metric,
    prepare,
    print_table,
    temporary_database,
)
from core import config, tasks  # noqa: E402
from core.certificate_pdf import CertificateContent, CertificateRenderer, qr_image  # noqa: E402
from core.db import session_scope  # noqa: E402
from core.exports import ExportSelection, request_export  # noqa: E402
from core.models import (  # noqa: E402
    Candidate,
    Centre,
    Certificate,
    Job,
    Membership,
    PrintBatch,
    Qualification,
    Role,
    User,
)
from core.search import SearchCriteria  # noqa: E402
from core.signing import make_signing_cert  # noqa: E402
from core.text import search_key  # noqa: E402
from core.users import Actor  # noqa: E402

# The worker reports its own peak (VmHWM: ru_maxrss would count the parent's memory
# at fork time, which Linux carries over exec).
RUN_ONE_TASK = (
    "from pathlib import Path; from tests.queue import run_queued_tasks; "
    "from core.worker import give_way_to_the_app; give_way_to_the_app(); "
    "run_queued_tasks(limit=1); "
    "print(next(line for line in Path('/proc/self/status').read_text().splitlines() "
    "if line.startswith('VmHWM')))"
)


def use_database(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    config.get_settings.cache_clear()
    tasks.reconnect()


def build(url: str, batches: dict[str, int]) -> dict[str, int]:
    """One centre with a coordinator and a batch of each size; returns the batch ids."""
    with session_scope(url) as session:
        centre = Centre(number="C00001", name="Fanshaws")
        user = User(email="coordinator@fanshaws.example", role=Role.COORDINATOR.value)
        qualification = Qualification(number="603/1465/5", title=TITLE)
        session.add_all([centre, user, qualification])
        session.flush()
        user.active_centre_id = centre.id
        session.add(Membership(user_id=user.id, centre_id=centre.id))
        ids = {
            name: _batch(session, centre.id, qualification.id, size)
            for name, size in batches.items()
        }
    return ids


def _batch(session, centre_id: int, qualification_id: int, size: int) -> int:
    batch = PrintBatch(
        centre_id=centre_id,
        status="COMPLETE",
        batch_type="Certificate",
        started_at=dt.datetime(2024, 6, 1),
        records=size,
    )
    session.add(batch)
    session.flush()
    first = session.scalar(select(Candidate.id).order_by(Candidate.id.desc()).limit(1)) or 0
    people = [NAMES[index % len(NAMES)] for index in range(size)]
    session.execute(
        insert(Candidate),
        [
            {"candidate_number": f"{batch.id:03d}{index:07d}", "first_name": f, "surname": s}
            for index, (f, s) in enumerate(people)
        ],
    )
    session.execute(
        insert(Certificate),
        [
            {
                "number": f"{batch.id:03d}{index:06d}-01-1800",
                "candidate_id": first + index + 1,
                "qualification_id": qualification_id,
                "centre_id": centre_id,
                "batch_id": batch.id,
                "issue_date": dt.date(2024, 6, 1),
                "candidate_number": f"{batch.id:03d}{index:07d}",
                "first_name_key": search_key(f),
                "surname_key": search_key(s),
            }
            for index, (f, s) in enumerate(people)
        ],
    )
    return batch.id


def request(url: str, actor: Actor, batch_id: int) -> int:
    with session_scope(url) as session:
        return request_export(
            session,
            actor=actor,
            selection=ExportSelection(batch_ids=(batch_id,)),
            file_name=f"batch {batch_id}",
        )


def export_in_this_process(url: str, actor: Actor, batch_id: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) to make one export, as a worker does."""
    from tests.queue import run_queued_tasks

    export_id = request(url, actor, batch_id)
    wall, cpu = time.perf_counter(), time.process_time()
    run_queued_tasks(limit=1)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    with session_scope(url) as session:
        assert session.get(Job, export_id).status == "finished", "the export did not finish"
    return wall, cpu


def _reportlab_certificate(content: CertificateContent, images: dict, encrypted: bool) -> bytes:
    """The certificate of core.certificate_pdf drawn with ReportLab, one file per PDF."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    output = io.BytesIO()
    width, height = landscape(A4)
    encryption = (
        StandardEncryption("", "owner", canPrint=0, canModify=0, strength=128)
        if encrypted
        else None
    )
    page = canvas.Canvas(output, pagesize=(width, height), encrypt=encryption)
    page.drawImage(images["artwork"], 0, 0, width, height)
    page.drawImage(images["logo"], 387, 440, 68, 68, mask="auto")
    page.saveState()
    page.setFillGray(0.84)
    page.setFont("DejaVu-Bold", 40)
    page.translate(width / 2, height / 2)
    page.rotate(22)
    page.drawCentredString(0, 0, "Digital copy - not valid when printed")
    page.restoreState()
    page.setFillColorRGB(23 / 255, 43 / 255, 92 / 255)
    lines = [
        ("DejaVu-Bold", 15, "Institute of the Motor Industry", 460),
        ("DejaVu-Bold", 26, content.kind, 430),
        ("DejaVu", 12, "This is to certify that", 370),
        ("DejaVu-Bold", 24, content.full_name, 340),
        ("DejaVu", 12, "has been awarded", 300),
        ("DejaVu-Bold", 16, content.qualification_title, 275),
        ("DejaVu", 11, f"Qualification number {content.qualification_number}", 215),
        ("DejaVu", 11, f"Centre: {content.centre}", 195),
    ]
    for font, size, text, y in lines:
        page.setFont(font, size)
        page.drawCentredString(width / 2, y, text)
    page.setFont("DejaVu", 11)
    page.drawString(70, 140, f"Issued {content.issue_date:%d/%m/%Y}")
    page.drawString(70, 120, f"Certificate number {content.number}")
    page.setFont("DejaVu", 8)
    page.drawString(70, 100, f"Verify at {content.verify_url}")
    page.drawImage(ImageReader(qr_image(content.verify_url)), 686, 100, 90, 90)
    page.showPage()
    page.save()
    return output.getvalue()


def reportlab_rate(count: int, encrypted: bool = True) -> float:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    fonts = ROOT / "data" / "fonts"
    pdfmetrics.registerFont(TTFont("DejaVu", str(fonts / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont("DejaVu-Bold", str(fonts / "DejaVuSans-Bold.ttf")))
    from reportlab.lib.utils import ImageReader

    folder = ROOT / "data" / "certificate"
    images = {name: ImageReader(str(folder / f"{name}.png")) for name in ("artwork", "logo")}
    contents = certificate_contents(count)
    _reportlab_certificate(contents[0], images, encrypted)
    started = time.process_time()
    for content in contents:
        _reportlab_certificate(content, images, encrypted)
    return count / (time.process_time() - started)


def fpdf_rate(count: int) -> float:
    """Our renderer alone (no database, no signature, no zip), for the same comparison."""
    renderer = CertificateRenderer("owner")
    contents = certificate_contents(count)
    renderer.render(contents[:10])
    started = time.process_time()
    renderer.render(contents)
    return count / (time.process_time() - started)


def search_app(url: str):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    app.session_state["authentication_status"] = True
    app.session_state["username"] = "coordinator@fanshaws.example"
    app.session_state["signed_in_at"] = time.time()
    app.session_state["search_criteria"] = SearchCriteria(surname="nowak")
    app.run()
    app.switch_page("screens/search.py").run()
    assert "Found total" in "".join(m.value for m in app.markdown), "search did not run"
    return app


def reruns(app, runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        app.run()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def big_export_in_a_worker(url: str, actor: Actor, batch_id: int, app, runs: int):
    """Run the big export in a worker process; rerun the Search page meanwhile. Returns
    (reruns during it, worker seconds, worker peak MB)."""
    export_id = request(url, actor, batch_id)
    started = time.perf_counter()
    worker = subprocess.Popen(
        [sys.executable, "-c", RUN_ONE_TASK], cwd=ROOT, env=os.environ, stdout=subprocess.PIPE
    )
    during: list[float] = []
    while worker.poll() is None:
        during += reruns(app, 1)
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    with session_scope(url) as session:
        job = session.get(Job, export_id)
        assert (job.status, job.progress) == ("finished", job.total), "big export failed"
    peak_mb = int(worker.stdout.read().split()[-2]) / 1024  # "VmHWM:  123456 kB"
    return during[: max(runs, len(during))], seconds, peak_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=5_000)
    parser.add_argument("--sample", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    make_signing_cert(SIGNING_CERT)
    url = temporary_database(args.database_url)
    use_database(url)
    prepare(url)
    batches = build(url, {"sample": args.sample, "big": args.certificates})
    actor = Actor(user_id=1, email="coordinator@fanshaws.example", role="coordinator", centre_id=1)
    print(f"{args.sample:,} + {args.certificates:,} certificates in {url.split(':')[0]}")

    wall, cpu = export_in_this_process(url, actor, batches["sample"])
    fpdf = fpdf_rate(250)
    reportlab = reportlab_rate(250)
    reportlab_plain = reportlab_rate(250, encrypted=False)
    app = search_app(url)
    idle = reruns(app, args.runs)
    during, big_seconds, peak_mb = big_export_in_a_worker(
        url, actor, batches["big"], app, args.runs
    )
    idle += reruns(app, args.runs)

    print(f"\n{'measurement':<66}{'value':>10}")
    rows = [
        (f"export of {args.sample:,}, one worker: wall", f"{wall:.2f} s"),
        (f"export of {args.sample:,}, one worker: CPU", f"{cpu:.2f} s"),
        ("  PDFs per second per core (whole pipeline, CPU time)", f"{args.sample / cpu:.0f}"),
        ("  PDFs per second (whole pipeline, wall time)", f"{args.sample / wall:.0f}"),
        ("fpdf2 renderer alone (PDF, AES-128, cut per file), per CPU second", f"{fpdf:.0f}"),
        ("ReportLab, same certificate, RC4-128, per CPU second", f"{reportlab:.0f}"),
        ("ReportLab, same certificate, not encrypted, per CPU second", f"{reportlab_plain:.0f}"),
        (f"export of {args.certificates:,} in a worker process", f"{big_seconds:.1f} s"),
        ("  worker peak memory", f"{peak_mb:.0f} MB"),
    ]
    for name, value in rows:
        print(f"{name:<66}{value:>10}")
    print_table(
        "Search page, whole rerun (AppTest)",
        [("idle", idle), (f"during the {args.certificates:,} export", during)],
    )
    ratio = statistics.median(during) / statistics.median(idle)
    print(f"\nduring / idle: {ratio:.2f}")
    metric("export_pdfs_per_s_per_core", args.sample / cpu, "pdfs/s")
    metric("reportlab_pdfs_per_s", reportlab, "pdfs/s")
    metric("export_5000_peak_mb", peak_mb, "MB")
    metric("search_rerun_during_export_ratio", ratio, "x")


if __name__ == "__main__":
    main()
