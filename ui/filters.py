"""Small filter widgets with the guide's "Please select" and a Reset that clears them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import streamlit as st

PLEASE_SELECT = "Please select"


def choice(label: str, options: Sequence[str], key: str) -> str | None:
    value = st.selectbox(label, [PLEASE_SELECT, *options], key=key)
    return None if value == PLEASE_SELECT else value


def day(label: str, key: str) -> dt.date | None:
    """One optional date. A single date field applies as soon as a day is picked (a
    range field waits until it loses focus)."""
    return st.date_input(label, value=None, key=key, format="DD/MM/YYYY")


def reset(defaults: Mapping[str, object]) -> None:
    """on_click callback: put the given widgets back to their defaults. The values are
    set, not deleted: a deleted key leaves the browser's widget showing its old value,
    and the browser sends that value back on the next rerun."""
    st.session_state.update(defaults)
