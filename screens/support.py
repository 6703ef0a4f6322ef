import streamlit as st

from core.content import support_text
from ui.layout import page_title
from ui.navigation import FAQ

page_title(
    "Support",
    "How to reach the Certification and Awards Service team, and how to report a "
    "problem with a certificate.",
)
st.markdown(support_text())
st.page_link(FAQ.path, label="Frequently asked questions", icon=":material/quiz:")
