from ui.layout import page_title
from ui.order_table import orders_table, view_ticked_order
from ui.order_view import follow_an_older_order_address

follow_an_older_order_address()
page_title(
    "Orders",
    "Every order made for your centre through this portal, newest first: filter by "
    "Payment Provider, Status and the dates it was created, **Reset** to see all. "
    "**View** (or tick an order and *View ticked order*) shows its summary, items, "
    "delivery and billing addresses, delivery option and status history.",
)
view_ticked_order(orders_table())
