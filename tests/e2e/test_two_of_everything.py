"""Two of everything: two app processes and two workers on one PostgreSQL, one Redis
queue and one S3 store (moto's server). A user signs in on process A and keeps working
on B with the same cookie; an export asked for on A is made by whichever worker takes
it and downloaded from B."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from playwright.sync_api import Browser, expect

from tests.conftest import _create_postgres_database
from tests.e2e.conftest import (
    _free_port,
    _wait_until_healthy,
    download_link,
    fetch_download,
    sign_in,
    wait_until_idle,
)
from tests.s3 import local_s3

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (os.environ.get("REDIS_URL") and os.environ.get("TEST_DATABASE_URL")),
        reason="needs REDIS_URL and TEST_DATABASE_URL (CI sets both): the shared queue and "
        "database that several processes meet on",
    ),
]
PROCFILE_WEB = [
    f"{ROOT}/.venv/bin/uvicorn",
    "web.app:app",
    "--host",
    "127.0.0.1",
    "--no-proxy-headers",
    "--ws",
    "websockets-sansio",
]


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def two_of_everything(tmp_path_factory) -> Iterator[tuple[str, str, Path]]:
    """Addresses of apps A and B, both served by `uvicorn web.app:app` as the Procfile
    does, with two workers, all sharing PostgreSQL, Redis and S3."""
    folder = tmp_path_factory.mktemp("two")
    database_url, drop = _create_postgres_database()
    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    ports = [_free_port(), _free_port()]
    with local_s3() as s3_env:
        env = {
            **os.environ,
            **s3_env,
            "DATABASE_URL": database_url,
            "QUEUE_URL": os.environ["REDIS_URL"],
            "RATE_LIMIT_URL": os.environ["REDIS_URL"],
            "SECRET_KEY": "two-of-everything-share-one-secret-key-0123456789",
            "SIGNING_CERT_PATH": str(folder / "signing-cert.pem"),
            "PUBLIC_URL": f"http://localhost:{ports[0]}",
            "STREAMLIT_SERVER_COOKIE_SECRET": "two-of-everything-cookie-secret",
        }
        env.pop("TEST_DATABASE_URL")
        for command in ("migrate", "make-signing-cert --if-missing", "seed-demo --if-empty"):
            subprocess.run(
                [sys.executable, "-m", "core.cli", *command.split()], cwd=ROOT, env=env, check=True
            )
        processes = [
            _start([*PROCFILE_WEB, "--port", str(port)], env, folder / f"app-{port}.log")
            for port in ports
        ]
        processes += [
            _start(
                [sys.executable, "-m", "core.cli", "worker", "--workers", "1"],
                env,
                folder / f"worker-{n}.log",
            )
            for n in (1, 2)
        ]
        try:
            addresses = [f"http://localhost:{port}" for port in ports]
            for address, process in zip(addresses, processes, strict=False):
                _wait_until_healthy(address, process)
            yield addresses[0], addresses[1], folder
        finally:
            for process in processes:
                _stop(process)
            drop()


def test_a_user_signed_in_on_a_works_on_b_and_downloads_there_an_export_asked_for_on_a(
    two_of_everything, browser: Browser
):
    app_a, app_b, logs = two_of_everything
    context = browser.new_context(viewport={"width": 1400, "height": 1300})
    page = context.new_page()
    page.set_default_timeout(30_000)

    sign_in(page, app_a, "coordinator@fanshaws.example")
    page.goto(f"{app_a}/search?surname=obri")
    expect(page.get_by_text("Found total").first).to_be_visible(timeout=30_000)
    wait_until_idle(page)
    page.get_by_role("button", name="Export PDFs").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("File name").fill("Made on A")
    dialog.get_by_role("button", name="Export").click()
    expect(page.get_by_text("Export created.").first).to_be_visible(timeout=30_000)

    page.goto(f"{app_b}/document-downloads")  # the other process, the same cookie
    expect(page.get_by_text("Made-on-A.zip").first).to_be_visible(timeout=30_000)
    link = download_link(page, "Download")
    expect(link).to_be_visible(timeout=120_000)
    file_name, data = fetch_download(page, link.get_attribute("href"))
    assert (file_name, data[:2]) == ("Made-on-A.zip", b"PK")
    made_by = [
        log.name
        for log in sorted(logs.glob("worker-*.log"))
        if "Executing core.tasks.job.export" in log.read_text()
    ]
    assert len(made_by) == 1  # one of the two workers took it
    context.close()
