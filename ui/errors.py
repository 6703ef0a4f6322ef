"""One place where errors become messages: core's own as they are, the rest as a short
apology with the detail in the server log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from core.errors import PortalError

log = logging.getLogger("portal")
UNEXPECTED = "Something went wrong on our side. It has been logged; please try again."


@contextmanager
def shown_as_message() -> Iterator[None]:
    try:
        yield
    except PortalError as error:
        st.error(error.message)
    except Exception:
        log.exception("unexpected error while drawing a page")
        st.error(UNEXPECTED)
