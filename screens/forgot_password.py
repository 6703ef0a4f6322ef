import streamlit as st

from core.auth import RESET_REQUESTED, request_password_reset
from ui.layout import page_title
from ui.navigation import SIGN_IN
from ui.services import db

page_title(
    "Forgotten password",
    "We email a link to the address you sign in with, if it has an account. The link "
    "works once, within the hour. No email? Check your spam folder, or ask your centre "
    "coordinator whether your account uses another address.",
)
st.write(
    "Enter the email address you sign in with. We will email you a link to set a new "
    "password. New users set their first password this way."
)
left, _ = st.columns([2, 3])
with left, st.form("forgot_password_form", clear_on_submit=True):
    email = st.text_input("Email address", autocomplete="email")
    if st.form_submit_button("Send me a link", type="primary"):
        with db() as session:
            request_password_reset(session, email=email)
        st.success(RESET_REQUESTED)
left.page_link(SIGN_IN.path, label="Back to sign in", icon=":material/arrow_back:")
