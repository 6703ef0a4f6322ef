import streamlit as st

from core.content import faq
from ui.layout import page_title

page_title("FAQ", "Common questions about the portal and their answers.")
for item in faq():
    with st.expander(item.question):
        st.markdown(item.answer)
