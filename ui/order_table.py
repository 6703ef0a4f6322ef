"""The orders table with its filters and pager: a centre's in Orders, every centre's
(with Centre and International) in the staff console."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.orders import PROVIDERS, STATUSES, OrderFilters, OrderRow, list_orders
from ui.filters import Filter, filter_bar
from ui.order_view import open_order
from ui.pager import page_request, paged_table, pager
from ui.services import current_actor, db

FILTERS = [
    Filter("Payment Provider", "orders_provider", options=PROVIDERS),
    Filter("Status", "orders_status", options=STATUSES),
    Filter("Created from", "orders_created_from", "day"),
    Filter("Created to", "orders_created_to", "day"),
]
STAFF_FILTERS = [
    *FILTERS,
    Filter("Centre", "orders_centre", "text", help="The start of its number or name"),
    Filter("International only", "orders_international", "tick"),
]


def orders_frame(rows: list[OrderRow], *, staff: bool) -> pd.DataFrame:
    """The guide's columns, View first (as in Print Batches); staff also see each
    order's centre and whether its delivery charge is still to arrange (international)."""
    columns = {
        "Actions": ["View"] * len(rows),
        "ID": [row.id for row in rows],
        "Centre": [row.centre for row in rows],
        "Total Products": [row.total_products for row in rows],
        "Transaction Reference": [row.reference for row in rows],
        "Payment Provider": [row.provider for row in rows],
        "Status": [row.status for row in rows],
        "Delivery charge": ["To arrange" if row.international else "" for row in rows],
        "Created": [row.created_at for row in rows],
    }
    if not staff:
        del columns["Centre"], columns["Delivery charge"]
    return pd.DataFrame(columns)


def _empty(filters: OrderFilters) -> None:
    st.info(
        "No orders match these filters."
        if filters != OrderFilters()
        else "No orders yet. Order a reprint from a certificate in Print Batches or Search."
    )


def orders_table(*, staff: bool = False) -> int | None:
    """The filtered, paged table whose View opens an order in this browser tab; returns
    the id of the ticked order, if any."""
    filters = OrderFilters(*filter_bar("orders", STAFF_FILTERS if staff else FILTERS))
    page, per_page = page_request("orders")
    with db() as session:
        result = list_orders(
            session, actor=current_actor(), filters=filters, page=page, per_page=per_page
        )
    pager("orders", result)
    if not result.rows:
        _empty(filters)
        return None
    chosen = paged_table(
        "orders",
        result,
        orders_frame(result.rows, staff=staff),
        version=hash(filters),
        multi=False,
        column_config={
            "ID": st.column_config.NumberColumn(format="%d"),
            "Created": st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm"),
            "Actions": st.column_config.TextColumn(help="Click View to open the order"),
        },
        open_column="Actions",
        on_open=open_order,
    )
    return chosen[0] if chosen else None


def view_ticked_order(chosen: int | None) -> None:
    if st.button("View ticked order", disabled=chosen is None, icon=":material/visibility:"):
        open_order(chosen)
        st.rerun()
