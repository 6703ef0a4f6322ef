import streamlit as st

from core.checkout import PAID_AFTER_CANCELLATION
from ui.layout import page_title
from ui.order_admin import late_payment_actions, status_form
from ui.order_view import order_view
from ui.services import current_actor
from ui.staff_actions import show_done

page_title(
    "Order",
    "One order: its summary, items, totals, delivery and billing addresses, delivery "
    "option and status history. **All orders** goes back to the list, as Orders in the "
    "menu does. Staff change its status here, and settle a payment that arrived after "
    "the order was cancelled (refund it, or reinstate the order).",
)
show_done()
order = order_view(st.query_params.get("order", ""))
if order is not None and current_actor().is_staff:
    if order.attention == PAID_AFTER_CANCELLATION:
        late_payment_actions(order.id)
    status_form(order.id)
