"""Per-certificate actions shared by Print Batches and Search: the document card,
ordering, and reporting a problem. Dialogs stay open through reruns by a flag in
session_state (a dialog opened by `if st.button` vanishes on its own buttons' clicks)."""

from __future__ import annotations

from functools import partial
from html import escape

import streamlit as st

from core.certificates import get_document_card
from core.errors import InvalidInput
from core.pdf import card_fields
from core.problems import CATEGORIES, report_problem
from ui.errors import show_error
from ui.inputs import text_field
from ui.ordering import open_order_form, show_order_dialog
from ui.services import current_actor, db
from web.downloads import card_link

CARD = "certificate_card_open"
PROBLEM = "certificate_problem_open"


def _open(flag: str, certificate_id: int) -> None:
    st.session_state[flag] = certificate_id


def _close(flag: str) -> None:
    st.session_state.pop(flag, None)


def certificate_actions(certificate_id: int, key: str) -> None:
    """The guide's arrow menu for one certificate (staff place no orders: no order
    buttons for them)."""
    orders = (
        []
        if current_actor().is_staff
        else [
            ("Order reprint", "reprint", "print"),
            ("Order Proof of Qualification", "proof_letter", "description"),
        ]
    )
    details, *ordering, problem = st.columns(2 + len(orders))
    details.button(
        "View Certificate Details",
        key=f"{key}_details",
        icon=":material/badge:",
        on_click=_open,
        args=(CARD, certificate_id),
        width="stretch",
    )
    for column, (label, product, icon) in zip(ordering, orders, strict=True):
        column.button(
            label,
            key=f"{key}_{'proof' if product == 'proof_letter' else product}",
            icon=f":material/{icon}:",
            on_click=open_order_form,
            args=(certificate_id, product),
            width="stretch",
        )
    problem.button(
        "Report a problem",
        key=f"{key}_problem",
        icon=":material/report:",
        on_click=_open,
        args=(PROBLEM, certificate_id),
        width="stretch",
    )


def card_table(fields: list[tuple[str, str]]) -> str:
    """Label and value rows as an HTML table, every value escaped."""
    rows = "".join(
        f"<tr><th style='text-align:left;padding:6px 24px 6px 0;width:35%'>{escape(label)}</th>"
        f"<td style='padding:6px 0'>{escape(value or '')}</td></tr>"
        for label, value in fields
    )
    return f"<table style='border-collapse:collapse;width:100%'>{rows}</table>"


@st.dialog("Certificate details", width="large", on_dismiss=partial(_close, CARD))
def _card_dialog(certificate_id: int) -> None:
    with db() as session:
        card = get_document_card(session, actor=current_actor(), certificate_id=certificate_id)
    st.html(card_table(card_fields(card)))
    if card.revoked:
        st.error("This certificate has been revoked.")
    if card.not_printed_text:
        st.info(
            f"{card.not_printed_text} Its PDF can be exported, and a reprint or letter "
            "ordered, once the batch is Complete."
        )
    elif not card.has_pdf:
        st.info("Issued before 1 November 2017: only this document card exists, no PDF.")
    printing, closing = st.columns(2)
    printing.link_button(
        "Print",
        card_link(certificate_id),
        icon=":material/print:",
        width="stretch",
        help="A print-friendly copy of this card as a PDF (printing the card is allowed).",
    )
    if closing.button("Close", key="card_close", width="stretch"):
        _close(CARD)
        st.rerun()


@st.dialog("Report a problem", on_dismiss=partial(_close, PROBLEM))
def _problem_dialog(certificate_id: int) -> None:
    with st.form("report_problem_form"):
        category = st.selectbox("What is wrong?", CATEGORIES)
        description = text_field(
            "Describe the problem",
            2000,
            area=True,
            placeholder="For example: the surname should be spelt Winberry.",
        )
        sent = st.form_submit_button("Send report", type="primary")
    if sent:
        try:
            with db() as session:
                report_problem(
                    session,
                    actor=current_actor(),
                    certificate_id=certificate_id,
                    category=category,
                    description=description,
                )
        except InvalidInput as error:
            show_error(error)
            return
        _close(PROBLEM)
        st.session_state["problem_reported"] = True
        st.rerun()


def open_dialogs() -> None:
    """Draw whichever certificate dialog is open (call once, at the end of a screen)."""
    if st.session_state.pop("problem_reported", False):
        st.toast("Problem reported. Follow it under Problem reports.", icon=":material/check:")
    if show_order_dialog():
        return
    if (certificate_id := st.session_state.get(CARD)) is not None:
        _card_dialog(certificate_id)
    elif (certificate_id := st.session_state.get(PROBLEM)) is not None:
        _problem_dialog(certificate_id)
