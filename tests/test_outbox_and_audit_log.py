"""Staff read the outbox (also how a demonstration reads a set-password email with no
mail server) and the audit log, filtered and paged by the database."""

from __future__ import annotations

import datetime as dt

import pytest

from core.accounts import NewUser, add_user, disable_user
from core.audit import record_event
from core.audit_log import AuditFilters, audit_actions, list_audit_events
from core.errors import InvalidInput, PermissionDenied
from core.mail import TOKEN_REMOVED, Delivery, keep_email
from core.models import AuditEvent, Role
from core.outbox import OutboxFilters, list_outbox, read_email
from tests.factories import make_actor, make_centre, make_user


@pytest.fixture
def fanshaws(session):
    return make_centre(session, "Fanshaws")


@pytest.fixture
def staff(session):
    return make_actor(session, role=Role.STAFF)


def test_with_no_mail_server_staff_read_a_new_users_set_password_link_in_the_outbox(
    session, staff, fanshaws
):
    add_user(
        session, actor=staff, centre_id=fanshaws.id, new=NewUser("Carly", "Hughes", "c@f.example")
    )
    (row,) = list_outbox(session, actor=staff).rows
    assert (row.to, row.status) == ("c@f.example", "outbox")
    assert "/reset-password?token=" in read_email(session, actor=staff, email_id=row.id).body


def test_a_sent_email_no_longer_shows_its_link(session, staff):
    body = "Set your password: http://localhost/reset-password?token=abc123"
    sent = keep_email(session, to="a@b.example", subject="Hi", body=body, delivery=Delivery("sent"))
    session.flush()
    message = read_email(session, actor=staff, email_id=sent.id)
    assert (message.status, TOKEN_REMOVED in message.body) == ("sent", True)


def test_the_outbox_filters_by_status_and_address(session, staff):
    for to, status in (("ann@x.example", "sent"), ("bob@x.example", "failed")):
        keep_email(session, to=to, subject="Hi", body="Hello", delivery=Delivery(status, "refused"))
    session.flush()
    failed = list_outbox(session, actor=staff, filters=OutboxFilters(status="failed")).rows
    assert [row.to for row in failed] == ["bob@x.example"]
    assert [
        r.to for r in list_outbox(session, actor=staff, filters=OutboxFilters(to="AN")).rows
    ] == ["ann@x.example"]


def test_the_audit_log_names_who_and_what_and_says_the_change_in_words(session, staff, fanshaws):
    user = make_user(session, centres=(fanshaws,))
    disable_user(session, actor=staff, user_id=user.id)
    session.flush()
    (row,) = list_audit_events(
        session, actor=staff, filters=AuditFilters(action="user_disabled")
    ).rows
    assert (row.user, row.centre, row.target, row.action) == (
        f"John McNabhan <{staff.email}>",
        f"{fanshaws.number} Fanshaws",
        f"User John McNabhan <{user.email}>",
        "User disabled",
    )
    assert row.detail == "role: coordinator → coordinator; status: Active → Disabled"


def test_the_audit_log_filters_by_user_centre_action_and_date(session, staff, fanshaws):
    northgate = make_centre(session, "Northgate College")
    other = make_user(session, email="zoe@northgate.example", surname="Nowak")
    for at, user_id, centre_id, action in (
        (dt.datetime(2026, 11, 1, 9), staff.user_id, fanshaws.id, "centre_updated"),
        (dt.datetime(2026, 11, 2, 9), other.id, northgate.id, "sign_in"),
        (dt.datetime(2026, 11, 3, 23, 59), other.id, fanshaws.id, "sign_in"),
    ):
        session.add(AuditEvent(at=at, action=action, user_id=user_id, centre_id=centre_id))
    session.flush()

    def found(**filters) -> int:
        return list_audit_events(session, actor=staff, filters=AuditFilters(**filters)).total

    assert found(user="nowak") == 2
    assert found(user="zoe@") == 2
    assert found(centre="north") == 1
    assert found(action="sign_in", centre="fan") == 1
    assert found(date_from=dt.date(2026, 11, 2), date_to=dt.date(2026, 11, 3)) == 2
    assert found(action="sign_in") == 2
    assert audit_actions(session, actor=staff) == ["centre_updated", "sign_in"]


def test_the_audit_logs_count_includes_events_of_no_user_or_centre(session, staff):
    record_event(session, action="password_reset_requested", user_id=staff.user_id)
    record_event(session, action="expired_exports_deleted", user_id=None)  # the task engine
    session.flush()
    page = list_audit_events(session, actor=staff, per_page=100)
    assert page.total == len(page.rows) >= 2


def test_the_audit_log_pages_newest_first(session, staff):
    for n in range(30):
        record_event(session, action="sign_in", user_id=staff.user_id, target=str(n))
    session.flush()
    page = list_audit_events(session, actor=staff, page=2, per_page=25)
    assert (page.total, page.pages, len(page.rows)) == (30, 2, 5)


def test_an_audit_date_range_backwards_is_refused(session, staff):
    with pytest.raises(InvalidInput, match="'from' date is after"):
        list_audit_events(
            session,
            actor=staff,
            filters=AuditFilters(date_from=dt.date(2026, 11, 2), date_to=dt.date(2026, 11, 1)),
        )


@pytest.mark.parametrize(
    "call",
    [
        lambda s, a: list_outbox(s, actor=a),
        lambda s, a: read_email(s, actor=a, email_id=1),
        lambda s, a: list_audit_events(s, actor=a),
        lambda s, a: audit_actions(s, actor=a),
    ],
    ids=["outbox", "read email", "audit log", "audit actions"],
)
def test_a_centre_user_cannot_read_the_outbox_or_the_audit_log(session, fanshaws, call):
    with pytest.raises(PermissionDenied):
        call(session, make_actor(session, fanshaws))
