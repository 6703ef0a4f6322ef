"""The only scripts the portal's pages run, each a constant text (its data rides in the
script element's data- attributes), so that the Content-Security-Policy can allow
exactly these by their SHA-256 and no other inline script."""

from __future__ import annotations

import base64
import hashlib
import re
from html import escape
from pathlib import Path

import streamlit

from core.links import same_origin_path

# POST the sign-in ticket; the response sets the HttpOnly cookie (the script never sees it).
SIGN_IN = (
    "(function(s){fetch(s.dataset.url,{method:'POST',credentials:'same-origin',"
    "headers:{'Content-Type':'application/x-www-form-urlencoded'},"
    "body:new URLSearchParams({ticket:s.dataset.ticket})});})(document.currentScript);"
)
# POST logout (the response deletes the cookie), then open the given page afresh.
SIGN_OUT = (
    "(function(s){fetch(s.dataset.url,{method:'POST',credentials:'same-origin'})"
    ".finally(function(){window.location.replace(s.dataset.next);});})(document.currentScript);"
)
# Send the browser to another address (a payment page).
GO_TO = "window.location.assign(document.currentScript.dataset.url);"
# Post a form drawn beside it (the card provider's payment form, as Opayo Form asks).
SUBMIT_FORM = "document.getElementById(document.currentScript.dataset.form).submit();"
# At phone width Streamlit folds the top menu into a side panel whose list holds each menu
# section (Staff) as a <div> of a header and list items, which is not a list's child
# (axe: "list", "listitem"). Say the list is a list and the section's <div> is only a
# wrapper, so that screen readers read one list with the section's name in it; watched,
# because the panel is drawn again whenever it opens.
NAV_LIST_FIX = (
    "if (!window.dcNavListFix) { "
    "window.dcNavListFix = new MutationObserver(() => { "
    "for (const list of document.querySelectorAll('[data-testid=\"stSidebarNavItems\"]')) { "
    'if (list.getAttribute("role") !== "list") list.setAttribute("role", "list"); '
    'for (const section of list.querySelectorAll(":scope > div:not([role])")) { '
    'section.setAttribute("role", "none"); '
    "} "
    "} "
    "}); "
    "window.dcNavListFix.observe(document.body, {childList: true, subtree: true}); "
    "} "
)
# A date typed into a date box applies when the box closes: on leaving it or on Escape
# (Streamlit's date field sends its value then, never on Enter). Make Enter apply it too,
# as it does in a text box, by answering Enter in the box as Escape; focus stays put.
DATE_ENTER = (
    "if (!window.dcDateEnter) { "
    "window.dcDateEnter = true; "
    'document.addEventListener("keydown", (event) => { '
    "const inBox = event.target.closest?.('[data-testid=\"stDateInputField\"]'); "
    'if (event.key !== "Enter" || !inBox) return; '
    "event.preventDefault(); "
    "event.stopPropagation(); "
    "event.target.dispatchEvent(new KeyboardEvent("
    '"keydown", {key: "Escape", bubbles: true, cancelable: true})); '
    "}, true); "
    "} "
)
PAGE_SCRIPTS = (SIGN_IN, SIGN_OUT, GO_TO, SUBMIT_FORM, NAV_LIST_FIX, DATE_ENTER)


# The data that names where a script sends the browser or a request: a path of this site.
ADDRESSES = ("url", "next")


def script_tag(script: str, **data: str) -> str:
    """A <script> element running one of PAGE_SCRIPTS with `data` as data- attributes.
    These are the only scripts that write `window.location`, so every address they are
    given must be a path of this site (core.links raises InvalidInput otherwise)."""
    if script not in PAGE_SCRIPTS:
        raise ValueError("only the portal's own page scripts may run")
    for name in ADDRESSES:
        if name in data:
            same_origin_path(data[name])
    attributes = "".join(
        f' data-{name.replace("_", "-")}="{escape(value, quote=True)}"'
        for name, value in data.items()
    )
    return f"<script{attributes}>{script}</script>"


def _digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def streamlit_inline_scripts() -> list[str]:
    """The inline scripts of Streamlit's own index.html (read, not copied: an upgrade
    that changes them keeps working)."""
    index = Path(streamlit.__file__).parent / "static" / "index.html"
    return re.findall(r"<script>(.*?)</script>", index.read_text(), flags=re.DOTALL)


def script_hashes() -> list[str]:
    return [_digest(text) for text in (*streamlit_inline_scripts(), *PAGE_SCRIPTS)]
