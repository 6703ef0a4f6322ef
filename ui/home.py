"""A home page: the role's screens as cards, three to a row, each with its button."""

from __future__ import annotations

import streamlit as st

from ui.layout import page_title
from ui.navigation import home_cards
from ui.services import current_actor

CARDS_PER_ROW = 3


def home_page(title: str, help_text: str) -> None:
    page_title(title, help_text)
    role = current_actor().role
    cards = home_cards(role)
    for start in range(0, len(cards), CARDS_PER_ROW):
        row = cards[start : start + CARDS_PER_ROW]
        for column, screen in zip(st.columns(CARDS_PER_ROW), row, strict=False):
            with column.container(border=True, height=210):
                st.subheader(f":material/{screen.icon}: {screen.title}", anchor=False)
                st.write(screen.help_for(role))
                st.page_link(
                    screen.path,
                    label=screen.card_for(role).upper(),
                    icon=":material/arrow_forward:",
                )
