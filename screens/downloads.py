import streamlit as st

from ui.layout import page_title

page_title(
    "Document Downloads",
    "Exporting certificates as PDF files is not available yet; exported files will be listed here.",
)
st.info(
    "Exporting certificates as PDF files is not available yet. Until it is, the document "
    "card of each certificate can be viewed and printed from Print Batches.",
    icon=":material/construction:",
)
