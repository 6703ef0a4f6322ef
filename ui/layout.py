"""The header every signed-in page shares, and each page's title with its help."""

from __future__ import annotations

import re

import streamlit as st

from core.basket import basket_summary
from core.config import get_settings
from core.text import money
from ui.navigation import BASKET
from ui.services import current_actor, db
from web.scripts import DATE_ENTER, NAV_LIST_FIX, script_tag

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


PHONE_WIDTH = 640  # px: where the phone layout starts, in CSS and in is_phone()
PHONE_QUERY = f"(max-width: {PHONE_WIDTH}px)"
CAPTION_COLOUR = "#586160"  # 6.4:1 on white, 5.8:1 on the theme's grey (WCAG AA: 4.5)

_STYLE = """
<style>
/* The script that writes the sign-in cookie shows nothing; let it take no space; nor do
   the page's own scripts (the menu's list, the width watch). */
.st-key-sign_in_cookie, .st-key-layout_scripts {display: none;}
div.block-container {padding-top: 3.5rem;}
/* Streamlit draws captions in the text colour at 60% opacity: #77807f here, 4.05:1 on
   white, too faint for many to read. */
[data-testid="stCaptionContainer"] {color: CAPTION_COLOUR; opacity: 1;}
/* A link's words wrap rather than end in "…" where the line is short (a phone). */
[data-testid="stPageLink-NavLink"] {height: auto;}
[data-testid="stPageLink-NavLink"] span, [data-testid="stPageLink-NavLink"] p {
  white-space: normal; overflow: visible; text-overflow: clip;}
/* On a phone the menu folds behind a button: say what it is, on screen and aloud. */
[data-testid="stExpandSidebarButton"] {width: auto; gap: 0.25rem; padding: 0 0.5rem;}
[data-testid="stExpandSidebarButton"]::after {content: "Menu"; font-size: 0.95rem;}
@media PHONE_QUERY {
  [data-testid="stHeading"] h1 {font-size: 2rem !important;}
  /* A phone shows the table's toolbar all the time: keep it off the line above. */
  [data-testid="stDataFrame"] {margin-top: 1.75rem;}
  /* Document Downloads: each export on a few lines, Download first, then its name and
     status, then the rest with their headings (hidden as a row of their own). */
  [data-testid="stLayoutWrapper"]:has(> .st-key-downloads_headings),
  [data-testid="stLayoutWrapper"]:has(> .st-key-downloads_headings) + * {display: none;}
  [class*="st-key-downloads_row_"] [data-testid="stHorizontalBlock"] {
    flex-flow: row wrap; gap: 0.15rem 0.75rem; align-items: baseline;}
  [class*="st-key-downloads_row_"] [data-testid="stColumn"] {
    flex: 0 1 auto !important; width: auto !important; min-width: 0 !important;}
  [class*="st-key-downloads_row_"] [data-testid="stColumn"]:nth-child(7) {order: -2;}
  [class*="st-key-downloads_row_"] [data-testid="stColumn"]:nth-child(1) {
    order: -1; flex: 1 1 50% !important;}
  [class*="st-key-downloads_row_"] [data-testid="stColumn"]:nth-child(1) p {font-weight: 600;}
  [class*="st-key-downloads_row_"] [data-testid="stColumn"]:nth-child(6) {
    order: 0; flex-basis: 100% !important;}
  [class*="st-key-downloads_row_"] [data-testid="stColumn"]:nth-child(2) {
    order: 1; flex-basis: 100% !important;}
  [class*="st-key-downloads_row_"] [data-testid="stColumn"]:nth-child(n+3):nth-child(-n+5) {
    order: 2;}
  [class*="st-key-downloads_row_"] [data-testid="stColumn"]:nth-child(3) p::after {
    content: " certificates";}
  [class*="st-key-downloads_row_"] [data-testid="stColumn"]:nth-child(4) p::before {
    content: "by ";}
  [class*="st-key-downloads_row_"] [data-testid="stColumn"]:nth-child(5) p::before {
    content: "at ";}
}
</style>
""".replace("CAPTION_COLOUR", CAPTION_COLOUR).replace("PHONE_QUERY", PHONE_QUERY)

_WIDTH = "layout_width"
# Tells the server whether the screen is as narrow as a phone's: once the page's run has
# finished (a rerun asked for during a run can replace it, and under load that run
# was Home's instead of the page opened), and whenever the width crosses the breakpoint
# (a window resized, a phone turned). Only a difference from what the server last drew
# answers with a rerun.
_WIDTH_JS = """
export default function ({ data, setStateValue }) {
  const query = window.matchMedia(data.query);
  let waiting = null;
  const report = () => {
    clearTimeout(waiting);
    if (!document.querySelector('[data-test-script-state="notRunning"]')) {
      waiting = setTimeout(report, 100);
    } else if (query.matches !== data.phone) {
      setStateValue("phone", query.matches);
    }
  };
  report();
  query.addEventListener("change", report);
  return () => {
    clearTimeout(waiting);
    query.removeEventListener("change", report);
  };
}
"""
_width_watch = st.components.v2.component("dc_layout_width", js=_WIDTH_JS)


def page_style() -> None:
    """The portal's styles, the menu's list fixed for screen readers, Enter applying a
    typed date, and the watch on the screen's width that decides the phone layout (see
    is_phone)."""
    st.html(_STYLE)
    with st.container(key="layout_scripts"):  # draws nothing (see _STYLE)
        scripts = script_tag(NAV_LIST_FIX) + script_tag(DATE_ENTER)  # one element, not two
        st.html(scripts, unsafe_allow_javascript=True)
        _width_watch(
            key=_WIDTH,
            data={"query": PHONE_QUERY, "phone": is_phone()},
            on_phone_change=lambda: None,
        )


def logo() -> None:
    """The awarding body's logo in the top left corner of every page, signed in or not;
    it leads to Home."""
    st.logo(get_settings().logo_path, size="large")


def is_phone() -> bool:
    """Whether the screen is as narrow as a phone's (the browser says so as the page is
    first drawn, and again when its width crosses PHONE_WIDTH): fold what fills a small
    screen. Until the browser has said, a phone's user agent ("Mobi") is the guess, so
    that a phone draws its layout at once."""
    reported = (st.session_state.get(_WIDTH) or {}).get("phone")
    if reported is not None:
        return bool(reported)
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
