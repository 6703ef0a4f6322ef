import streamlit as st

from ui.layout import page_title

page_title(
    "Document Downloads",
    "Exported zip files of certificate PDFs: Pending while they are made, Finished when "
    "ready, Expired 24 hours after they were generated.",
)
st.info(
    "Exporting certificates as PDF files is not available yet. Until it is, the document "
    "card of each certificate can be viewed and printed from Print Batches.",
    icon=":material/construction:",
)
