import streamlit as st

from core.basket import basket_rows, check_quantity, remove_basket_lines, update_basket
from core.checkout import totals
from core.errors import InvalidInput
from ui.errors import show_error
from ui.layout import page_title
from ui.navigation import SEARCH
from ui.ordering import LINE_COLUMNS, lines_frame, start_checkout, totals_table
from ui.services import current_actor, db

page_title(
    "Basket",
    "What you are about to order. Tick items and **Remove selected**, or change a "
    "quantity and **Update** (0 removes an item; one copy is the most that can be ordered "
    "per candidate per achievement). Your basket is kept when you sign out. "
    "**Checkout** takes you through billing, delivery and payment.",
)
actor = current_actor()
with db() as session:
    rows = basket_rows(session, actor=actor)
if not rows:
    st.info(
        "Your basket is empty. Order a reprint or a proof-of-qualification letter from a "
        "certificate's actions in **Print Batches** or **Search**."
    )
    st.page_link(SEARCH.path, label="Continue shopping", icon=":material/search:")
    st.stop()

version = "-".join(str(row.id) for row in rows)
edited = st.data_editor(
    lines_frame(rows).assign(Remove=False),
    key=f"basket_editor_{version}",
    hide_index=True,
    width="stretch",
    disabled=[
        "Product",
        "Qualification Title",
        "Reference",
        "Reason",
        "Price",
        "Sub Total",
        "VAT",
        "Gross",
    ],
    column_config={
        **LINE_COLUMNS,
        "Remove": st.column_config.CheckboxColumn("Select", width=75),
        # No max_value: the grid would turn 2 into 1 without a word; core says why.
        "Quantity": st.column_config.NumberColumn(min_value=0, step=1, width=95),
    },
    column_order=[
        "Remove",
        "Product",
        "Qualification Title",
        "Reference",
        "Reason",
        "Quantity",
        "Price",
        "Sub Total",
        "VAT",
        "Gross",
    ],
)
ticked = [row.id for row, remove in zip(rows, edited["Remove"], strict=True) if remove]
quantities = {row.id: int(q) for row, q in zip(rows, edited["Quantity"], strict=True)}
try:
    for quantity in quantities.values():
        check_quantity(quantity)
except InvalidInput as error:
    show_error(error)

remove, refresh, _ = st.columns([1, 1, 4])
try:
    if remove.button("Remove selected", icon=":material/delete:", disabled=not ticked):
        with db() as session:
            remove_basket_lines(session, actor=actor, line_ids=ticked)
        st.rerun()
    if refresh.button("Update", icon=":material/refresh:"):
        with db() as session:
            update_basket(session, actor=actor, quantities=quantities)
        st.rerun()
except InvalidInput as error:
    show_error(error)

totals_table(totals(rows))
shop, _, checkout = st.columns([1, 3, 1])
shop.page_link(SEARCH.path, label="Continue shopping", icon=":material/arrow_back:")
if checkout.button(
    "Checkout", type="primary", icon=":material/shopping_cart_checkout:", width="stretch"
):
    start_checkout()
