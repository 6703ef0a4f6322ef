"""The header every signed-in page shares, and each page's title with its help."""

from __future__ import annotations

import re

import streamlit as st

from core.basket import basket_summary
from core.config import get_settings
from core.text import money
from ui.navigation import BASKET
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
/* The script that writes the sign-in cookie shows nothing; let it take no space. */
.st-key-sign_in_cookie {display: none;}
div.block-container {padding-top: 3.5rem;}
/* On a phone the menu folds behind a button: say what it is, on screen and aloud. */
[data-testid="stExpandSidebarButton"] {width: auto; gap: 0.25rem; padding: 0 0.5rem;}
[data-testid="stExpandSidebarButton"]::after {content: "Menu"; font-size: 0.95rem;}
@media (max-width: 640px) {
  [data-testid="stHeading"] h1 {font-size: 2rem !important;}
  /* A phone shows the table's toolbar all the time: keep it off the line above. */
  [data-testid="stDataFrame"] {margin-top: 1.75rem;}
}
</style>
"""


def page_style() -> None:
    st.html(_STYLE)


def logo() -> None:
    """The awarding body's logo in the top left corner of every page, signed in or not;
    it leads to Home."""
    st.logo(get_settings().logo_path, size="large")


def is_phone() -> bool:
    """A phone's browser (its user agent says "Mobi"): fold what fills a small screen."""
    return "Mobi" in (st.context.headers.get("User-Agent") or "")


def header() -> None:
    """Name, active centre and basket, across the top of every signed-in page (staff:
    "Staff, every centre", and no basket: staff place no orders)."""
    actor = current_actor()
    row = st.container(horizontal=True, horizontal_alignment="distribute")
    row.markdown(
        f"**{as_text(st.session_state.get('user_name', ''))}** · {as_text(actor.centre_name)}",
        width="content",
    )
    if actor.is_staff:
        return
    with db() as session:
        summary = basket_summary(session, actor=actor)
    row.page_link(
        BASKET.path,
        label=f"{summary.items} items | {money(summary.total_pence)}",
        icon=":material/shopping_cart:",
        width="content",
    )


def page_title(title: str, help_text: str) -> None:
    """The page's title, with its help section in the top right corner."""
    row = st.container(
        horizontal=True, horizontal_alignment="distribute", vertical_alignment="center"
    )
    row.title(title, width="content")
    with row.popover("Help", icon=":material/help:"):
        st.markdown(help_text)
