"""Exports end to end: requested at once, made by a worker (in this process or a real
consumer), listed with progress, downloaded as a zip, expired after 24 hours."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from core import config
from core.db import session_scope
from core.errors import InvalidInput, NotFound
from core.exports import (
    NOT_INCLUDED,
    ExportSelection,
    download_name,
    expire_exports,
    find_download,
    get_export,
    list_exports,
    pdf_name,
    plan_export,
    read_download,
    request_export,
)
from core.files import export_file_exists
from core.models import Certificate, Job, PrintBatch, utcnow
from core.search import SearchCriteria
from core.tasks import requeue_stale_jobs
from tests.factories import (
    make_actor,
    make_batch,
    make_candidate,
    make_centre,
    make_certificate,
    make_qualification,
)
from tests.queue import run_queued_tasks

ROOT = Path(__file__).resolve().parent.parent
NAMES = [("Siân", "Jones"), ("Zoë", "Nowak-Łukasiewicz"), ("Seán", "Ó Súilleabháin")]


@pytest.fixture
def fanshaws(db_url):
    """Fanshaws: a batch of three certificates with PDFs and one issued in 2016."""
    with session_scope(db_url) as session:
        centre = make_centre(session, "Fanshaws")
        batch = make_batch(session, centre)
        numbers = []
        for first, surname in NAMES:
            candidate = make_candidate(session, first_name=first, surname=surname)
            numbers.append(make_certificate(session, centre, batch=batch, candidate=candidate))
        old = make_certificate(session, centre, batch=batch, issue_date=dt.date(2016, 3, 1))
        return {
            "actor": make_actor(session, centre),
            "batch": batch.id,
            "new": [certificate.id for certificate in numbers],
            "names": [(c.number, f"{f} {s}") for c, (f, s) in zip(numbers, NAMES, strict=True)],
            "old": (old.id, old.number),
        }


def _export(db_url, actor, selection, file_name="Summer results", description="") -> int:
    with session_scope(db_url) as session:
        return request_export(
            session,
            actor=actor,
            selection=selection,
            file_name=file_name,
            description=description,
        )


def _row(db_url, actor, export_id, now=None):
    with session_scope(db_url) as session:
        return get_export(session, actor=actor, export_id=export_id, now=now)


def _zip(db_url, actor, export_id) -> zipfile.ZipFile:
    with session_scope(db_url) as session:
        download = find_download(session, actor=actor, export_id=export_id)
    return zipfile.ZipFile(io.BytesIO(read_download(download)))


def test_export_is_pending_then_finished_with_progress(db_url, fanshaws):
    actor = fanshaws["actor"]
    ids = fanshaws["new"]
    export_id = _export(db_url, actor, ExportSelection(certificate_ids=tuple(ids)), "Three.zip")
    pending = _row(db_url, actor, export_id)
    assert (pending.status_text, pending.certificates) == ("Pending: 0 of 3", 3)
    assert not pending.can_download
    assert run_queued_tasks() == 1
    finished = _row(db_url, actor, export_id)
    assert (finished.status_text, finished.progress, finished.total) == ("Finished", 3, 3)
    archive = _zip(db_url, actor, export_id)
    assert sorted(archive.namelist()) == sorted(
        pdf_name(number, name) for number, name in fanshaws["names"]
    )
    for name in archive.namelist():
        assert len(PdfReader(io.BytesIO(archive.read(name))).pages) == 1


def test_pdf_names_are_the_number_and_the_name_in_safe_characters():
    assert pdf_name("016559933-01-1800", "Zoë Nowak-Łukasiewicz") == (
        "016559933-01-1800_Zoe-Nowak-Lukasiewicz.pdf"
    )
    assert pdf_name("016559934-01-1800", "Seán Ó Súilleabháin") == (
        "016559934-01-1800_Sean-O-Suilleabhain.pdf"
    )


def test_export_expires_after_24_hours_and_its_file_is_gone(db_url, fanshaws):
    actor = fanshaws["actor"]
    export_id = _export(db_url, actor, ExportSelection(batch_ids=(fanshaws["batch"],)))
    run_queued_tasks()
    with session_scope(db_url) as session:
        job = session.get(Job, export_id)
        finished_at, stored_as = job.finished_at, job.result_path
    assert expire_exports(now=finished_at + dt.timedelta(hours=23)) == 0
    assert export_file_exists(stored_as)
    assert expire_exports(now=finished_at + dt.timedelta(hours=24, seconds=1)) == 1
    assert not export_file_exists(stored_as)
    assert _row(db_url, actor, export_id).status_text == "Expired"
    with pytest.raises(NotFound, match="expired"), session_scope(db_url) as session:
        find_download(session, actor=actor, export_id=export_id)


def test_an_export_shows_expired_at_24_hours_even_before_the_clean_up_ran(db_url, fanshaws):
    actor = fanshaws["actor"]
    export_id = _export(db_url, actor, ExportSelection(batch_ids=(fanshaws["batch"],)))
    run_queued_tasks()
    later = utcnow() + dt.timedelta(hours=24, minutes=1)
    assert _row(db_url, actor, export_id, now=later).status == "Expired"
    with pytest.raises(NotFound), session_scope(db_url) as session:
        find_download(session, actor=actor, export_id=export_id, now=later)


def test_certificates_before_november_2017_are_skipped_and_listed(db_url, fanshaws):
    actor = fanshaws["actor"]
    export_id = _export(db_url, actor, ExportSelection(batch_ids=(fanshaws["batch"],)))
    run_queued_tasks()
    row = _row(db_url, actor, export_id)
    assert (row.certificates, row.total, row.skipped) == (4, 3, 1)
    assert "1 not included: issued before 1 November 2017" in row.skipped_text
    archive = _zip(db_url, actor, export_id)
    assert len([name for name in archive.namelist() if name.endswith(".pdf")]) == 3
    listing = archive.read(NOT_INCLUDED).decode()
    assert fanshaws["old"][1] in listing and "issued 01/03/2016" in listing


def test_an_export_of_only_pre_2017_certificates_is_refused(db_url, fanshaws):
    old_id = fanshaws["old"][0]
    with pytest.raises(InvalidInput, match="None of these certificates has a PDF"):
        _export(db_url, fanshaws["actor"], ExportSelection(certificate_ids=(old_id,)))


def test_export_of_search_results(db_url, fanshaws):
    actor = fanshaws["actor"]
    criteria = SearchCriteria(surname="nowak")
    export_id = _export(db_url, actor, ExportSelection(criteria=criteria))
    run_queued_tasks()
    assert _zip(db_url, actor, export_id).namelist() == [pdf_name(*fanshaws["names"][1])]


def test_each_certificate_gets_an_unguessable_verify_code_once(db_url, fanshaws):
    actor = fanshaws["actor"]
    selection = ExportSelection(certificate_ids=(fanshaws["new"][0],))
    _export(db_url, actor, selection)
    run_queued_tasks()
    with session_scope(db_url) as session:
        certificate = session.get(Certificate, fanshaws["new"][0])
        code = certificate.verify_code
        assert len(code) >= 24 and certificate.number not in code
    _export(db_url, actor, selection)
    run_queued_tasks()
    with session_scope(db_url) as session:
        assert session.get(Certificate, fanshaws["new"][0]).verify_code == code


def test_a_failing_export_is_retried_then_failed_with_a_reason(
    db_url, fanshaws, monkeypatch, tmp_path
):
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("EXPORTS_URL", str(tmp_path / "a-file" / "exports"))
    config.get_settings.cache_clear()
    actor = fanshaws["actor"]
    export_id = _export(db_url, actor, ExportSelection(batch_ids=(fanshaws["batch"],)))
    assert run_queued_tasks() == 3  # the first try and TASK_RETRIES (2) more
    row = _row(db_url, actor, export_id)
    assert row.status_text == "Failed: A file could not be written or read (Not a directory)."
    with session_scope(db_url) as session:
        assert session.get(Job, export_id).attempts == 3


@pytest.mark.parametrize(
    ("typed", "saved_as"),
    [
        ("../../etc/passwd", "etc-passwd.zip"),
        ("..\\..\\windows\\system32", "windows-system32.zip"),
        ("/absolute/path.zip", "absolute-path.zip"),
        ("Siân's results 2024.ZIP", "Sian-s-results-2024.zip"),
        ("   ...   ", "certificates.zip"),
        ("<script>alert(1)</script>", "script-alert-1-script.zip"),
        ("nul\x00byte", "nul-byte.zip"),
    ],
)
def test_a_typed_file_name_only_names_the_download(typed, saved_as):
    assert download_name(typed) == saved_as


def test_a_typed_file_name_never_becomes_a_path(db_url, fanshaws, tmp_path):
    actor = fanshaws["actor"]
    export_id = _export(db_url, actor, ExportSelection(batch_ids=(fanshaws["batch"],)), "../../x")
    run_queued_tasks()
    written = sorted(path.name for path in tmp_path.rglob("*") if path.is_file())
    assert written == [f"{export_id}-1.zip"]
    assert (tmp_path / "exports" / f"{export_id}-1.zip").exists()
    assert _row(db_url, actor, export_id).file_name == "x.zip"


def test_a_file_name_is_required(db_url, fanshaws):
    with pytest.raises(InvalidInput, match="file name"):
        _export(db_url, fanshaws["actor"], ExportSelection(batch_ids=(fanshaws["batch"],)), " ")


def test_another_centres_export_answers_like_a_missing_one(db_url, fanshaws):
    actor = fanshaws["actor"]
    export_id = _export(db_url, actor, ExportSelection(batch_ids=(fanshaws["batch"],)))
    run_queued_tasks()
    with session_scope(db_url) as session:
        stranger = make_actor(session, make_centre(session, "Northgate"))
    with session_scope(db_url) as session:
        assert list_exports(session, actor=stranger).total == 0
    answers = []
    for wanted in (export_id, 987654):
        for look in (get_export, find_download):
            with pytest.raises(NotFound) as raised, session_scope(db_url) as session:
                look(session, actor=stranger, export_id=wanted)
            answers.append(raised.value.message)
    assert set(answers) == {"There is no export with that ID."}


def test_another_centres_certificates_and_batches_cannot_be_exported(db_url, fanshaws):
    with session_scope(db_url) as session:
        stranger = make_actor(session, make_centre(session, "Northgate"))
    for selection in (
        ExportSelection(batch_ids=(fanshaws["batch"],)),
        ExportSelection(certificate_ids=tuple(fanshaws["new"])),
    ):
        with pytest.raises(NotFound):
            _export(db_url, stranger, selection)
    assert run_queued_tasks() == 0


def test_downloads_list_newest_first_with_who_asked(db_url, fanshaws):
    actor = fanshaws["actor"]
    first = _export(db_url, actor, ExportSelection(batch_ids=(fanshaws["batch"],)), "first")
    second = _export(db_url, actor, ExportSelection(batch_ids=(fanshaws["batch"],)), "second")
    with session_scope(db_url) as session:
        page = list_exports(session, actor=actor)
    assert [row.id for row in page.rows] == [second, first]
    assert page.rows[0].requested_by == "John McNabhan"
    assert page.summary == "Page 1 of 1 | View 10 records | Found total 2 records"


# A real consumer process ---------------------------------------------------------------


def _many_certificates(db_url, count: int):
    with session_scope(db_url) as session:
        centre = make_centre(session, "Fanshaws")
        batch = make_batch(session, centre)
        qualification = make_qualification(session)
        for index in range(count):
            candidate = make_candidate(session, first_name=f"Zoë{index}", surname="Nowak")
            make_certificate(
                session, centre, batch=batch, candidate=candidate, qualification=qualification
            )
        return make_actor(session, centre), batch.id


def _consumer(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "core.cli", "worker", "--workers", "1", "--worker-type", "process"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for(db_url, export_id, done, seconds=120) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with session_scope(db_url) as session:
            job = session.get(Job, export_id)
            if done(job):
                return job
        time.sleep(0.2)
    raise AssertionError(f"export {export_id} did not get there in {seconds} s")


QUEUES = ["database"] + (["redis"] if os.environ.get("REDIS_URL") else [])


@pytest.mark.parametrize("queue", QUEUES)
def test_a_consumer_killed_mid_export_leaves_it_to_another_which_completes_it_whole(
    db_url, monkeypatch, queue
):
    if queue == "redis":
        monkeypatch.setenv("QUEUE_URL", os.environ["REDIS_URL"])
        config.get_settings.cache_clear()
        from core.tasks import reconnect

        reconnect()
    actor, batch_id = _many_certificates(db_url, 600)
    first = _consumer(dict(os.environ))
    try:
        export_id = _export(db_url, actor, ExportSelection(batch_ids=(batch_id,)))
        _wait_for(db_url, export_id, lambda job: job.progress >= 250)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    with session_scope(db_url) as session:
        job = session.get(Job, export_id)
        assert (job.status, job.attempts) == ("running", 1)
        assert export_file_exists(f"{export_id}-1.zip")  # half-written, never served
        job.heartbeat_at = utcnow() - dt.timedelta(minutes=10)
    assert requeue_stale_jobs.call_local() == 1  # what the periodic task does each minute
    second = _consumer(dict(os.environ))
    try:
        job = _wait_for(db_url, export_id, lambda job: job.status == "finished")
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=30)
    assert (job.attempts, job.result_path) == (2, f"{export_id}-2.zip")
    assert not export_file_exists(f"{export_id}-1.zip")
    archive = _zip(db_url, actor, export_id)
    assert archive.testzip() is None and len(archive.namelist()) == 600
    with session_scope(db_url) as session:
        numbers = session.scalars(select(Certificate.number)).all()
    assert {name.split("_")[0] for name in archive.namelist()} == set(numbers)


def test_a_consumer_gives_way_to_the_app_on_the_cpu(db_url):
    """A 5,000-certificate export must not slow other users' pages where the worker
    shares the app's cores: the consumer runs WORKER_NICENESS (10) below the app."""
    expected = min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10)
    consumer = _consumer(dict(os.environ))
    try:
        deadline = time.monotonic() + 30
        while os.getpriority(os.PRIO_PROCESS, consumer.pid) != expected:
            assert time.monotonic() < deadline, "the consumer kept the app's priority"
            time.sleep(0.1)
    finally:
        os.killpg(consumer.pid, signal.SIGTERM)
        consumer.wait(timeout=30)


def test_an_export_whose_workers_keep_dying_fails_instead_of_looping(db_url, fanshaws):
    actor = fanshaws["actor"]
    export_id = _export(db_url, actor, ExportSelection(batch_ids=(fanshaws["batch"],)))
    with session_scope(db_url) as session:
        job = session.get(Job, export_id)
        job.status, job.attempts = "running", 5  # the first try, 2 retries, 2 deaths
        job.heartbeat_at = utcnow() - dt.timedelta(minutes=10)
    run_queued_tasks()
    assert _row(db_url, actor, export_id).status_text == (
        "Failed: It stopped 5 times before finishing."
    )


# What can be exported is; what cannot is left out and said --------------------------


@pytest.fixture
def mixed(db_url, fanshaws):
    """Beside Fanshaws' Complete batch: a Pending batch (claims imported, not printed
    yet) of one certificate, and a revoked certificate in the Complete batch."""
    with session_scope(db_url) as session:
        centre = session.get(Certificate, fanshaws["new"][0]).centre
        pending = make_batch(session, centre, status="PENDING", finished_at=None)
        waiting = make_certificate(session, centre, batch=pending)
        revoked = make_certificate(
            session, centre, batch=session.get(PrintBatch, fanshaws["batch"])
        )
        revoked.revoked, revoked.revoked_reason = True, "Issued in error"
        return fanshaws | {
            "pending_batch": pending.id,
            "waiting": (waiting.id, waiting.number),
            "revoked": revoked.number,
        }


def test_an_export_with_a_batch_not_printed_yet_exports_the_rest_and_lists_it(db_url, mixed):
    actor = mixed["actor"]
    both = ExportSelection(batch_ids=(mixed["batch"], mixed["pending_batch"]))
    export_id = _export(db_url, actor, both)
    run_queued_tasks()
    row = _row(db_url, actor, export_id)
    assert (row.status, row.certificates, row.total, row.skipped) == ("Finished", 6, 3, 3)
    assert row.skipped_text == (
        "3 not included: 1 not printed yet (its batch is not Complete); 1 revoked by the "
        "awarding body (each with its reason); 1 issued before 1 November 2017, when "
        "certificates had no PDF (listed in not-included.txt)."
    )
    archive = _zip(db_url, actor, export_id)
    assert len([name for name in archive.namelist() if name.endswith(".pdf")]) == 3
    listing = archive.read(NOT_INCLUDED).decode()
    assert f"{mixed['waiting'][1]}  " in listing
    assert f"not printed yet: batch {mixed['pending_batch']} is Pending" in listing
    assert f"{mixed['revoked']}  " in listing and "Issued in error" in listing


def test_the_export_dialog_is_told_what_will_be_left_out_before_anything_is_typed(db_url, mixed):
    selection = ExportSelection(batch_ids=(mixed["batch"], mixed["pending_batch"]))
    with session_scope(db_url) as session:
        plan = plan_export(session, actor=mixed["actor"], selection=selection)
    assert (plan.with_pdf, plan.left_out) == (3, 3)
    assert plan.left_out_reasons == [
        "1 not printed yet (its batch is not Complete)",
        "1 revoked by the awarding body",
        "1 issued before 1 November 2017, when certificates had no PDF",
    ]
    assert plan.refusal is None


def test_an_export_of_only_certificates_not_printed_yet_is_refused_saying_why(db_url, mixed):
    only = ExportSelection(certificate_ids=(mixed["waiting"][0],))
    with session_scope(db_url) as session:
        plan = plan_export(session, actor=mixed["actor"], selection=only)
    assert plan.refusal == (
        "None of these certificates can be exported: 1 not printed yet (its batch is not Complete)."
    )
    with pytest.raises(InvalidInput, match="1 not printed yet"):
        _export(db_url, mixed["actor"], only)


def test_a_certificate_that_cannot_be_drawn_is_listed_and_the_others_export(db_url, fanshaws):
    actor = fanshaws["actor"]
    with session_scope(db_url) as session:
        batch = session.get(PrintBatch, fanshaws["batch"])
        centre = session.get(Certificate, fanshaws["new"][0]).centre
        taro = make_candidate(session, first_name="Taro", surname="山田")
        longest = make_candidate(session, first_name="W" * 100, surname="M" * 100)
        unprintable = make_certificate(session, centre, batch=batch, candidate=taro)
        make_certificate(session, centre, batch=batch, candidate=longest)
    export_id = _export(db_url, actor, ExportSelection(batch_ids=(fanshaws["batch"],)))
    assert run_queued_tasks() == 1
    row = _row(db_url, actor, export_id)
    assert (row.status, row.certificates, row.skipped) == ("Finished", 6, 2)
    assert "1 could not be drawn (each with its reason)" in row.skipped_text
    archive = _zip(db_url, actor, export_id)
    assert len([name for name in archive.namelist() if name.endswith(".pdf")]) == 4
    listing = archive.read(NOT_INCLUDED).decode()
    assert (
        f"{unprintable.number}  Taro 山田  its name holds letters the certificate's font "
        "cannot print (山田)"
    ) in listing
