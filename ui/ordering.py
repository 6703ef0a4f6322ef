"""Ordering pieces shared by screens: the Document Reprint form, the basket's and an
order's lines, totals, address forms and the redirect to the card payment page."""

from __future__ import annotations

from html import escape

import pandas as pd
import streamlit as st

from core.addresses import AddressInput
from core.basket import ONE_EACH, REASONS, add_to_basket, order_form, remove_basket_lines
from core.checkout import (
    INTERNATIONAL_NOTE,
    AlreadyOrdered,
    PlacedOrder,
    Totals,
    settle_card_answer,
)
from core.checkout_drafts import save_draft
from core.countries import countries
from core.errors import InvalidInput, NotFound
from core.links import same_origin_path
from core.mail import queue_email
from core.models import CardAnswerOutcome
from core.orders import claim_confirmation
from core.payments.base import PaymentMethod
from core.prices import PricedLine, PriceItem
from core.text import money
from ui.errors import show_error
from ui.inputs import text_field
from ui.layout import as_text
from ui.navigation import BASKET, CHECKOUT, ORDERS
from ui.services import current_actor, db
from web.scripts import GO_TO, SUBMIT_FORM, script_tag

ORDER = "certificate_order_open"


def open_order_form(certificate_id: int, product: str) -> None:
    st.session_state[ORDER] = (certificate_id, product)


def _close() -> None:
    st.session_state.pop(ORDER, None)


def _product_columns(rows) -> dict[str, list[str]]:
    """The guide's Product cell (name, qualification title, reference, reason) as
    columns: a grid cell holds one line."""
    return {
        "Product": [row.product_name for row in rows],
        "Qualification Title": [row.qualification_title for row in rows],
        "Reference": [row.reference for row in rows],
        "Reason": [row.reason for row in rows],
    }


@st.dialog("Document Reprint", on_dismiss=_close)
def order_dialog(certificate_id: int, product: str) -> None:
    with db() as session:
        form = order_form(
            session, actor=current_actor(), certificate_id=certificate_id, product=product
        )
    st.markdown(f"**{form.product_name}** · {money(form.price_pence)} each")
    st.text_input("Qualification Title", form.qualification_title, disabled=True)
    st.text_input("Reference", form.reference, disabled=True)
    if form.refused:
        st.warning(form.refused, icon=":material/block:")
        st.button("Close", key="order_close", on_click=_close)
        return
    st.caption(ONE_EACH)
    copies = st.number_input("Number of copies", min_value=1, max_value=1, value=1)
    reason = st.selectbox("Reason", REASONS, key="order_reason")
    other = text_field("Other reason", 150) if reason == "Other" else ""
    if st.button("Add to Cart", type="primary", icon=":material/add_shopping_cart:"):
        try:
            with db() as session:
                add_to_basket(
                    session,
                    actor=current_actor(),
                    certificate_id=certificate_id,
                    product=product,
                    quantity=int(copies),
                    reason=reason,
                    other_reason=other,
                )
        except InvalidInput as error:
            show_error(error)
            return
        _close()
        st.switch_page(BASKET.path)


def show_order_dialog() -> bool:
    """Draw the Document Reprint form if it is open; True when it was."""
    if (chosen := st.session_state.get(ORDER)) is None:
        return False
    order_dialog(*chosen)
    return True


def lines_frame(rows: list[PricedLine]) -> pd.DataFrame:
    """The guide's basket columns, for basket rows and an order's lines alike."""
    money_columns = {
        "Quantity": [row.quantity for row in rows],
        "Price": [money(row.price_pence) for row in rows],
        "Sub Total": [money(row.subtotal_pence) for row in rows],
        "VAT": [money(row.vat_pence) for row in rows],
        "Gross": [money(row.gross_pence) for row in rows],
    }
    return pd.DataFrame({**_product_columns(rows), **money_columns})


# Widths that keep Sub Total, VAT and Gross on screen at 1,400 px however long a title
# or reason is (a longer one is cut with an ellipsis; the whole text is in its tooltip).
LINE_COLUMNS = {
    "Product": st.column_config.TextColumn(width=140),
    "Qualification Title": st.column_config.TextColumn(width=285),
    "Reference": st.column_config.TextColumn(width=140),
    "Reason": st.column_config.TextColumn(width=170),
    "Quantity": st.column_config.NumberColumn(width=80),
    "Price": st.column_config.TextColumn(width=80),
    "Sub Total": st.column_config.TextColumn(width=90),
    "VAT": st.column_config.TextColumn(width=70),
    "Gross": st.column_config.TextColumn(width=80),
}


def lines_table(rows: list[PricedLine]) -> None:
    """Basket rows or an order's lines, read-only."""
    st.dataframe(lines_frame(rows), hide_index=True, width="stretch", column_config=LINE_COLUMNS)


def totals_table(money_totals: Totals) -> None:
    rows = [
        ("Sub Total", money_totals.subtotal_pence),
        ("Delivery", money_totals.delivery_pence),
        ("VAT", money_totals.vat_pence),
        ("Total", money_totals.total_pence),
    ]
    cells = "".join(
        f"<tr><th style='text-align:left;padding:4px 32px 4px 0'>{label}</th>"
        f"<td style='text-align:right;padding:4px 0'>{money(pence)}</td></tr>"
        for label, pence in rows
    )
    _, right = st.columns([3, 1])
    right.html(f"<table style='width:100%;border-collapse:collapse'>{cells}</table>")


def address_form(prefix: str, saved: AddressInput, *, to_person: bool = True) -> AddressInput:
    """Address fields kept in session_state under `prefix` (so Back keeps them). A
    centre's address on file (`to_person=False`) names a person or an office instead."""
    names = list(countries())
    if to_person:
        first, last = st.columns(2)
        first_names = first.text_input("First names", saved.first_names, key=f"{prefix}_first")
        surname = last.text_input("Surname", saved.surname, key=f"{prefix}_surname")
    else:
        first_names = st.text_input(
            "Addressed to", saved.first_names, key=f"{prefix}_first", help="A person or an office"
        )
        surname = ""
    line1 = st.text_input("Address line 1", saved.line1, key=f"{prefix}_line1")
    line2 = st.text_input("Address line 2 (optional)", saved.line2, key=f"{prefix}_line2")
    town_col, postcode_col, country_col = st.columns(3)
    return AddressInput(
        first_names=first_names,
        surname=surname,
        line1=line1,
        line2=line2,
        town=town_col.text_input("Town or city", saved.town, key=f"{prefix}_town"),
        postcode=postcode_col.text_input("Postcode", saved.postcode, key=f"{prefix}_postcode"),
        country=country_col.selectbox(
            "Country", names, index=names.index(saved.country), key=f"{prefix}_country"
        ),
    )


def go_to(path: str) -> None:
    """Send the browser to another page of the portal: the only place the app writes
    `window.location`, and only ever a path of this site (core.links)."""
    path = same_origin_path(path)
    st.html(script_tag(GO_TO, url=path), unsafe_allow_javascript=True)
    st.link_button("Continue to the payment page", path, type="primary")


def go_to_payment(placed: PlacedOrder) -> None:
    """The card payment page: the test gateway is a page of ours; Opayo's page (its
    address a setting, never a request's) is reached by posting its form, as Opayo asks."""
    if placed.form_fields is None:
        go_to(placed.redirect_url)
        return
    inputs = "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in placed.form_fields.items()
    )
    st.html(
        f'<form id="provider_form" method="post" action="{escape(placed.redirect_url)}">'
        f'{inputs}<button type="submit">Continue to the payment page</button></form>'
        + script_tag(SUBMIT_FORM, form="provider_form"),
        unsafe_allow_javascript=True,
    )


def email_confirmation(order_id: int) -> None:
    """The confirmation email, sent by the task engine (SMTP may be slow)."""
    with db() as session:
        email = claim_confirmation(session, actor=current_actor(), order_id=order_id)
        if email is not None:
            queue_email(session, to=email.to, subject=email.subject, body=email.body)


STEPS = ("Basket", "Billing", "Delivery", "Delivery Options", "Confirm")


def progress(step: int) -> None:
    """The five steps of checkout, the current one marked."""
    for number, (column, name) in enumerate(zip(st.columns(5), STEPS, strict=True), start=1):
        if number < step:
            column.markdown(f":green[:material/check_circle: {number} {name}]")
        elif number == step:
            column.markdown(f":blue-background[**{number} {name}**]")
        else:
            column.markdown(f":gray[{number} {name}]")
    st.progress(step / len(STEPS))


def address_text(lines: list[str]) -> str:
    return ", ".join(as_text(line) for line in lines) if lines else "none on file"


def option_label(item: PriceItem) -> str:
    return f"{item.name} ({money(item.price_pence) if item.price_pence else 'no charge'})"


def payment_label(method: str) -> str:
    if method == PaymentMethod.CREDITS:
        return "Centre Credits (invoiced later)"
    return "SagePay (debit or credit card)"


OUTCOME = "checkout_outcome"


def order_placed(
    order_id: int | None,
    status: str,
    international: bool,
    outcome: str = CardAnswerOutcome.PAID,
    message: str = "",
) -> None:
    """Send the confirmation (only a placed order has one), then draw the page again
    (so the header's basket is true) with the outcome on it."""
    if order_id is not None and outcome == CardAnswerOutcome.PAID:
        email_confirmation(order_id)
    st.session_state[OUTCOME] = (order_id, status, international, str(outcome), message)
    st.rerun()


def payment_answer(crypt: str) -> None:
    """The card provider sent the browser back with its answer."""
    with db() as session:
        settled = settle_card_answer(session, actor=current_actor(), crypt=crypt)
    st.query_params.clear()
    order_placed(
        settled.order_id, settled.status, settled.international, settled.outcome, settled.message
    )


ALREADY_ORDERED = "checkout_already_ordered"


def offer_removal(error: AlreadyOrdered) -> None:
    """Keep the refusal, naming the items, with its offer to remove them (drawn by
    already_ordered_offer on every run until acted on)."""
    st.session_state[ALREADY_ORDERED] = (error.message, error.line_ids)


def _remove_ordered(line_ids: list[int]) -> None:
    st.session_state.pop(ALREADY_ORDERED, None)
    st.session_state.pop("checkout_token", None)  # the basket changes: read it again
    try:
        with db() as session:
            remove_basket_lines(session, actor=current_actor(), line_ids=line_ids)
    except NotFound:
        pass  # already taken out (another tab)


def already_ordered_offer() -> None:
    """Items of the basket ordered meanwhile: say which, and offer to take them out."""
    if (held := st.session_state.get(ALREADY_ORDERED)) is None:
        return
    message, line_ids = held
    st.error(as_text(message), icon=":material/block:")
    st.button(
        "Remove it from my basket" if len(line_ids) == 1 else "Remove them from my basket",
        icon=":material/remove_shopping_cart:",
        on_click=_remove_ordered,
        args=(line_ids,),
        key="checkout_remove_ordered",
    )


def start_checkout() -> None:
    """From the basket: checkout from step 1 (addresses given before are kept), without
    the last one's outcome."""
    with db() as session:
        save_draft(session, actor=current_actor(), step=1)
    st.session_state.pop(OUTCOME, None)
    st.switch_page(CHECKOUT.path)


def show_outcome() -> bool:
    """The outcome of placing an order or of a card payment (kept until the next
    checkout, so that any rerun still shows it); True if shown."""
    if (outcome := st.session_state.get(OUTCOME)) is None:
        return False
    order_id, status, international, kind, message = outcome
    if kind in (CardAnswerOutcome.DECLINED, CardAnswerOutcome.REFUSED):
        st.error(as_text(message), icon=":material/credit_card_off:")
        st.page_link(BASKET.path, label="Back to the basket", icon=":material/arrow_back:")
        return True
    if kind == CardAnswerOutcome.PAID_AFTER_CANCELLATION:
        st.warning(as_text(message), icon=":material/assignment_late:")
    else:
        st.success(
            f"Thank you: order {order_id} is placed ({status}). A confirmation email is on "
            "its way.",
            icon=":material/check_circle:",
        )
    if international:
        st.info(INTERNATIONAL_NOTE)
    st.page_link(
        ORDERS.path,
        label="See the order",
        query_params={"order": order_id},
        icon=":material/receipt_long:",
    )
    return True
