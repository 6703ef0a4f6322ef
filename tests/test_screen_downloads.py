"""Export from Print Batches and follow it in Document Downloads (AppTest)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import session_scope
from core.models import Job
from tests.apptest import by_label, signed_in_app, texts
from tests.factories import make_batch, make_candidate, make_centre, make_certificate, make_user
from tests.queue import run_queued_tasks

BATCHES = "screens/print_batches.py"
DOWNLOADS = "screens/downloads.py"


@pytest.fixture
def fanshaws(db_url):
    with session_scope(db_url) as session:
        centre = make_centre(session, "Fanshaws")
        batch = make_batch(session, centre)
        for first in ("Siân", "Zoë", "Seán"):
            make_certificate(session, centre, batch=batch, candidate=make_candidate(session, first))
        user = make_user(session, email="coordinator@fanshaws.example", centres=(centre,))
        stranger = make_user(session, centres=(make_centre(session, "Northgate"),))
        return {"user": user, "stranger": stranger, "batch": batch.id}


def _export_first_batch(user):
    app = signed_in_app(user, BATCHES)
    app.session_state["batches_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    app.run()
    by_label(app.selectbox, "Action for the ticked batches").set_value("Export")
    by_label(app.button, "Submit").click().run()
    by_label(app.text_input, "File name").input("June results")
    by_label(app.text_area, "Description").input("For the awards evening")
    by_label(app.button, "Export").click().run()
    return app


def test_export_from_print_batches_is_created_at_once(fanshaws, db_url):
    app = _export_first_batch(fanshaws["user"])
    assert "Export created." in texts(app)
    assert not app.exception
    with session_scope(db_url) as session:
        (job,) = session.scalars(select(Job).where(Job.kind == "export")).all()
        assert (job.status, job.total, job.file_name) == ("pending", 3, "June results")


def test_export_without_a_file_name_says_so_and_creates_nothing(fanshaws, db_url):
    app = signed_in_app(fanshaws["user"], BATCHES)
    app.session_state["batches_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    app.run()
    by_label(app.selectbox, "Action for the ticked batches").set_value("Export")
    by_label(app.button, "Submit").click().run()
    by_label(app.button, "Export").click().run()
    assert "Give the export a file name." in texts(app)
    with session_scope(db_url) as session:
        assert session.scalars(select(Job)).all() == []


def test_downloads_show_pending_then_finished_with_a_download(fanshaws):
    _export_first_batch(fanshaws["user"])
    app = signed_in_app(fanshaws["user"], DOWNLOADS)
    shown = texts(app)
    assert "June results.zip" not in shown and "June-results.zip" in shown
    assert "For the awards evening" in shown
    assert [bar.proto.text for bar in app.get("progress")] == ["Pending: 0 of 3"]
    run_queued_tasks()
    app.run()
    assert "Finished" in texts(app)
    (button,) = app.get("link_button")
    assert button.proto.label == "Download"
    assert button.proto.url.startswith("/download/export/")


def test_another_centre_sees_none_of_these_exports(fanshaws):
    _export_first_batch(fanshaws["user"])
    app = signed_in_app(fanshaws["stranger"], DOWNLOADS)
    assert "No exports yet." in texts(app)
