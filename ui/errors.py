"""One place where errors become messages: core's own as they are, the rest as a short
apology with the detail in the server log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from core.errors import PortalError
from ui.layout import as_text

log = logging.getLogger("portal")
UNEXPECTED = "Something went wrong on our side. It has been logged; please try again."


def show_error(error: PortalError) -> None:
    """Core's message, as plain text (it may quote what the user typed)."""
    st.error(as_text(error.message))


@contextmanager
def shown_as_message() -> Iterator[None]:
    try:
        yield
    except PortalError as error:
        show_error(error)
    except Exception:
        log.exception("unexpected error while drawing a page")
        st.error(UNEXPECTED)
