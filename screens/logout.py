import streamlit as st

from ui.auth import sign_out

sign_out()
st.rerun()
