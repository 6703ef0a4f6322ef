"""Staff run every centre's orders: status changes the centre follows, international
orders flagged, and a month's Centre Credits orders as a CSV for invoicing."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import select

from core.errors import InvalidInput, NotFound, PermissionDenied
from core.models import AuditEvent, OrderStatus, OutboxEmail, Role, User
from core.order_admin import invoice_csv, set_order_status
from core.orders import OrderFilters, get_order, list_orders
from core.payments.base import PaymentMethod
from tests.factories import make_actor
from tests.ordering import ABROAD, centre_with_addresses, placed_order


@pytest.fixture
def fanshaws(session):
    return centre_with_addresses(session, "Fanshaws")


@pytest.fixture
def coordinator(session, fanshaws):
    return make_actor(session, fanshaws)


@pytest.fixture
def staff(session):
    return make_actor(session, role=Role.STAFF)


def test_staff_see_every_centres_orders_and_filter_by_centre(session, staff, coordinator, fanshaws):
    northgate = centre_with_addresses(session, "Northgate College")
    placed_order(session, coordinator, fanshaws)
    placed_order(session, make_actor(session, northgate), northgate)
    assert list_orders(session, actor=staff).total == 2
    (row,) = list_orders(session, actor=staff, filters=OrderFilters(centre="north")).rows
    assert row.centre == f"{northgate.number} Northgate College"
    assert (
        list_orders(session, actor=staff, filters=OrderFilters(centre=fanshaws.number)).total == 1
    )


def test_international_orders_are_flagged_and_can_be_listed_alone(
    session, staff, coordinator, fanshaws
):
    placed_order(session, coordinator, fanshaws)
    abroad = placed_order(session, coordinator, fanshaws, option="international", delivery=ABROAD)
    (row,) = list_orders(session, actor=staff, filters=OrderFilters(international_only=True)).rows
    assert (row.id, row.international) == (abroad.id, True)


def _dispatch(session, staff, order_id: int) -> None:
    set_order_status(
        session,
        actor=staff,
        order_id=order_id,
        status=OrderStatus.DISPATCHED,
        tracking_reference="RM 1234 5678 GB",
    )


def _cancel(session, staff, order_id: int, reason: str) -> None:
    set_order_status(
        session, actor=staff, order_id=order_id, status=OrderStatus.CANCELLED, reason=reason
    )


def test_a_dispatched_order_shows_the_centre_its_tracking_reference_in_the_history(
    session, staff, coordinator, fanshaws
):
    order = placed_order(session, coordinator, fanshaws)
    set_order_status(session, actor=staff, order_id=order.id, status=OrderStatus.PROCESSING)
    _dispatch(session, staff, order.id)
    details = get_order(session, actor=coordinator, order_id=order.id)
    assert details.status == "Dispatched"
    assert details.tracking_reference == "RM 1234 5678 GB"
    assert [change.status for change in details.history][-2:] == ["Processing", "Dispatched"]
    assert "RM 1234 5678 GB" in details.history[-1].note


def test_a_status_change_is_audited_with_before_and_after(session, staff, coordinator, fanshaws):
    order = placed_order(session, coordinator, fanshaws)
    set_order_status(session, actor=staff, order_id=order.id, status=OrderStatus.PROCESSING)
    event = session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "order_status_changed", AuditEvent.user_id == staff.user_id
        )
    )
    assert event.detail["before"] == {"status": "Processing (Centre credits)"}
    assert event.detail["after"]["status"] == "Processing"


def test_a_cancelled_order_says_why_and_its_items_can_be_ordered_again(
    session, staff, coordinator, fanshaws
):
    order = placed_order(session, coordinator, fanshaws)
    _cancel(session, staff, order.id, "Centre asked to cancel by phone.")
    details = get_order(session, actor=coordinator, order_id=order.id)
    assert (details.status, details.history[-1].note) == (
        "Cancelled",
        "Centre asked to cancel by phone.",
    )
    placed_order(session, coordinator, fanshaws)  # a new reprint of new certificates still works
    with pytest.raises(InvalidInput, match="cannot change"):
        set_order_status(session, actor=staff, order_id=order.id, status=OrderStatus.PROCESSING)


@pytest.mark.parametrize(
    ("status", "kwargs", "message"),
    [
        (OrderStatus.DISPATCHED, {}, "tracking reference"),
        (OrderStatus.CANCELLED, {"reason": "  "}, "reason"),
        ("Lost in the post", {}, "Choose Processing, Dispatched or Cancelled"),
    ],
)
def test_a_status_change_missing_what_it_needs_is_refused_and_changes_nothing(
    session, staff, coordinator, fanshaws, status, kwargs, message
):
    order = placed_order(session, coordinator, fanshaws)
    with pytest.raises(InvalidInput, match=message):
        set_order_status(session, actor=staff, order_id=order.id, status=status, **kwargs)
    assert (
        get_order(session, actor=staff, order_id=order.id).status == "Processing (Centre credits)"
    )


def test_an_order_awaiting_card_payment_can_only_be_cancelled(
    session, staff, coordinator, fanshaws
):
    order = placed_order(session, coordinator, fanshaws, method=PaymentMethod.CARD)
    with pytest.raises(InvalidInput, match="awaiting payment"):
        set_order_status(session, actor=staff, order_id=order.id, status=OrderStatus.PROCESSING)


def test_an_unknown_order_is_not_found(session, staff):
    with pytest.raises(NotFound):
        set_order_status(session, actor=staff, order_id=999, status=OrderStatus.PROCESSING)


def _invoice(session, staff, month) -> list[dict]:
    data = invoice_csv(session, actor=staff, month=month)
    assert data.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_invoice_csv_holds_the_months_centre_credits_orders_only(
    session, staff, coordinator, fanshaws
):
    november = placed_order(session, coordinator, fanshaws, reference="=HYPERLINK(1)")
    november.created_at = dt.datetime(2026, 11, 3, 9, 0)
    october = placed_order(session, coordinator, fanshaws)
    october.created_at = dt.datetime(2026, 10, 31, 23, 59)
    card = placed_order(session, coordinator, fanshaws, method=PaymentMethod.CARD)
    card.created_at = dt.datetime(2026, 11, 4)
    cancelled = placed_order(session, coordinator, fanshaws)
    cancelled.created_at = dt.datetime(2026, 11, 5)
    set_order_status(
        session, actor=staff, order_id=cancelled.id, status=OrderStatus.CANCELLED, reason="Typo"
    )
    (row,) = _invoice(session, staff, dt.date(2026, 11, 1))
    assert row["Order ID"] == str(november.id)
    assert (row["Placed"], row["Centre"], row["Total"]) == ("03/11/2026", "Fanshaws", "£25.88")
    assert row["Reference"] == "'=HYPERLINK(1)"
    assert row["Billing Address"].startswith("Accounts, Fanshaws House")


def test_december_invoice_ends_at_the_new_year(session, staff, coordinator, fanshaws):
    order = placed_order(session, coordinator, fanshaws)
    order.created_at = dt.datetime(2026, 12, 31, 23, 0)
    assert len(_invoice(session, staff, dt.date(2026, 12, 1))) == 1
    assert _invoice(session, staff, dt.date(2027, 1, 1)) == []


def test_centre_users_cannot_change_an_order_status_or_take_the_invoice_csv(
    session, coordinator, fanshaws
):
    order = placed_order(session, coordinator, fanshaws)
    with pytest.raises(PermissionDenied):
        set_order_status(
            session, actor=coordinator, order_id=order.id, status=OrderStatus.DISPATCHED
        )
    with pytest.raises(PermissionDenied):
        invoice_csv(session, actor=coordinator, month=dt.date(2026, 11, 1))


def _emails(session) -> list[OutboxEmail]:
    return list(session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def test_dispatching_emails_whoever_placed_the_order_its_tracking_reference_and_link(
    session, staff, coordinator, fanshaws
):
    order = placed_order(session, coordinator, fanshaws)
    before = len(_emails(session))
    set_order_status(session, actor=staff, order_id=order.id, status=OrderStatus.PROCESSING)
    assert len(_emails(session)) == before
    _dispatch(session, staff, order.id)
    email = _emails(session)[-1]
    assert email.to_address == coordinator.email
    assert email.subject == f"Your order {order.id} has been dispatched"
    assert "RM 1234 5678 GB" in email.body
    assert f"http://localhost:8501/orders?order={order.id}" in email.body


def test_cancelling_emails_the_reason(session, staff, coordinator, fanshaws):
    order = placed_order(session, coordinator, fanshaws)
    _cancel(session, staff, order.id, "Duplicate of an earlier order")
    email = _emails(session)[-1]
    assert email.subject == f"Your order {order.id} has been cancelled"
    assert "The reason given: Duplicate of an earlier order" in email.body


def test_a_disabled_user_is_not_emailed_about_their_order(session, staff, coordinator, fanshaws):
    order = placed_order(session, coordinator, fanshaws)
    session.get(User, coordinator.user_id).is_active = False
    before = len(_emails(session))
    _cancel(session, staff, order.id, "No")
    assert len(_emails(session)) == before


def test_a_dispatched_order_can_go_back_to_processing_audited_and_without_its_tracking(
    session, staff, coordinator, fanshaws
):
    order = placed_order(session, coordinator, fanshaws)
    _dispatch(session, staff, order.id)
    set_order_status(session, actor=staff, order_id=order.id, status=OrderStatus.PROCESSING)
    details = get_order(session, actor=coordinator, order_id=order.id)
    assert (details.status, details.tracking_reference) == ("Processing", "")
    assert details.history[-1].note == "Back to Processing: not dispatched after all."
    event = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "order_status_changed")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert (event.detail["before"], event.user_id) == ({"status": "Dispatched"}, staff.user_id)
