import streamlit as st

from ui.layout import page_title

page_title("Orders", "Ordering is not available yet; your orders will be listed here.")
st.info(
    "Ordering duplicate certificates and proof-of-qualification letters is not available "
    "yet. Until it is, contact the Certification and Awards Service (see Support).",
    icon=":material/construction:",
)
