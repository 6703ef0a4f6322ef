"""Small filter widgets with the guide's "Please select" and a Reset that clears them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import streamlit as st

PLEASE_SELECT = "Please select"


def choice(label: str, options: Sequence[str], key: str) -> str | None:
    value = st.selectbox(label, [PLEASE_SELECT, *options], key=key)
    return None if value == PLEASE_SELECT else value


def date_range(label: str, key: str) -> tuple[dt.date | None, dt.date | None]:
    """A from–to range; picking one day means that day only."""
    picked = st.date_input(label, value=(), key=key, format="DD/MM/YYYY")
    if not picked:
        return None, None
    start = picked[0]
    return start, picked[1] if len(picked) > 1 else start


def reset(keys: Sequence[str]) -> None:
    """on_click callback: forget the given widgets' values."""
    for key in keys:
        st.session_state.pop(key, None)
