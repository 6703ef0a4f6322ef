"""Staff's All batches and Import claims screens, and what a centre user sees of
production in Print Batches (AppTest)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.db import session_scope
from core.models import AuditEvent, Centre, PrintBatch, Role
from tests.apptest import by_label, signed_in_app, texts
from tests.factories import make_batch, make_centre, make_user

ALL_BATCHES = "screens/staff_batches.py"
IMPORT = "screens/staff_import.py"


@pytest.fixture
def people(db_url):
    with session_scope(db_url) as session:
        fanshaws, northgate = make_centre(session, "Fanshaws"), make_centre(session, "Northgate")
        make_batch(session, fanshaws, started_at=dt.datetime(2024, 1, 1))
        failed = make_batch(session, northgate, status="FAILED", started_at=dt.datetime(2024, 2, 1))
        failed.failure_reason = "Printer jammed"
        return {
            "staff": make_user(session, role=Role.STAFF, centres=(fanshaws,)),
            "coordinator": make_user(session, centres=(northgate,)),
            "failed": failed.id,
        }


def test_all_batches_shows_every_centre_with_its_centre_and_counts(people):
    app = signed_in_app(people["staff"], ALL_BATCHES)
    table = app.dataframe[0].value
    assert list(table.columns[:4]) == ["Actions", "ID", "Status", "Centre"]
    assert set(table["Status"]) == {"COMPLETE", "FAILED: Printer jammed"}
    counts = app.dataframe[1].value
    assert list(counts["Centre"]) == ["Fanshaws", "Northgate"]


def test_the_centre_filter_narrows_the_table(people):
    app = signed_in_app(people["staff"], ALL_BATCHES)
    by_label(app.text_input, "Centre").set_value("north").run()
    assert list(app.dataframe[0].value["Centre"].str.endswith("Northgate")) == [True]


def _move_failed_batch_to_pending(app, people) -> None:
    position = list(app.dataframe[0].value["ID"]).index(people["failed"])
    ticked = {"selection": {"rows": [position], "columns": [], "cells": []}}
    app.session_state["batches_table"] = ticked
    app.run()
    save = f"FormSubmitter:batch_status_{people['failed']}-Save status"
    app.button(key=save).click().run()


def test_staff_put_a_failed_batch_back_to_pending(people, db_url):
    app = signed_in_app(people["staff"], ALL_BATCHES)
    _move_failed_batch_to_pending(app, people)
    assert f"Batch {people['failed']} is now Pending." in texts(app)
    with session_scope(db_url) as session:
        assert session.get(PrintBatch, people["failed"]).status == "PENDING"
        assert session.scalar(select(AuditEvent.action).where(AuditEvent.target.like("batch:%")))


def test_a_moved_batch_is_let_go_so_the_next_tick_starts_afresh(people):
    app = signed_in_app(people["staff"], ALL_BATCHES)
    _move_failed_batch_to_pending(app, people)
    assert app.session_state["batches_table"]["selection"]["rows"] == []
    assert "Tick one batch to move it on" in texts(app)


def test_a_centre_user_sees_the_status_and_reason_but_no_centre(people):
    app = signed_in_app(people["coordinator"], "screens/print_batches.py")
    table = app.dataframe[0].value
    assert "Centre" not in table.columns and list(table["Status"]) == ["FAILED: Printer jammed"]
    assert not [box for box in app.text_input if box.label == "Centre"]


def test_import_claims_offers_the_template_and_lists_no_imports_yet(people):
    app = signed_in_app(people["staff"], IMPORT)
    assert "No claims have been imported yet." in texts(app)
    assert "certificate_number" in texts(app)


def test_a_pending_batch_shows_an_empty_finished_cell_not_none(people, db_url):
    with session_scope(db_url) as session:
        centre = session.scalar(
            select(PrintBatch.centre_id).where(PrintBatch.id == people["failed"])
        )
        make_batch(session, session.get(Centre, centre), status="PENDING", finished_at=None)
    table = signed_in_app(people["staff"], ALL_BATCHES).dataframe[0].value
    finished = dict(zip(table["Status"], table["Finished"], strict=True))
    assert finished["PENDING"] == ""
    assert finished["COMPLETE"] == "17/08/2017"
