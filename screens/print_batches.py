import streamlit as st

from ui.layout import page_title

page_title("Print Batches", "This page is being built.")
st.info("Print Batches is not available yet.", icon=":material/construction:")
