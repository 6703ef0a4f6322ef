import pandas as pd
import streamlit as st

from core.orders import PROVIDERS, STATUSES, OrderFilters, OrderRow, list_orders
from ui.filters import PLEASE_SELECT, choice, day, reset
from ui.layout import page_title
from ui.order_view import order_view
from ui.pager import page_request, paged_table, pager, reset_to_first_page
from ui.services import current_actor, db

FILTER_DEFAULTS = {
    "orders_provider": PLEASE_SELECT,
    "orders_status": PLEASE_SELECT,
    "orders_created_from": None,
    "orders_created_to": None,
}


def order_filters() -> OrderFilters:
    provider_col, status_col, from_col, to_col, buttons = st.columns([2, 3, 2, 2, 1])
    with provider_col:
        provider = choice("Payment Provider", PROVIDERS, "orders_provider")
    with status_col:
        status = choice("Status", STATUSES, "orders_status")
    with from_col:
        created_from = day("Created from", "orders_created_from")
    with to_col:
        created_to = day("Created to", "orders_created_to")
    buttons.button(
        "Reset",
        on_click=reset,
        args=(FILTER_DEFAULTS,),
        width="stretch",
        icon=":material/filter_alt_off:",
    )
    filters = OrderFilters(provider, status, created_from, created_to)
    if st.session_state.get("orders_filters") != filters:
        st.session_state["orders_filters"] = filters
        reset_to_first_page("orders")
    return filters


def orders_frame(rows: list[OrderRow]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ID": [row.id for row in rows],
            "Total Products": [row.total_products for row in rows],
            "Transaction Reference": [row.reference for row in rows],
            "Payment Provider": [row.provider for row in rows],
            "Status": [row.status for row in rows],
            "Created": [row.created_at for row in rows],
            "Actions": [f"orders?order={row.id}" for row in rows],
        }
    )


def orders_table() -> None:
    filters = order_filters()
    page, per_page = page_request("orders")
    with db() as session:
        result = list_orders(
            session, actor=current_actor(), filters=filters, page=page, per_page=per_page
        )
    pager("orders", result)
    if not result.rows:
        st.info(
            "No orders match these filters."
            if filters != OrderFilters()
            else "No orders yet. Order a reprint from a certificate in Print Batches or Search."
        )
        return
    chosen = paged_table(
        "orders",
        result,
        orders_frame(result.rows),
        version=hash(filters),
        multi=False,
        column_config={
            "ID": st.column_config.NumberColumn(format="%d"),
            "Created": st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm"),
            "Actions": st.column_config.LinkColumn(display_text="View", help="Open the order"),
        },
    )
    if st.button("View ticked order", disabled=not chosen, icon=":material/visibility:"):
        st.query_params["order"] = str(chosen[0])
        st.rerun()


page_title(
    "Orders",
    "Every order made for your centre through this portal, newest first: filter by "
    "Payment Provider, Status and the dates it was created, **Reset** to see all. "
    "**View** (or tick an order and *View ticked order*) shows its summary, items, "
    "delivery and billing addresses, delivery option and status history.",
)
if "order" in st.query_params:
    order_view(st.query_params["order"])
else:
    orders_table()
