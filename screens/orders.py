import streamlit as st

from ui.layout import page_title

page_title("Orders", "Every order made through this portal, with its status and details.")
st.info(
    "Ordering duplicate certificates and proof-of-qualification letters is not available "
    "yet. Until it is, contact the Certification and Awards Service (see Support).",
    icon=":material/construction:",
)
