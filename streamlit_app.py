"""Entry: page config, the sign-in gate, the header, and the role's pages."""

import logging

import streamlit as st

from core.config import get_settings
from ui.auth import sign_in_gate, sign_in_screen
from ui.errors import shown_as_message
from ui.layout import header, logo, page_style
from ui.navigation import (
    enrolment_pages,
    is_enrolment,
    is_public,
    opens_home_after_sign_in,
    signed_in_pages,
    signed_out_pages,
)
from ui.services import current_actor
from ui.two_factor import enrolment_screen

logging.basicConfig(level=get_settings().log_level)
st.set_page_config(page_title="Digital Certificates", page_icon="🎓", layout="wide")
page_style()
logo()

signed_in = False
with shown_as_message():
    signed_in = sign_in_gate()
enrolling = signed_in and current_actor().must_enrol  # two-factor required, not set up
if enrolling:
    navigation = st.navigation(enrolment_pages(current_actor().role), position="top")
elif signed_in:
    navigation = st.navigation(signed_in_pages(current_actor().role), position="top")
    header()
else:
    navigation = st.navigation(signed_out_pages(), position="hidden")
with shown_as_message():
    if enrolling and not is_enrolment(navigation):
        enrolment_screen()
    elif signed_in or is_public(navigation):
        navigation.run()
    else:
        sign_in_screen(then_home=opens_home_after_sign_in(navigation))
