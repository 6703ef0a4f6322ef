from collections.abc import Callable

import streamlit as st

from core.addresses import check_address
from core.basket import basket_rows, basket_token
from core.checkout import (
    INTERNATIONAL_NOTE,
    AlreadyOrdered,
    Checkout,
    addresses_on_file,
    check_delivery_option,
    place_order,
    totals,
)
from core.checkout_drafts import STEPS, end_draft, load_draft, save_draft
from core.errors import InvalidInput
from core.payments.base import PaymentMethod
from core.prices import price_list
from ui.errors import show_error
from ui.inputs import text_field
from ui.layout import as_text, page_title
from ui.navigation import BASKET
from ui.ordering import (
    ALREADY_ORDERED,
    address_form,
    address_text,
    already_ordered_offer,
    go_to_payment,
    lines_table,
    offer_removal,
    option_label,
    order_placed,
    payment_answer,
    payment_label,
    progress,
    show_outcome,
    totals_table,
)
from ui.services import current_actor, db

CREDITS_NOTE = (
    "Paying with **Centre Credits**? Then your centre's {what} address on file is used, "
    "whatever you type here: {address}."
)
OPTIONS = price_list().delivery
actor = current_actor()
state = st.session_state


def step_to(step: int, **given) -> None:
    """Move to `step` with what this step gave, kept on the server (a reload or another
    browser carries on from here)."""
    with db() as session:
        save_draft(session, actor=actor, step=step, **given)
    state.pop("checkout_token", None)  # read again when Confirm is drawn
    state.pop(ALREADY_ORDERED, None)


page_title(
    "Checkout",
    "Five steps: check your **Basket**, give the **Billing** and **Delivery** addresses, "
    "choose **Delivery Options**, then **Confirm** how you pay and place the order. "
    "With Centre Credits your centre's addresses on file are used and the centre is "
    "invoiced; with a card, the addresses you type are used.",
)
if "crypt" in st.query_params:
    payment_answer(st.query_params["crypt"])
if show_outcome():
    st.stop()
with db() as session:
    rows = basket_rows(session, actor=actor)
    billing_on_file, delivery_on_file = addresses_on_file(session, actor=actor)
    draft = load_draft(session, actor=actor)
if not rows:
    st.info("Your basket is empty.")
    st.page_link(BASKET.path, label="Basket", icon=":material/shopping_cart:")
    st.stop()
step, billing, delivery = draft.step, draft.billing, draft.delivery
option = OPTIONS.get(draft.delivery_option)
if step == STEPS and option is None:  # the price list changed meanwhile
    step = STEPS - 1
progress(step)


def next_step(check: Callable[[], dict]) -> None:
    """Validate this step; on success keep what it gave (`check`'s answer) and move on."""
    back, _, forward = st.columns([1, 4, 1])
    if step > 1:
        back.button("Back", icon=":material/arrow_back:", on_click=step_to, args=(step - 1,))
    if forward.button("Next", type="primary", icon=":material/arrow_forward:", width="stretch"):
        try:
            given = check()
        except InvalidInput as error:
            show_error(error)
            return
        step_to(step + 1, **given)
        st.rerun()


if step == 1:
    lines_table(rows)
    totals_table(totals(rows))
    next_step(dict)
elif step == 2:
    st.info(CREDITS_NOTE.format(what="billing", address=address_text(billing_on_file)))
    typed = address_form("billing", billing)
    next_step(lambda: {"billing": check_address(typed, "Billing")})
elif step == 3:
    st.info(
        CREDITS_NOTE.format(what="certificate delivery", address=address_text(delivery_on_file))
    )
    typed = address_form("delivery", delivery)
    next_step(lambda: {"delivery": check_address(typed, "Delivery")})
elif step == 4:
    keys = list(OPTIONS)
    chosen = st.radio(
        "Delivery option",
        keys,
        index=keys.index(option.key) if option else 0,
        format_func=lambda key: option_label(OPTIONS[key]),
    )
    st.caption(INTERNATIONAL_NOTE)
    next_step(lambda: {"delivery_option": check_delivery_option(chosen, delivery).key})
else:
    method = st.radio(
        "Payment method",
        list(PaymentMethod),
        format_func=payment_label,
        horizontal=True,
    )
    reference = text_field("Your reference", 100, help="Shown as Transaction Reference in Orders.")
    lines_table(rows)
    money = totals(rows, option)
    totals_table(money)
    credits = method == PaymentMethod.CREDITS
    left, right = st.columns(2)
    left.markdown("**Billing:** " + address_text(billing_on_file if credits else billing.lines()))
    right.markdown(
        "**Delivery:** " + address_text(delivery_on_file if credits else delivery.lines())
    )
    st.markdown(f"**Delivery option:** {as_text(option.name)}")
    if "checkout_token" not in state:
        with db() as session:
            state["checkout_token"] = basket_token(session, actor=actor)
    already_ordered_offer()
    back, _, place = st.columns([1, 4, 1])
    back.button("Back", icon=":material/arrow_back:", on_click=step_to, args=(4,))
    if place.button("Place order", type="primary", icon=":material/check:", width="stretch"):
        try:
            with db() as session:
                placed = place_order(
                    session,
                    actor=actor,
                    token=state["checkout_token"],
                    checkout=Checkout(billing, delivery, option.key, method, reference),
                )
                end_draft(session, actor=actor)
        except AlreadyOrdered as error:
            offer_removal(error)
            st.rerun()
        except InvalidInput as error:
            show_error(error)
            st.stop()
        if placed.redirect_url:
            go_to_payment(placed)
            st.stop()
        state.pop("checkout_token", None)
        order_placed(placed.order_id, placed.status, option.international)
