"""One order: summary, lines, addresses, delivery option and status history, on a page
of its own reached by order?order=ID so that it can be bookmarked."""

from __future__ import annotations

from typing import NoReturn

import pandas as pd
import streamlit as st

from core.checkout import INTERNATIONAL_NOTE, NO_SUCH_ORDER, Totals
from core.errors import InvalidInput, NotFound
from core.orders import OrderDetails, get_order
from core.text import parse_id, uk_datetime
from ui.layout import as_text
from ui.navigation import ORDER, ORDERS, STAFF_ORDERS
from ui.ordering import address_text, lines_table, totals_table
from ui.services import current_actor, db


def open_order(order_id: int | str) -> NoReturn:
    """Show an order in this browser tab, on a page of its own (order?order=ID), so that
    Orders in the menu is another page and shows the list."""
    st.switch_page(ORDER.path, query_params={"order": str(order_id)})


def _summary(order: OrderDetails, *, staff: bool) -> None:
    st.subheader(f"Order {order.id}" + (f" · {as_text(order.centre)}" if staff else ""))
    payment = order.provider + (f" · card ending {order.card_last4}" if order.card_last4 else "")
    st.caption(
        f"{as_text(order.status)} · placed {uk_datetime(order.created_at)} by "
        f"{as_text(order.placed_by)} · {as_text(payment)}"
        + (f" · transaction {as_text(order.transaction_id)}" if order.transaction_id else "")
    )
    st.markdown(f"**Your reference:** {as_text(order.reference) or '—'}")
    if order.tracking_reference:
        st.markdown(f"**Tracking reference:** {as_text(order.tracking_reference)}")
    if order.payment_detail and order.status != "Processing (Cleared payment)":
        st.markdown(f"**Payment:** {as_text(order.payment_detail)}")


def _history(order: OrderDetails) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "When": [uk_datetime(change.at) for change in order.history],
            "Status": [change.status for change in order.history],
            "Note": [change.note for change in order.history],
        }
    )


def _card_answers(order: OrderDetails) -> None:
    """Staff: every answer the card provider sent about this order, as it came back."""
    if not order.card_answers:
        return
    st.markdown("**Card payment answers** (as they came back)")
    answers = order.card_answers
    st.dataframe(
        pd.DataFrame(
            {
                "Received": [uk_datetime(answer.received_at) for answer in answers],
                "Status": [answer.status for answer in answers],
                "Amount": [f"{answer.amount} {answer.currency}".strip() for answer in answers],
                "Transaction": [answer.transaction_id for answer in answers],
                "Detail": [answer.detail for answer in answers],
                "Outcome": [answer.outcome for answer in answers],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def follow_an_older_order_address() -> None:
    """Orders and All orders showed an order at their own address (?order=ID) before
    orders had a page of their own: such a bookmark or email link opens it there."""
    if "order" in st.query_params:
        open_order(st.query_params["order"])


def order_view(raw_id: str) -> OrderDetails | None:
    """Draw the order at ?order=`raw_id`; its details for the page's own actions, or
    None (with a message) when there is no such order this user may see."""
    actor = current_actor()
    if st.button("All orders", icon=":material/arrow_back:"):
        st.switch_page((STAFF_ORDERS if actor.is_staff else ORDERS).path)
    try:
        with db() as session:
            order = get_order(session, actor=actor, order_id=parse_id(raw_id, "order"))
    except (NotFound, InvalidInput):
        st.error(NO_SUCH_ORDER)
        return None
    _summary(order, staff=actor.is_staff)
    if order.attention:
        st.warning(f"**For staff:** {as_text(order.attention)}", icon=":material/flag:")
    lines_table(order.lines)
    totals_table(Totals(order.subtotal_pence, order.delivery_pence, order.vat_pence))
    billing, delivery = st.columns(2)
    billing.markdown(f"**Billing address**  \n{address_text(order.billing)}")
    delivery.markdown(
        f"**Delivery address**  \n{address_text(order.delivery)}  \n"
        f"**Delivery option:** {as_text(order.delivery_option)}"
    )
    if order.international:
        st.info(INTERNATIONAL_NOTE, icon=":material/public:")
    st.markdown("**Status history**")
    st.dataframe(_history(order), hide_index=True, width="stretch")
    _card_answers(order)
    return order
