"""The Print Batches screen as a coordinator uses it (AppTest)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.db import session_scope
from core.models import Centre, Certificate, PrintBatch
from tests.apptest import by_label, shown, signed_in_app, texts
from tests.factories import make_batch, make_candidate, make_centre, make_certificate, make_user
from tests.queue import run_queued_tasks

SCREEN = "screens/print_batches.py"


@pytest.fixture
def fanshaws(db_url):
    """Fanshaws with 12 batches (every third a Reprint), and Northgate with one."""
    with session_scope(db_url) as session:
        centre = make_centre(session, "Fanshaws")
        batches = [
            make_batch(
                session,
                centre,
                batch_type="Reprint" if index % 3 == 0 else "Certificate",
                started_at=dt.datetime(2018, 1, 1) + dt.timedelta(days=index),
            )
            for index in range(12)
        ]
        for _ in range(3):
            make_certificate(session, centre, batch=batches[-1], candidate=make_candidate(session))
        northgate = make_centre(session, "Northgate College")
        other = make_batch(session, northgate)
        make_certificate(session, northgate, batch=other)
        user = make_user(session, email="coordinator@fanshaws.example", centres=(centre,))
        return {"user": user, "newest": batches[-1].id, "other": other.id}


def _table(app):
    return app.dataframe[0].value


def test_batches_are_listed_newest_first_with_the_guide_pager(fanshaws):
    app = signed_in_app(fanshaws["user"], SCREEN)
    assert "Page 1 of 2 | View 10 records | Found total 12 records" in texts(app)
    assert _table(app)["ID"].iloc[0] == fanshaws["newest"]
    assert list(_table(app).columns) == [
        "Actions",
        "ID",
        "Status",
        "Started",
        "Records",
        "Type",
        "Email Status",
        "Finished",
        "User",
        "Reference",
    ]


def _filter_widgets(app):
    return [by_label(app.selectbox, label) for label in ("Status", "Type")] + [
        by_label(app.date_input, label)
        for label in ("Started from", "Started to", "Finished from", "Finished to")
    ]


def test_reset_clears_every_filter_in_the_browser_and_the_table(fanshaws):
    app = signed_in_app(fanshaws["user"], SCREEN)
    by_label(app.selectbox, "Type").set_value("Reprint").run()
    by_label(app.date_input, "Started from").set_value(dt.date(2018, 1, 2)).run()
    assert set(_table(app)["Type"]) == {"Reprint"} and len(_table(app)) == 3
    by_label(app.button, "Reset").click().run()
    assert len(_table(app)) == 10
    for widget in _filter_widgets(app):
        assert widget.value in ("Please select", None), widget.label
        # The browser is told the new value; otherwise it keeps showing the old one
        # and sends it back with the next rerun.
        assert widget.proto.set_value, f"{widget.label} was not reset in the browser"
    by_label(app.button, "Refresh").click().run()
    assert "Found total 12 records" in texts(app)


def test_a_from_date_alone_means_from_that_day_on(fanshaws):
    app = signed_in_app(fanshaws["user"], SCREEN)
    by_label(app.date_input, "Started from").set_value(dt.date(2018, 1, 10)).run()
    assert "Found total 3 records" in texts(app)
    assert "Filters (1 on)" in [expander.label for expander in app.expander]


def test_view_opens_the_batch_in_the_same_tab_at_its_own_address(fanshaws):
    app = signed_in_app(fanshaws["user"], SCREEN)
    key = "batches_table"
    app.session_state[key] = {"selection": {"rows": [], "columns": [], "cells": [[0, "Actions"]]}}
    app.run()
    assert app.query_params["batch"] == str(fanshaws["newest"])
    assert f"Batch {fanshaws['newest']}" in texts(app)
    by_label(app.button, "All batches").click().run()
    assert "Found total 12 records" in texts(app)
    assert "batch" not in app.query_params


def test_next_page_shows_the_rest(fanshaws):
    app = signed_in_app(fanshaws["user"], SCREEN)
    app.button(key="batches_next_top").click().run()
    assert "Page 2 of 2" in texts(app) and len(_table(app)) == 2


def test_filter_with_no_match_says_so(fanshaws):
    app = signed_in_app(fanshaws["user"], SCREEN)
    by_label(app.selectbox, "Status").set_value("FAILED").run()
    assert "No batches match these filters." in texts(app)


def test_batch_deep_link_shows_its_certificates(fanshaws):
    app = signed_in_app(fanshaws["user"])
    app.query_params["batch"] = str(fanshaws["newest"])
    app.switch_page(SCREEN).run()
    assert f"Batch {fanshaws['newest']}" in texts(app)
    assert len(_table(app)) == 3


def test_other_centres_batch_id_in_the_url_answers_like_a_missing_one(fanshaws):
    answers = []
    for batch_id in (fanshaws["other"], 987654):
        app = signed_in_app(fanshaws["user"])
        app.query_params["batch"] = str(batch_id)
        app.switch_page(SCREEN).run()
        answers.append([error.value for error in app.error])
        assert not app.dataframe
    assert answers[0] == answers[1] == ["There is no batch with that ID."]


def test_ticked_certificate_opens_the_document_card(fanshaws, db_url):
    app = signed_in_app(fanshaws["user"])
    app.query_params["batch"] = str(fanshaws["newest"])
    app.switch_page(SCREEN).run()
    number = _table(app)["Certificate Number"].iloc[0]
    app.session_state[f"batch_{fanshaws['newest']}_table"] = {
        "selection": {"rows": [0], "columns": [], "cells": []}
    }
    app.run()
    by_label(app.button, "View Certificate Details").click().run()
    card = "\n".join(str(element.proto.body) for element in app.get("html"))
    assert number in card and "DC Certificate Number" in card


def _email_the_first_batch(fanshaws):
    app = signed_in_app(fanshaws["user"], SCREEN)
    app.session_state["batches_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    app.run()
    by_label(app.selectbox, "Action for the ticked batches").set_value("Email candidates")
    return by_label(app.button, "Submit").click().run()


def test_email_candidates_from_the_action_list(fanshaws):
    app = _email_the_first_batch(fanshaws)
    assert "Emailing the candidates of 1 batch(es)" in texts(app)
    run_queued_tasks()
    app.run()
    assert _table(app)["Email Status"].iloc[0] == "Sent 3 of 3"


def test_report_a_problem_from_the_actions_and_see_it_listed(fanshaws, db_url):
    with session_scope(db_url) as session:
        certificate_id = session.scalar(
            select(Certificate.id).where(Certificate.batch_id == fanshaws["newest"])
        )
    app = signed_in_app(fanshaws["user"])
    app.query_params["batch"] = str(fanshaws["newest"])
    app.session_state["certificate_problem_open"] = certificate_id
    app.switch_page(SCREEN).run()
    by_label(app.selectbox, "What is wrong?").set_value("Name spelling")
    by_label(app.text_area, "Describe the problem").input("Surname is missing a letter r.")
    by_label(app.button, "Send report").click().run()
    problems = app.dataframe[-1].value
    assert list(problems["Status"]) == ["Open"]
    assert list(problems["Category"]) == ["Name spelling"]


def test_pager_buttons_have_names_a_screen_reader_says(fanshaws):
    app = signed_in_app(fanshaws["user"], SCREEN)
    labels = {button.label for button in app.button}
    assert {"Previous", "Next"} <= labels
    assert not {"‹", "›"} & labels


def test_an_emailing_no_worker_has_started_says_it_waits_for_one(fanshaws):
    app = _email_the_first_batch(fanshaws)
    assert [bar.proto.text for bar in app.get("progress")] == [
        f"Email candidates of batch {fanshaws['newest']}: queued, waiting for a worker to start it"
    ]


def test_emailing_a_batch_again_while_it_is_being_emailed_is_refused(fanshaws):
    app = _email_the_first_batch(fanshaws)
    by_label(app.button, "Submit").click().run()
    assert [shown(error.value) for error in app.error] == [
        f"Batch {fanshaws['newest']} is already being emailed: its progress shows under the table."
    ]
    assert len(app.get("progress")) == 1


def test_candidate_email_banner_is_for_the_user_who_asked_until_dismissed(fanshaws, db_url):
    app = _email_the_first_batch(fanshaws)
    run_queued_tasks()
    app.run()
    assert [banner.value for banner in app.success if "sent" in banner.value]
    with session_scope(db_url) as session:
        centre = session.get(Centre, session.get(PrintBatch, fanshaws["newest"]).centre_id)
        colleague = make_user(session, email="user@fanshaws.example", centres=(centre,))
    assert not signed_in_app(colleague, SCREEN).success
    by_label(app.button, "Dismiss").click().run()
    assert not app.success
