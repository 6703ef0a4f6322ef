"""Downloads: the app process's memory while ten downloads of a 5,000-certificate
export's zip stream at once, and one download's speed.

The app is `uvicorn web.app:app` as the Procfile runs it; the zip is a Finished export
of Fanshaws in its export folder, holding 5,000 copies of one real signed, encrypted
certificate PDF under 5,000 names (so it has a real export's size without signing 5,000
PDFs first). Each download is a signed-in GET of /download/export/ID read to the end
and thrown away. Compared in the same run with what the old st.download_button path did
per download: read the whole zip into the process (a lower bound: the media store then
kept a copy too).

    python benchmarks/downloads.py [--certificates N] [--downloads N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from benchmarks.common import (  # noqa: E402
    certificate_contents,
    metric,
    serve_portal,
    stop_server,
)

SECRET = "benchmark-downloads-secret-key-0123456789-abcdefgh"
CHUNK = 1024 * 1024


def build(folder: Path, certificates: int) -> tuple[dict[str, str], int, str]:
    """A seeded database with one Finished export of `certificates` PDFs; the app's
    environment, the export's id and the coordinator's sign-in cookie."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
        "EXPORTS_URL": str(folder / "exports"),
        "SIGNING_CERT_PATH": str(folder / "signing-cert.pem"),
        "SECRET_KEY": SECRET,
        "APP_ENV": "development",
    }
    os.environ.update({key: env[key] for key in ("DATABASE_URL", "EXPORTS_URL", "SECRET_KEY")})
    os.environ["SIGNING_CERT_PATH"] = env["SIGNING_CERT_PATH"]
    from core.config import get_settings
    from core.db import get_engine, migrate, session_scope
    from core.demo import DemoSize, seed_demo
    from core.files import open_export_file
    from core.models import Job, JobStatus, User, utcnow
    from core.sessions import session_cookie
    from core.signing import make_signing_cert, signing_renderer

    get_settings.cache_clear()
    migrate()
    seed_demo(get_engine(), DemoSize(certificates=300, centres=3))
    make_signing_cert(folder / "signing-cert.pem")
    pdf = signing_renderer().render(certificate_contents(1))[0]
    with session_scope() as session:
        user = session.query(User).filter_by(email="coordinator@fanshaws.example").one()
        job = Job(
            kind="export",
            centre_id=user.active_centre_id,
            user_id=user.id,
            status=JobStatus.FINISHED.value,
            file_name="Five thousand",
            total=certificates,
            progress=certificates,
            finished_at=utcnow(),
        )
        session.add(job)
        session.flush()
        job.result_path = f"{job.id}-1.zip"
        export_id, stored_as, email = job.id, job.result_path, user.email
    with (
        open_export_file(stored_as, "wb") as handle,
        zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED) as archive,
    ):
        for index in range(certificates):
            archive.writestr(f"016{index:06d}-01-1800_Candidate.pdf", pdf)
    cookie = session_cookie(email, signed_in_at=time.time() - 1).value
    return env, export_id, cookie


def download(url: str, cookie: str) -> int:
    """One download read to the end; its size in bytes."""
    request = urllib.request.Request(url, headers={"Cookie": f"dc_portal_session={cookie}"})
    size = 0
    with urllib.request.urlopen(request, timeout=600) as answer:
        while block := answer.read(CHUNK):
            size += len(block)
    return size


def rss_mb(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 1e6


def concurrent_growth(pid: int, url: str, cookie: str, downloads: int) -> tuple[float, float]:
    """Peak RSS growth of process `pid` (MB) while `downloads` downloads run at once,
    and the seconds they took."""
    before = rss_mb(pid)
    peak = before
    threads = [threading.Thread(target=download, args=(url, cookie)) for _ in range(downloads)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        peak = max(peak, rss_mb(pid))
        time.sleep(0.05)
    return peak - before, time.perf_counter() - started


OLD_WAY = """
import sys, threading, psutil
from core.exports import Download, read_download
me = psutil.Process()
before = me.memory_info().rss
kept = []
threads = [threading.Thread(target=lambda: kept.append(read_download(Download("z", sys.argv[1]))))
           for _ in range(int(sys.argv[2]))]
for t in threads: t.start()
for t in threads: t.join()
print((me.memory_info().rss - before) / 1e6)
"""


def old_way_growth(env: dict[str, str], stored_as: str, downloads: int) -> float:
    """The whole-file path (st.download_button's callable): RSS growth of a process
    holding `downloads` copies of the zip at once."""
    answer = subprocess.run(
        [sys.executable, "-c", OLD_WAY, stored_as, str(downloads)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(answer.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=5_000)
    parser.add_argument("--downloads", type=int, default=10)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="dc-bench-downloads-"))
    env, export_id, cookie = build(folder, args.certificates)
    zip_path = next((folder / "exports").glob("*.zip"))
    size_mb = zip_path.stat().st_size / 1e6
    server, address = serve_portal(env["DATABASE_URL"], env)
    url = f"{address}/download/export/{export_id}"
    try:
        download(url, cookie)  # warm: imports, first connection
        started = time.perf_counter()
        assert download(url, cookie) == zip_path.stat().st_size
        one_seconds = time.perf_counter() - started
        growth, together_seconds = concurrent_growth(server.pid, url, cookie, args.downloads)
    finally:
        stop_server(server)
    old_growth = old_way_growth(env, zip_path.name, args.downloads)
    print(f"\nDownloads of one export zip ({args.certificates:,} certificates, {size_mb:.0f} MB)")
    print(f"{'measurement':<58}{'value':>12}")
    print(f"{'one download, seconds':<58}{one_seconds:>12.2f}")
    print(f"{f'{args.downloads} at once, seconds for all':<58}{together_seconds:>12.2f}")
    print(f"{f'app RSS growth, {args.downloads} streamed at once (MB)':<58}{growth:>12.1f}")
    print(f"{f'old way: {args.downloads} whole-file reads at once (MB)':<58}{old_growth:>12.1f}")
    print(f"\nold / streamed memory: {old_growth / max(growth, 1.0):.0f}x")
    metric("download_zip_size_mb", size_mb, "MB")
    metric("download_zip_rss_growth_mb", growth, "MB")
    metric("download_zip_old_way_rss_growth_mb", old_growth, "MB")
    metric("download_zip_mb_per_s", size_mb / one_seconds, "MB/s")
    print(f"(finished {dt.datetime.now():%H:%M:%S})")


if __name__ == "__main__":
    main()
