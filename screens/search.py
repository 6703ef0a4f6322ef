import streamlit as st

from ui.layout import page_title

page_title("Search", "This page is being built.")
st.info("Search is not available yet.", icon=":material/construction:")
