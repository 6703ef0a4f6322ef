import datetime as dt

import streamlit as st

from core.config import get_settings
from core.payments.gateway import CardDecision, answer_path, check_card, read_request
from ui.layout import as_text, page_title
from ui.ordering import go_to

page_title(
    "Test payment gateway",
    "Plays Opayo's (SagePay's) payment page while the portal is in test mode: no money "
    "moves. Opayo's sandbox test cards are accepted with security code 123 (American "
    "Express 1234) and any expiry date to come; any other card is declined.",
)
settings = get_settings()
if not settings.test_payments:
    st.error("The test gateway is off: card payments go to Opayo.")
    st.stop()
request = read_request(st.query_params.get("Crypt", ""), settings.opayo_encryption_password)
st.warning(
    "TEST MODE: this page stands in for the card provider. Try Visa 4929 0000 0000 6, "
    "expiry 12/30, security code 123; a card such as 4111 1111 1111 1111 is declined.",
    icon=":material/science:",
)
st.subheader(f"Pay £{as_text(request.amount)}")
st.caption(f"{as_text(settings.opayo_vendor)} · {as_text(request.description)}")
with st.form("gateway_card", clear_on_submit=True, width=480):
    number = st.text_input("Card number", autocomplete="cc-number")
    expiry = st.text_input("Expiry date (MM/YY)", autocomplete="cc-exp")
    code = st.text_input("Security code", type="password", autocomplete="cc-csc")
    pay, cancel = st.columns(2)
    paid = pay.form_submit_button("Pay now", type="primary", width="stretch")
    cancelled = cancel.form_submit_button("Cancel", width="stretch")
if paid:
    decision = check_card(number, expiry, code, today=dt.date.today())
elif cancelled:
    decision = CardDecision("ABORT", "You cancelled the payment.", "")
if paid or cancelled:
    go_to(answer_path(request, decision, settings))
