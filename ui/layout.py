"""The header every signed-in page shares, and each page's title with its help."""

from __future__ import annotations

import re

import streamlit as st

from core.basket import basket_summary
from core.text import money
from ui.services import current_actor, db

_MARKDOWN_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")
# Streamlit's markdown turns bare addresses into links even when their punctuation is
# escaped; an invisible word joiner inside "://", "www." and before "@" stops it.
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def as_text(value: str) -> str:
    """Text for a markdown element shown exactly as typed: every ASCII punctuation mark
    is backslash-escaped (CommonMark) and bare addresses are kept from becoming links,
    so links, images, :color[], $math$, emphasis and HTML in names, references or
    messages are only characters."""
    unlinked = _AUTOLINK.sub(WORD_JOINER, value or "")
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", unlinked).replace("\n", "  \n")


_STYLE = """
<style>
/* The cookie manager is an invisible component; do not let its frame take space. */
div[data-testid="stElementContainer"]:has(iframe[title*="cookie_manager"]) {display: none;}
div.block-container {padding-top: 3.5rem;}
</style>
"""


def page_style() -> None:
    st.html(_STYLE)


def header() -> None:
    """Name, active centre and basket, across the top of every signed-in page."""
    actor = current_actor()
    with db() as session:
        summary = basket_summary(session, actor=actor)
    left, right = st.columns([3, 2])
    left.markdown(
        f"**{as_text(st.session_state.get('user_name', ''))}** · {as_text(actor.centre_name)}"
    )
    with right.container(horizontal=True, horizontal_alignment="right"):
        st.page_link(
            "screens/basket.py",
            label=f"{summary.items} items | {money(summary.total_pence)}",
            icon=":material/shopping_cart:",
        )


def page_title(title: str, help_text: str) -> None:
    """The page's title, with its help section in the top right corner."""
    left, right = st.columns([5, 1], vertical_alignment="bottom")
    left.title(title)
    with right.popover("Help", icon=":material/help:", width="stretch"):
        st.markdown(help_text)
