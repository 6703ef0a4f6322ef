"""Filters above a table: the guide's "Please select", a box that folds on a phone and
counts the filters that are on, and a Reset that clears them. Every table's filters are
declared as a list of `Filter`s and drawn by `filter_bar`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import streamlit as st

from ui.layout import is_phone
from ui.pager import reset_to_first_page

PLEASE_SELECT = "Please select"
MIN_COLUMNS = 4


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


@dataclass(frozen=True)
class Filter:
    """One filter box: a list to choose from ("choice"), a day ("day"), the start of a
    text ("text", e.g. a centre's number or name) or a tick ("tick")."""

    label: str
    key: str
    kind: str = "choice"
    options: Sequence[str] = ()
    help: str | None = None

    @property
    def default(self) -> object:
        return {"choice": PLEASE_SELECT, "day": None, "text": "", "tick": False}[self.kind]

    def draw(self) -> object:
        if self.kind == "choice":
            return choice(self.label, self.options, self.key)
        if self.kind == "day":
            return day(self.label, self.key)
        if self.kind == "text":
            return st.text_input(self.label, key=self.key, help=self.help).strip()
        return st.checkbox(self.label, key=self.key, help=self.help)


def _title(defaults: Mapping[str, object]) -> str:
    """How many filters are on, so that folded filters are not forgotten."""
    state = st.session_state
    on = sum(state.get(key, default) != default for key, default in defaults.items())
    return f"Filters ({on} on)" if on else "Filters"


def filter_bar(table: str, filters: Sequence[Filter]) -> tuple:
    """The filters of the table keyed `table`, one column each, with Reset (clears them)
    and Refresh (reads the table again); folded away on a phone so that the table is
    reachable at once. Returns the values in order; a change goes back to page 1."""
    defaults = {one.key: one.default for one in filters}
    box = st.expander(_title(defaults), expanded=not is_phone(), icon=":material/filter_alt:")
    values = []
    columns = box.columns(max(len(filters), MIN_COLUMNS))  # one filter is not a whole row
    for column, one in zip(columns, filters, strict=False):
        with column:
            values.append(one.draw())
    buttons = box.container(horizontal=True)
    buttons.button(
        "Reset",
        key=f"{table}_reset",
        on_click=reset,
        args=(defaults,),
        icon=":material/filter_alt_off:",
    )
    buttons.button("Refresh", key=f"{table}_refresh", icon=":material/refresh:")
    values = tuple(values)
    if st.session_state.get(f"{table}_filter_values") != values:
        st.session_state[f"{table}_filter_values"] = values
        reset_to_first_page(table)
    return values
