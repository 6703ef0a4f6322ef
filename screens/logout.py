import streamlit as st

from ui.auth import sign_out
from ui.layout import page_title

page_title(
    "Log out",
    "Logging out ends your sign-in in every browser and on every device where you are "
    "signed in to the portal. Your basket is kept for next time.",
)
st.write("Log out of the Digital Certificates portal, here and on every other device.")
if st.button("Log out", type="primary", icon=":material/logout:"):
    sign_out()
    st.rerun()
