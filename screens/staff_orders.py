from ui.layout import page_title
from ui.order_admin import invoice_download
from ui.order_table import orders_table, view_ticked_order
from ui.order_view import follow_an_older_order_address
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
follow_an_older_order_address()
show_done()
view_ticked_order(orders_table(staff=True))
invoice_download()
