"""All batches for staff and batch production (issue 9, items 2 and 4): every centre's
batches with a Centre filter, counts and a CSV; Pending, Printing, Complete or Failed,
moved on by staff only; exports and candidate emails once Complete."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import select

from core.batches import (
    BatchFilters,
    batches_csv,
    count_batches_by_centre,
    get_batch,
    list_batch_certificates,
    list_batches,
    set_batch_status,
)
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.exports import ExportSelection, request_export
from core.models import AuditEvent, Role
from core.notices import email_candidates
from tests.factories import make_actor, make_batch, make_centre, make_certificate


@pytest.fixture
def centres(session):
    fanshaws, northgate = make_centre(session, "Fanshaws"), make_centre(session, "Northgate")
    fanshaws.number, northgate.number = "0412", "0877"
    started = dt.datetime(2024, 1, 1, 9)
    for day in range(12):
        make_batch(session, fanshaws, started_at=started + dt.timedelta(days=day))
    make_batch(session, northgate, status="PENDING", finished_at=None, reference="=1+2")
    make_batch(session, northgate, status="FAILED", started_at=started)
    return fanshaws, northgate


@pytest.fixture
def staff(session, centres):
    return make_actor(session, centres[0], role=Role.STAFF)


@pytest.fixture
def coordinator(session, centres):
    return make_actor(session, centres[0])


def _ids(page) -> list[int]:
    return [row.id for row in page.rows]


def test_staff_see_every_centres_batches_with_their_centre(session, staff):
    page = list_batches(session, actor=staff, per_page=25)
    assert page.total == 14
    assert {row.centre for row in page.rows} == {"0412 Fanshaws", "0877 Northgate"}


def test_a_centre_user_sees_only_their_centres_batches(session, coordinator):
    assert list_batches(session, actor=coordinator, per_page=25).total == 12


@pytest.mark.parametrize("typed", ["0877", "north", "NORTHGATE"])
def test_the_centre_filter_takes_a_number_or_part_of_a_name(session, staff, typed):
    page = list_batches(session, actor=staff, filters=BatchFilters(centre=typed))
    assert {row.centre_name for row in page.rows} == {"Northgate"} and page.total == 2


def test_the_centre_filter_with_a_wildcard_matches_only_itself(session, staff):
    assert list_batches(session, actor=staff, filters=BatchFilters(centre="%")).total == 0


def test_staff_open_a_batch_of_any_centre_and_its_certificates(session, staff, centres):
    batch = make_batch(session, centres[1])
    make_certificate(session, centres[1], batch=batch)
    assert get_batch(session, actor=staff, batch_id=batch.id).centre_name == "Northgate"
    assert list_batch_certificates(session, actor=staff, batch_id=batch.id).total == 1


def test_the_csv_holds_every_page_of_the_filtered_table(session, staff):
    filters = BatchFilters(centre="fansh")
    text = batches_csv(session, actor=staff, filters=filters).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["\ufeffID", "Centre Number", "Centre"]
    every_page = list_batches(session, actor=staff, filters=filters, per_page=100)
    assert [int(row[0]) for row in rows[1:]] == _ids(every_page) and len(rows) == 13


def test_the_csv_makes_spreadsheet_formulas_harmless(session, staff):
    text = batches_csv(session, actor=staff, filters=BatchFilters(status="PENDING")).decode()
    assert "'=1+2" in text and ",=1+2" not in text


def test_counts_by_status_per_centre(session, staff):
    page = count_batches_by_centre(session, actor=staff)
    counts = {r.centre_name: (r.pending, r.complete, r.failed, r.total) for r in page.rows}
    assert counts == {"Fanshaws": (0, 12, 0, 12), "Northgate": (1, 0, 1, 2)}


def test_a_centre_user_cannot_count_batches_by_centre(session, coordinator):
    with pytest.raises(PermissionDenied):
        count_batches_by_centre(session, actor=coordinator)


def test_a_centre_user_cannot_change_a_batch_status(session, coordinator, centres):
    batch = make_batch(session, centres[0], status="PENDING", finished_at=None)
    with pytest.raises(PermissionDenied):
        set_batch_status(session, actor=coordinator, batch_id=batch.id, status="PRINTING")


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("PENDING", "PRINTING"),
        ("PRINTING", "COMPLETE"),
        ("PENDING", "FAILED"),
        ("PRINTING", "FAILED"),
        ("FAILED", "PENDING"),
    ],
)
def test_staff_move_a_batch_on(session, staff, centres, before, after):
    batch = make_batch(session, centres[0], status=before, finished_at=None)
    row = set_batch_status(session, actor=staff, batch_id=batch.id, status=after, reason="Jam")
    assert row.status == after
    assert (row.finished_at is not None) == (after in ("COMPLETE", "FAILED"))


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("PENDING", "COMPLETE"),
        ("COMPLETE", "PENDING"),
        ("COMPLETE", "FAILED"),
        ("FAILED", "COMPLETE"),
        ("PRINTING", "PENDING"),
        ("PENDING", "SHIPPED"),
    ],
)
def test_other_moves_are_refused_and_change_nothing(session, staff, centres, before, after):
    batch = make_batch(session, centres[0], status=before)
    with pytest.raises(InvalidInput):
        set_batch_status(session, actor=staff, batch_id=batch.id, status=after, reason="x")
    assert get_batch(session, actor=staff, batch_id=batch.id).status == before


def test_a_failed_batch_needs_a_reason_and_shows_it(session, staff, centres):
    batch = make_batch(session, centres[0], status="PRINTING", finished_at=None)
    with pytest.raises(InvalidInput, match="why"):
        set_batch_status(session, actor=staff, batch_id=batch.id, status="FAILED", reason=" ")
    row = set_batch_status(
        session, actor=staff, batch_id=batch.id, status="FAILED", reason="Printer jammed"
    )
    assert row.status_text == "FAILED: Printer jammed"


def test_a_status_change_is_audited_with_before_and_after(session, staff, centres):
    batch = make_batch(session, centres[0], status="PENDING", finished_at=None)
    set_batch_status(session, actor=staff, batch_id=batch.id, status="PRINTING")
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "batch_status_changed"))
    assert (event.user_id, event.centre_id, event.target) == (
        staff.user_id,
        centres[0].id,
        f"batch:{batch.id}",
    )
    assert event.detail["before"]["status"] == "PENDING"
    assert event.detail["after"]["status"] == "PRINTING"


def test_changing_a_missing_batch_is_not_found(session, staff):
    with pytest.raises(NotFound):
        set_batch_status(session, actor=staff, batch_id=999_999, status="PRINTING")


def _printing_batch_with_a_certificate(session, centre):
    batch = make_batch(session, centre, status="PRINTING", finished_at=None)
    certificate = make_certificate(session, centre, batch=batch)
    return batch, certificate


def test_a_batch_not_yet_complete_alone_exports_nothing_and_says_why(session, coordinator, centres):
    batch, _ = _printing_batch_with_a_certificate(session, centres[0])
    with pytest.raises(InvalidInput, match=r"1 not printed yet \(its batch is not Complete\)"):
        request_export(
            session,
            actor=coordinator,
            selection=ExportSelection(batch_ids=(batch.id,)),
            file_name="June",
        )


def test_a_certificate_of_a_batch_not_yet_complete_cannot_be_exported(
    session, coordinator, centres
):
    _, certificate = _printing_batch_with_a_certificate(session, centres[0])
    with pytest.raises(InvalidInput, match="None of these certificates can be exported"):
        request_export(
            session,
            actor=coordinator,
            selection=ExportSelection(certificate_ids=(certificate.id,)),
            file_name="June",
        )


def test_candidates_of_a_batch_not_yet_complete_cannot_be_emailed(session, coordinator, centres):
    batch, _ = _printing_batch_with_a_certificate(session, centres[0])
    with pytest.raises(InvalidInput, match="candidates can be emailed once it is Complete"):
        email_candidates(session, actor=coordinator, batch_ids=[batch.id])


def test_once_complete_the_batch_is_exported(session, staff, coordinator, centres):
    batch, _ = _printing_batch_with_a_certificate(session, centres[0])
    set_batch_status(session, actor=staff, batch_id=batch.id, status="COMPLETE")
    export_id = request_export(
        session, actor=coordinator, selection=ExportSelection(batch_ids=(batch.id,)), file_name="J"
    )
    assert export_id > 0
