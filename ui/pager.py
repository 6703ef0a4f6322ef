"""The guide's pager: "Page x of y | View n records | Found total N records", with
previous/next and 10/25/50/100 records per page. State lives under the table's key."""

from __future__ import annotations

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


def pager(key: str, result: Page, *, position: str = "top") -> None:
    """Draw the pager for `result` (call it above and below a table)."""
    st.session_state[f"{key}_page"] = result.page
    back, summary, forward, size = st.columns([1, 6, 1, 2], vertical_alignment="center")
    back.button(
        "‹",
        key=f"{key}_prev_{position}",
        disabled=result.page <= 1,
        help="Previous page",
        on_click=_step,
        args=(key, result.page - 1),
        width="stretch",
    )
    summary.markdown(result.summary)
    forward.button(
        "›",
        key=f"{key}_next_{position}",
        disabled=result.page >= result.pages,
        help="Next page",
        on_click=_step,
        args=(key, result.page + 1),
        width="stretch",
    )
    if position == "top":
        size.selectbox(
            "Records per page",
            PAGE_SIZES,
            key=f"{key}_per_page",
            label_visibility="collapsed",
            on_change=reset_to_first_page,
            args=(key,),
            format_func=lambda n: f"View {n}",
        )


def selected_ids(key: str, ids: list[int]) -> list[int]:
    """Turn a dataframe's selected row positions into ids at once (positions shift when
    the data under them changes)."""
    state = st.session_state.get(key)
    if not state:
        return []
    rows = state.selection.rows if hasattr(state, "selection") else state["selection"]["rows"]
    return [ids[position] for position in rows if position < len(ids)]


def paged_table(
    key: str,
    result: Page,
    frame: pd.DataFrame,
    *,
    version: object = "",
    multi: bool = True,
    column_config: dict | None = None,
) -> list[int]:
    """The rows of one page as a table with tick boxes, the pager under it; returns the
    ids of the ticked rows. The key holds the page (and `version`, e.g. the filters) so
    that ticks never carry over to other rows."""
    table_key = f"{key}_table_{result.page}_{result.per_page}" + (f"_{version}" if version else "")
    st.dataframe(
        frame,
        column_config=column_config,
        hide_index=True,
        on_select="rerun",
        selection_mode="multi-row" if multi else "single-row",
        key=table_key,
        width="stretch",
    )
    pager(key, result, position="bottom")
    return selected_ids(table_key, [row.id for row in result.rows])
