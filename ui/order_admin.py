"""Staff pieces of the orders screen: an order's status change and the month's
Centre Credits orders for invoicing."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from core.order_admin import (
    STAFF_STATUSES,
    invoice_csv,
    invoice_file_name,
    refund_late_payment,
    reinstate_late_payment,
    set_order_status,
)
from ui.inputs import text_field
from ui.services import on_demand
from ui.staff_actions import run_action

MONTHS_OFFERED = 24


def status_form(order_id: int) -> None:
    """Processing, Dispatched (tracking reference) or Cancelled (reason); the step joins
    the history the centre reads."""
    with st.form("staff_orders_status_form", border=True):
        st.markdown("**Change the status**")
        status_col, tracking_col, reason_col = st.columns([1, 2, 2])
        status = status_col.radio("New status", STAFF_STATUSES)
        tracking = text_field(
            "Tracking reference", 100, where=tracking_col, help="Needed for Dispatched"
        )
        reason = reason_col.text_input(
            "Reason for cancelling", help="Needed for Cancelled; the centre reads it"
        )
        if st.form_submit_button("Save status", type="primary"):
            run_action(
                lambda s, a: set_order_status(
                    s,
                    actor=a,
                    order_id=order_id,
                    status=status,
                    tracking_reference=tracking,
                    reason=reason,
                ),
                f"Order {order_id}: {status}.",
            )


def late_payment_actions(order_id: int) -> None:
    """A card payment that arrived after the order was cancelled: staff refund it (in
    Opayo's MySagePay, then record it here) or reinstate the order."""
    with st.form("staff_orders_late_payment_form", border=True):
        st.markdown("**Paid after cancellation:** refund the payment or reinstate the order")
        note = text_field("Note for the order's history", 300, help="The centre reads it")
        refund, reinstate, _ = st.columns([1, 1, 3])
        if refund.form_submit_button(
            "Refunded", icon=":material/currency_exchange:", help="Refund it in MySagePay first"
        ):
            run_action(
                lambda s, a: refund_late_payment(s, actor=a, order_id=order_id, note=note),
                f"Order {order_id}: the payment is recorded as refunded.",
            )
        if reinstate.form_submit_button("Reinstate", type="primary", icon=":material/restore:"):
            run_action(
                lambda s, a: reinstate_late_payment(s, actor=a, order_id=order_id, note=note),
                f"Order {order_id}: reinstated as paid.",
            )


def _months(today: dt.date) -> list[dt.date]:
    first = today.replace(day=1)
    months = []
    for _ in range(MONTHS_OFFERED):
        months.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return months


def invoice_download() -> None:
    """A month's Centre Credits orders as a CSV (made when the button is pressed)."""
    month_col, button_col = st.columns([1, 3], vertical_alignment="bottom")
    month = month_col.selectbox(
        "Centre Credits orders of",
        _months(dt.date.today()),
        format_func=lambda day: f"{day:%B %Y}",
        key="staff_orders_month",
    )
    button_col.download_button(
        "Invoicing CSV",
        data=on_demand(lambda session, actor: invoice_csv(session, actor=actor, month=month)),
        file_name=invoice_file_name(month),
        mime="text/csv",
        icon=":material/download:",
        help="Every Centre Credits order placed that month and not cancelled, with its "
        "centre, totals and billing address",
    )
