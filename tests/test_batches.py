"""Print Batches (guide: Print Batches): the table, its filters and paging, one batch."""

from __future__ import annotations

import datetime as dt

import pytest

from core.batches import (
    BatchFilters,
    get_batch,
    list_batch_certificates,
    list_batches,
    visible_batch_ids,
)
from core.errors import InvalidInput, NotFound
from tests.factories import make_actor, make_batch, make_centre, make_certificate


@pytest.fixture
def fanshaws(session):
    centre = make_centre(session, "Fanshaws")
    started = dt.datetime(2017, 1, 2, 9, 0)
    for day in range(32):
        make_batch(
            session,
            centre,
            status="PRINTING" if day % 8 == 0 else "COMPLETE",
            batch_type="Reprint" if day % 4 == 0 else "Certificate",
            started_at=started + dt.timedelta(days=day * 7),
            finished_at=started + dt.timedelta(days=day * 7, hours=3),
        )
    return centre


@pytest.fixture
def coordinator(session, fanshaws):
    return make_actor(session, fanshaws)


def test_batches_show_newest_first_with_the_guide_summary(session, coordinator):
    page = list_batches(session, actor=coordinator)
    assert page.summary == "Page 1 of 4 | View 10 records | Found total 32 records"
    started = [row.started_at for row in page.rows]
    assert started == sorted(started, reverse=True)


@pytest.mark.parametrize("per_page", [10, 25, 50, 100])
def test_every_page_size_cuts_the_same_ordering(session, coordinator, per_page):
    everything = list_batches(session, actor=coordinator, per_page=100).rows
    pages = list_batches(session, actor=coordinator, per_page=per_page).pages
    joined = [
        row
        for number in range(1, pages + 1)
        for row in list_batches(session, actor=coordinator, page=number, per_page=per_page).rows
    ]
    assert joined == everything


def test_page_past_the_end_shows_the_last_page(session, coordinator):
    page = list_batches(session, actor=coordinator, page=99)
    assert (page.page, len(page.rows)) == (4, 2)


def test_other_page_sizes_are_refused(session, coordinator):
    with pytest.raises(InvalidInput, match="records per page"):
        list_batches(session, actor=coordinator, per_page=1000)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (BatchFilters(status="PRINTING"), 4),
        (BatchFilters(batch_type="Reprint"), 8),
        (BatchFilters(status="PRINTING", batch_type="Reprint"), 4),
        (BatchFilters(started_from=dt.date(2017, 1, 2), started_to=dt.date(2017, 1, 16)), 3),
        (BatchFilters(finished_from=dt.date(2017, 7, 1)), 6),
        (BatchFilters(finished_to=dt.date(2017, 1, 2)), 1),
        (BatchFilters(status="FAILED"), 0),
    ],
)
def test_filters_combine(session, coordinator, filters, expected):
    assert list_batches(session, actor=coordinator, filters=filters).total == expected


def test_from_after_to_is_a_clear_message(session, coordinator):
    filters = BatchFilters(started_from=dt.date(2018, 1, 1), started_to=dt.date(2017, 1, 1))
    with pytest.raises(InvalidInput, match="'from' date is after the 'to' date"):
        list_batches(session, actor=coordinator, filters=filters)


def test_empty_centre_has_one_empty_page(session):
    actor = make_actor(session, make_centre(session, "Empty"))
    page = list_batches(session, actor=actor)
    assert (page.rows, page.summary) == (
        [],
        "Page 1 of 1 | View 10 records | Found total 0 records",
    )


def test_other_centres_batches_are_not_listed(session, fanshaws):
    northgate = make_actor(session, make_centre(session, "Northgate College"))
    assert list_batches(session, actor=northgate).total == 0


def test_other_centre_batch_is_not_found_like_a_missing_one(session, fanshaws, coordinator):
    northgate_batch = make_batch(session, make_centre(session, "Northgate College"))
    with pytest.raises(NotFound) as other:
        get_batch(session, actor=coordinator, batch_id=northgate_batch.id)
    with pytest.raises(NotFound) as missing:
        get_batch(session, actor=coordinator, batch_id=999_999)
    assert other.value.message == missing.value.message


def test_other_centre_batch_certificates_are_not_found(session, coordinator):
    northgate = make_centre(session, "Northgate College")
    batch = make_batch(session, northgate)
    make_certificate(session, northgate, batch=batch)
    with pytest.raises(NotFound):
        list_batch_certificates(session, actor=coordinator, batch_id=batch.id)


def test_acting_on_a_mix_of_own_and_other_batches_is_refused(session, fanshaws, coordinator):
    own = list_batches(session, actor=coordinator).rows[0].id
    other = make_batch(session, make_centre(session, "Northgate College")).id
    with pytest.raises(NotFound):
        visible_batch_ids(session, actor=coordinator, batch_ids=[own, other])


def test_batch_view_lists_its_certificates_with_paging(session, fanshaws, coordinator):
    batch = make_batch(session, fanshaws)
    numbers = [make_certificate(session, fanshaws, batch=batch).number for _ in range(12)]
    first = list_batch_certificates(session, actor=coordinator, batch_id=batch.id)
    second = list_batch_certificates(session, actor=coordinator, batch_id=batch.id, page=2)
    assert [row.number for row in first.rows + second.rows] == numbers
    assert first.summary == "Page 1 of 2 | View 10 records | Found total 12 records"


def test_batch_row_shows_operator_records_and_email_status(session, fanshaws, coordinator):
    batch = make_batch(session, fanshaws, reference="Summer cohort")
    make_certificate(session, fanshaws, batch=batch)
    row = get_batch(session, actor=coordinator, batch_id=batch.id)
    assert (row.records, row.email_status, row.reference) == (1, "Not sent", "Summer cohort")
