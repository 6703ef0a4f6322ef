"""The staff console as a staff user uses it (AppTest), and what the centre then sees."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.checkout import cancel_order, place_order, settle_card_answer
from core.db import session_scope
from core.models import Centre, Order, OutboxEmail, ProblemReport, Role, User, UserRequest
from core.payments.base import PaymentMethod
from core.problems import report_problem
from core.users import actor_for
from tests.apptest import by_label, signed_in_app, texts
from tests.factories import make_certificate, make_user
from tests.ordering import (
    centre_with_addresses,
    checkout,
    fill_basket,
    gateway_answer,
    placed_order,
    token,
)

SELECT_FIRST_ROW = {"selection": {"rows": [0], "columns": [], "cells": []}}


@pytest.fixture
def people(db_url):
    with session_scope(db_url) as session:
        fanshaws = centre_with_addresses(session)
        coordinator = make_user(session, email="coordinator@fanshaws.example", centres=(fanshaws,))
        staff = make_user(session, email="staff@imi.example", role=Role.STAFF, surname="Staff")
        return {"fanshaws": fanshaws, "coordinator": coordinator, "staff": staff}


def _tick_first(app, table: str):
    app.session_state[f"{table}_table"] = SELECT_FIRST_ROW
    return app.run()


def test_staff_create_a_centre_on_the_centres_screen(db_url, people):
    app = signed_in_app(people["staff"], "screens/staff_centres.py")
    by_label(app.button, "New centre").click().run()
    fields = {
        "Centre number": "C00777",
        "Centre name": "Riverside Motor Academy",
        "Centre email": "exams@riverside.example",
    }
    for label, value in fields.items():
        by_label(app.text_input, label).set_value(value)
    for prefix in ("centre_new_billing", "centre_new_delivery"):
        for field, value in (("first", "Exams Office"), ("line1", "1 River Way")):
            app.text_input(key=f"{prefix}_{field}").set_value(value)
        app.text_input(key=f"{prefix}_town").set_value("Ware")
        app.text_input(key=f"{prefix}_postcode").set_value("SG12 9AA")
    by_label(app.button, "Save centre").click().run()
    assert "Centre C00777 Riverside Motor Academy saved." in texts(app)
    with session_scope(db_url) as session:
        centre = session.scalar(select(Centre).where(Centre.number == "C00777"))
        assert centre.delivery_address.postcode == "SG12 9AA"


def test_staff_add_a_user_and_read_the_set_password_email_in_the_outbox(db_url, people):
    app = signed_in_app(people["staff"], "screens/staff_users.py")
    by_label(app.text_input, "First name").set_value("Carly")
    by_label(app.text_input, "Surname").set_value("Hughes")
    by_label(app.text_input, "Email").set_value("carly@fanshaws.example")
    by_label(app.button, "Add user").click().run()
    assert "User added" in texts(app)
    app = _tick_first(signed_in_app(people["staff"], "screens/staff_outbox.py"), "outbox")
    assert "reset-password?token=" in app.code[0].value
    assert "carly@fanshaws.example" in texts(app)


def _disable_the_ticked_coordinator(people):
    app = signed_in_app(people["staff"], "screens/staff_users.py")
    by_label(app.text_input, "Name or email").set_value("coordinator@").run()
    app = _tick_first(app, "users")
    by_label(app.button, "Disable").click().run()
    return app


def test_add_user_chooses_the_centre_the_users_are_filtered_by(db_url, people):
    with session_scope(db_url) as session:
        northgate = centre_with_addresses(session, "Northgate")
        make_user(session, centres=(northgate,))
    app = signed_in_app(people["staff"], "screens/staff_users.py")
    centre_filter = app.selectbox(key="users_centre")
    label = next(option for option in centre_filter.options if "Northgate" in option)
    centre_filter.set_value(label).run()
    add_form_centre = [box for box in app.selectbox if box.label == "Centre" and box.key is None]
    assert [box.value for box in add_form_centre] == [northgate.id]


def test_an_empty_outbox_says_so_and_so_does_a_filter_matching_nothing(people):
    app = signed_in_app(people["staff"], "screens/staff_outbox.py")
    assert [info.value[:13] for info in app.info] == ["No emails yet"]
    by_label(app.text_input, "To").set_value("nobody@").run()
    assert [info.value for info in app.info] == ["No emails match these filters."]


def test_staff_disable_a_ticked_user(db_url, people):
    app = _disable_the_ticked_coordinator(people)
    assert "User disabled." in texts(app)
    with session_scope(db_url) as session:
        assert not session.get(User, people["coordinator"].id).is_active


def test_a_disabled_user_is_let_go_so_the_next_action_starts_from_a_fresh_tick(people):
    app = _disable_the_ticked_coordinator(people)
    assert app.session_state["users_table"]["selection"]["rows"] == []
    assert not [button for button in app.button if button.label == "Enable"]


def test_a_coordinator_asks_for_a_user_and_staff_approve_it(db_url, people):
    app = signed_in_app(people["coordinator"], "screens/profile.py")
    for field, value in (("first_name", "Carly"), ("surname", "Hughes"), ("email", "c@f.example")):
        app.text_input(key=f"request_{field}").set_value(value)
    by_label(app.button, "Ask for this user").click().run()
    assert "Sent." in texts(app)
    staff_app = signed_in_app(people["staff"], "screens/staff_users.py")
    staff_app = _tick_first(staff_app, "requests")
    by_label(staff_app.button, "Approve").click().run()
    assert "Approved" in texts(staff_app)
    with session_scope(db_url) as session:
        assert session.scalar(select(UserRequest.status)) == "Approved"
        assert session.scalar(select(OutboxEmail.to_address)) == "c@f.example"


def test_a_centre_user_who_is_not_coordinator_has_no_request_form(db_url, people):
    with session_scope(db_url) as session:
        user = make_user(session, role=Role.CENTRE_USER, centres=(people["fanshaws"],))
    app = signed_in_app(user, "screens/profile.py")
    assert "Additional users" not in [element.value for element in app.subheader]
    assert not [button for button in app.button if button.label == "Ask for this user"]


def test_a_dispatched_order_shows_its_tracking_reference_to_the_centre(db_url, people):
    with session_scope(db_url) as session:
        coordinator = actor_for(session, user=session.get(User, people["coordinator"].id))
        order_id = placed_order(session, coordinator, people["fanshaws"]).id
    app = signed_in_app(people["staff"])
    app.query_params["order"] = str(order_id)
    app.switch_page("screens/order.py").run()
    app.radio[0].set_value("Dispatched")
    by_label(app.text_input, "Tracking reference").set_value("RM 1234 5678 GB")
    by_label(app.button, "Save status").click().run()
    assert f"Order {order_id}: Dispatched." in texts(app)
    centre_app = signed_in_app(people["coordinator"], "screens/orders.py")
    centre_app.query_params["order"] = str(order_id)
    centre_app.run()
    assert "**Tracking reference:** RM 1234 5678 GB" in texts(centre_app)


def test_staff_orders_show_the_centre_and_the_international_flag(db_url, people):
    with session_scope(db_url) as session:
        coordinator = actor_for(session, user=session.get(User, people["coordinator"].id))
        placed_order(session, coordinator, people["fanshaws"])
    app = signed_in_app(people["staff"], "screens/staff_orders.py")
    row = app.dataframe[0].value.iloc[0]
    assert row["Centre"].endswith("Fanshaws")
    assert row["Delivery charge"] == ""


def _resolve_a_reported_problem(db_url, people):
    with session_scope(db_url) as session:
        coordinator = actor_for(session, user=session.get(User, people["coordinator"].id))
        report_problem(
            session,
            actor=coordinator,
            certificate_id=make_certificate(session, people["fanshaws"]).id,
            category="Name spelling",
            description="Surname should be Winberry.",
        )
    app = _tick_first(signed_in_app(people["staff"], "screens/staff_problems.py"), "problems")
    app.text_area[0].set_value("Corrected and reprinted.")
    by_label(app.button, "Resolve").click().run()
    return app


def test_staff_reply_and_the_centre_user_reads_it_with_the_status(db_url, people):
    app = _resolve_a_reported_problem(db_url, people)
    assert "Report resolved." in texts(app)
    with session_scope(db_url) as session:
        assert session.scalar(select(ProblemReport.status)) == "Resolved"
    centre_app = signed_in_app(people["coordinator"], "screens/print_batches.py")
    row = centre_app.dataframe[-1].value.iloc[0]
    assert (row["Status"], row["Reply"]) == ("Resolved", "Corrected and reprinted.")


def test_a_resolved_report_is_let_go_so_its_form_does_not_linger(db_url, people):
    app = _resolve_a_reported_problem(db_url, people)
    assert app.session_state["problems_table"]["selection"]["rows"] == []
    assert not [button for button in app.button if button.label == "Resolve"]


def test_the_audit_log_lists_staff_actions_with_before_and_after(db_url, people):
    app = signed_in_app(people["staff"], "screens/staff_users.py")
    by_label(app.text_input, "Name or email").set_value("coordinator@").run()
    by_label(_tick_first(app, "users").button, "Unlock").click().run()
    audit = signed_in_app(people["staff"], "screens/staff_audit.py")
    audit.selectbox(key="audit_action").set_value("User unlocked").run()
    row = audit.dataframe[0].value.iloc[0]
    assert (row["User"], row["Action"]) == ("John Staff <staff@imi.example>", "User unlocked")
    assert row["Target"].startswith("User ") and "<coordinator@fanshaws.example>" in row["Target"]
    assert "→" in row["What changed"] and "{" not in row["What changed"]


def _paid_after_cancellation(db_url, people) -> int:
    """A card order cancelled by staff while its payer was at the gateway, then paid."""
    with session_scope(db_url) as session:
        coordinator = actor_for(session, user=session.get(User, people["coordinator"].id))
        fill_basket(session, coordinator, people["fanshaws"])
        placed = place_order(
            session,
            actor=coordinator,
            checkout=checkout(method=PaymentMethod.CARD),
            token=token(session, coordinator),
        )
        staff = actor_for(session, user=session.get(User, people["staff"].id))
        cancel_order(session, actor=staff, order_id=placed.order_id, note="Centre asked")
        settle_card_answer(session, actor=coordinator, crypt=gateway_answer(placed.redirect_url))
        return placed.order_id


def test_staff_see_a_payment_after_cancellation_flagged_and_reinstate_the_order(db_url, people):
    order_id = _paid_after_cancellation(db_url, people)
    app = signed_in_app(people["staff"], "screens/order.py")
    app.query_params["order"] = str(order_id)
    app.run()
    assert "**For staff:** Paid after cancellation: refund or reinstate." in texts(app)
    assert app.dataframe[-1].value.iloc[0]["Outcome"] == "paid after cancellation"
    by_label(app.text_input, "Note for the order's history").set_value("Centre wants it")
    by_label(app.button, "Reinstate").click().run()
    assert f"Order {order_id}: reinstated as paid." in texts(app)
    assert "refund or reinstate" not in texts(app)
    centre_app = signed_in_app(people["coordinator"], "screens/orders.py")
    centre_app.query_params["order"] = str(order_id)
    centre_app.run()
    assert "Reinstated" in " ".join(centre_app.dataframe[-1].value["Note"])


def test_staff_record_a_refund_of_a_payment_after_cancellation(db_url, people):
    order_id = _paid_after_cancellation(db_url, people)
    app = signed_in_app(people["staff"], "screens/order.py")
    app.query_params["order"] = str(order_id)
    app.run()
    by_label(app.button, "Refunded").click().run()
    assert f"Order {order_id}: the payment is recorded as refunded." in texts(app)
    with session_scope(db_url) as session:
        assert session.get(Order, order_id).status == "Cancelled"


def test_a_refused_email_keeps_what_the_coordinator_typed_in_additional_users(db_url, people):
    app = signed_in_app(people["coordinator"], "screens/profile.py")
    typed = {"first_name": "Carly", "surname": "Hughes", "email": "carly at fanshaws"}
    for field, value in typed.items():
        app.text_input(key=f"request_{field}").set_value(value)
    by_label(app.button, "Ask for this user").click().run()
    assert "Sent." not in texts(app)
    assert app.error, "the refusal is said"
    assert {field: app.text_input(key=f"request_{field}").value for field in typed} == typed
    app.text_input(key="request_email").set_value("carly@fanshaws.example")
    by_label(app.button, "Ask for this user").click().run()
    assert "Sent." in texts(app)
    assert [app.text_input(key=f"request_{field}").value for field in typed] == ["", "", ""]
