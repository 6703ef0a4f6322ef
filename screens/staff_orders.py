import streamlit as st

from core.checkout import PAID_AFTER_CANCELLATION
from ui.layout import page_title
from ui.navigation import STAFF_ORDERS
from ui.order_admin import invoice_download, late_payment_actions, status_form
from ui.order_table import orders_table, view_ticked_order
from ui.order_view import order_view
from ui.staff_actions import show_done

page_title(
    "All orders",
    "Every centre's orders, newest first, with the centre users' filters plus **Centre** "
    "(the start of its number or name) and **International only**: an international "
    "order shows *To arrange* under Delivery charge, because the charge is worked out "
    "with the centre. **View** an order to change its status: *Processing*, *Dispatched* "
    "(with the tracking reference) or *Cancelled* (with the reason; its items may then be "
    "ordered again). An order flagged *Paid after cancellation* (a card payment that "
    "arrived after the order was cancelled) is **Refunded** (once refunded in MySagePay) "
    "or **Reinstated** as paid; every card answer about an order is listed under it. "
    "The centre sees each step in the order's status history, and whoever "
    "placed the order is emailed when it is dispatched or cancelled. "
    "**Invoicing CSV** saves a month's Centre Credits orders (not cancelled) with their "
    "centre, totals and billing address.",
)
show_done()
if "order" in st.query_params:
    order = order_view(st.query_params["order"])
    if order is not None and order.attention == PAID_AFTER_CANCELLATION:
        late_payment_actions(order.id)
    status_form(st.query_params["order"])
else:
    view_ticked_order(orders_table(STAFF_ORDERS, staff=True))
    invoice_download()
