import streamlit as st

from ui.auth import show_login_form
from ui.layout import page_title

page_title(
    "Digital Certificates",
    "Sign in with your email address and password. First time here, or forgotten your "
    "password? Use the link under the form: we email you a link to set one. After five "
    "wrong passwords in a row the account rests for 15 minutes.",
)
st.caption(
    "The secure portal for training centres: see, export, search and re-order the "
    "certificates issued to your candidates."
)
left, _ = st.columns([2, 3])
with left:
    show_login_form()
    st.page_link(
        "screens/forgot_password.py",
        label="Forgotten password? First time here? Set your password",
        icon=":material/lock_reset:",
    )
    st.caption("Your username is your email address.")
