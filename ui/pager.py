"""The guide's pager: "Page x of y | View n records | Found total N records", with
previous/next and 10/25/50/100 records per page. State lives under the table's key."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from core.paging import PAGE_SIZES, Page


def page_request(key: str) -> tuple[int, int]:
    """The page and page size the user asked for (before the query runs)."""
    return st.session_state.get(f"{key}_page", 1), st.session_state.get(f"{key}_per_page", 10)


def reset_to_first_page(key: str) -> None:
    st.session_state[f"{key}_page"] = 1


def _step(key: str, page: int) -> None:
    st.session_state[f"{key}_page"] = page


def _choose_page_size(key: str) -> None:
    """Keep the choice under a key of our own: Streamlit forgets a widget's value when
    the user visits a page without it."""
    st.session_state[f"{key}_per_page"] = st.session_state[f"{key}_per_page_choice"]
    reset_to_first_page(key)


def pager(key: str, result: Page, *, position: str = "top") -> None:
    """Draw the pager for `result` (call it above and below a table): the buttons and
    the page size first, so that on a phone they share a line and the summary follows."""
    st.session_state[f"{key}_page"] = result.page
    row = st.container(horizontal=True, vertical_alignment="center", gap="small")
    row.button(
        "Previous",
        key=f"{key}_prev_{position}",
        icon=":material/chevron_left:",
        disabled=result.page <= 1,
        help="Previous page",
        on_click=_step,
        args=(key, result.page - 1),
    )
    row.button(
        "Next",
        key=f"{key}_next_{position}",
        icon=":material/chevron_right:",
        icon_position="right",
        disabled=result.page >= result.pages,
        help="Next page",
        on_click=_step,
        args=(key, result.page + 1),
    )
    if position == "top":
        st.session_state.setdefault(f"{key}_per_page_choice", result.per_page)
        row.selectbox(
            "Records per page",
            PAGE_SIZES,
            key=f"{key}_per_page_choice",
            label_visibility="collapsed",
            on_change=_choose_page_size,
            args=(key,),
            format_func=lambda n: f"View {n}",
            width=110,
        )
    row.markdown(result.summary, width="content")


def _ticked_rows(key: str) -> list[int]:
    state = st.session_state.get(key)
    if not state:
        return []
    return state.selection.rows if hasattr(state, "selection") else state["selection"]["rows"]


def selected_ids(key: str, ids: list[int]) -> list[int]:
    """Turn a dataframe's selected row positions into ids at once (positions shift when
    the data under them changes)."""
    return [ids[position] for position in _ticked_rows(key) if position < len(ids)]


def _opened_id(key: str, ids: list[int], column: str) -> int | None:
    """The id of the row whose cell in `column` was clicked, if any."""
    state = st.session_state.get(key)
    cells = state["selection"].get("cells", []) if state else []
    rows = [row for row, name in cells if name == column and row < len(ids)]
    return ids[rows[0]] if rows else None


def _fresh_table(table_key: str, rows_shown: object) -> None:
    """Untick everything when other rows are shown (a new page, page size, filter or
    search): the grid keeps ticks by position. One key for the table, so the browser
    updates its grid instead of building a new one."""
    if st.session_state.get(f"{table_key}_rows") == rows_shown:
        return
    st.session_state[f"{table_key}_rows"] = rows_shown
    if _ticked_rows(table_key):  # only then: telling the grid costs the browser a rerun
        st.session_state[table_key] = {"selection": {"rows": [], "columns": [], "cells": []}}


def untick(key: str) -> None:
    """Let go of the ticks of `paged_table(key, ...)` on the next run, after an action
    changed the ticked rows: the browser's grid may or may not keep a tick when a row's
    data changes, so the server decides."""
    st.session_state.pop(f"{key}_table_rows", None)


def paged_table(
    key: str,
    result: Page,
    frame: pd.DataFrame,
    *,
    version: object = "",
    multi: bool = True,
    column_config: dict | None = None,
    open_column: str | None = None,
    on_open: Callable[[int], None] | None = None,
) -> list[int]:
    """The rows of one page as a table with tick boxes, the pager under it when the page
    shows more than 10 rows (10 fit on a screen under the top pager); returns the
    ids of the ticked rows. Ticks are let go when the page, its size or `version` (e.g.
    the filters) changes. With `open_column`, a click on a cell of that column calls
    `on_open` with the row's id, in the same browser tab."""
    table_key = f"{key}_table"
    _fresh_table(table_key, (result.page, result.per_page, version))
    ids = [row.id for row in result.rows]
    modes = ["multi-row" if multi else "single-row"] + (["single-cell"] if open_column else [])
    st.dataframe(
        frame,
        column_config=column_config,
        hide_index=True,
        on_select="rerun",
        selection_mode=modes,
        key=table_key,
        width="stretch",
        height="content",
    )
    if open_column and on_open and (opened := _opened_id(table_key, ids, open_column)):
        on_open(opened)  # the table is not drawn on the next run, so its click is let go
        st.rerun()
    if result.pages > 1 and len(result.rows) > min(PAGE_SIZES):
        pager(key, result, position="bottom")  # a table taller than the screen
    return selected_ids(table_key, ids)
