"""The yardstick for benchmarks/sign_in.py: a bare Streamlit page with a sign-in form
that looks the user up (one query) and checks the password with bcrypt once."""

import os

import bcrypt
import streamlit as st
from sqlalchemy import create_engine, text


@st.cache_resource
def engine():
    return create_engine(os.environ["DATABASE_URL"])


if st.session_state.get("signed_in"):
    st.title("Centre user home")
    st.stop()
with st.form("sign_in"):
    email = st.text_input("Email address")
    password = st.text_input("Password", type="password")
    pressed = st.form_submit_button("Sign in")
if pressed:
    with engine().connect() as connection:
        stored = connection.scalar(
            text("SELECT password_hash FROM users WHERE email = :email"), {"email": email}
        )
    if stored and bcrypt.checkpw(password.encode(), stored.encode()):
        st.session_state["signed_in"] = True
        st.rerun()
    st.error("Email or password is not right.")
