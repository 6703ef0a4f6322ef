"""Helpers to drive the real app script with streamlit.testing's AppTest."""

from __future__ import annotations

import re
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.models import User

TIMEOUT = 30
MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
ENTRY = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


def signed_out_app() -> AppTest:
    app = AppTest.from_file(ENTRY, default_timeout=TIMEOUT)
    return app.run()


def signed_in_app(user: User, page: str | None = None) -> AppTest:
    """The app as `user` sees it after signing in (as the sign-in form leaves the session)."""
    app = AppTest.from_file(ENTRY, default_timeout=TIMEOUT)
    app.session_state["authentication_status"] = True
    app.session_state["username"] = user.email
    app.session_state["signed_in_at"] = time.time()
    app.run()
    if page:
        app.switch_page(page).run()
    return app


def by_label(widgets, label: str):
    matches = [widget for widget in widgets if widget.label == label]
    assert len(matches) == 1, f"{len(matches)} widgets labelled {label!r}"
    return matches[0]


def texts(app: AppTest) -> str:
    """Everything the page shows as text, for 'the page says …' checks (markdown's
    backslash escapes and invisible word joiners removed, as the reader sees it)."""
    kinds = ("markdown", "title", "subheader", "caption", "error", "success", "info", "warning")
    return shown("\n".join(str(element.value) for kind in kinds for element in getattr(app, kind)))


def shown(markdown: str) -> str:
    """A markdown element's text as the reader sees it: backslash escapes and invisible
    word joiners removed."""
    return MARKDOWN_ESCAPE.sub(r"\1", markdown).replace("\u2060", "")
