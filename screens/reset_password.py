import streamlit as st

from core.auth import reset_password
from core.errors import InvalidInput
from ui.errors import show_error
from ui.layout import page_title
from ui.navigation import FORGOT_PASSWORD, SIGN_IN

page_title(
    "Set a new password",
    "Choose a password of at least 10 characters and type it twice. Setting it signs you "
    "out everywhere else. A link that has expired or was used already cannot be used again.",
)
token = st.query_params.get("token", "")
left, _ = st.columns([2, 3])
if not token:
    left.warning("This page opens from the link in your email. Ask for one below.")
    left.page_link(FORGOT_PASSWORD.path, label="Forgotten password", icon=":material/mail:")
    st.stop()
with left, st.form("reset_password_form"):
    st.caption(
        "At least 10 characters and hard to guess. A few unrelated words together are easy "
        "to remember and hard to guess."
    )
    new = st.text_input("New password", type="password", autocomplete="new-password")
    confirm = st.text_input("Confirm new password", type="password", autocomplete="new-password")
    if st.form_submit_button("Set password", type="primary"):
        try:
            reset_password(token=token, new=new, confirm=confirm)
        except InvalidInput as error:
            show_error(error)
        else:
            st.query_params.clear()
            st.success("Your password is set. Sign in with it now.")
left.page_link(SIGN_IN.path, label="Sign in", icon=":material/login:")
