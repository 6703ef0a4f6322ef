import streamlit as st

from ui.layout import page_title
from ui.order_admin import status_form
from ui.order_view import order_view
from ui.services import current_actor
from ui.staff_actions import show_done

page_title(
    "Order",
    "One order: its summary, items, totals, delivery and billing addresses, delivery "
    "option and status history. **All orders** goes back to the list, as Orders in the "
    "menu does.",
)
show_done()
if (order_id := order_view(st.query_params.get("order", ""))) and current_actor().is_staff:
    status_form(order_id)
