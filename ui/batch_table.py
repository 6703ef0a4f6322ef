"""The Print Batches table, shared by Print Batches and staff's All batches: the filters
(staff also by centre), the pager and the table (staff also see each batch's centre). The
actions under it are the screen's."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from core.batches import BATCH_STATUSES, BATCH_TYPES, BatchFilters, BatchRow, list_batches
from ui.batch_view import open_batch
from ui.filters import PLEASE_SELECT, choice, day, reset
from ui.layout import is_phone
from ui.pager import page_request, paged_table, pager, reset_to_first_page
from ui.services import current_actor, db

DATE_FILTERS = {
    "Started from": "batches_started_from",
    "Started to": "batches_started_to",
    "Finished from": "batches_finished_from",
    "Finished to": "batches_finished_to",
}
FILTER_DEFAULTS = {
    "batches_status": PLEASE_SELECT,
    "batches_type": PLEASE_SELECT,
    "batches_centre": "",
    **dict.fromkeys(DATE_FILTERS.values()),
}


def _filters_label() -> str:
    """How many filters are on, so that folded filters are not forgotten."""
    state = st.session_state
    on = sum(state.get(key, default) != default for key, default in FILTER_DEFAULTS.items())
    return f"Filters ({on} on)" if on else "Filters"


def batch_filters(staff: bool) -> BatchFilters:
    """The filters, folded away on a phone so that the table is reachable at once."""
    box = st.expander(_filters_label(), expanded=not is_phone(), icon=":material/filter_alt:")
    columns = box.columns(7 if staff else 6)
    centre = None
    if staff:
        centre = columns.pop(0).text_input(
            "Centre", key="batches_centre", placeholder="Number or name"
        )
    with columns[0]:
        status = choice("Status", BATCH_STATUSES, "batches_status")
    with columns[1]:
        batch_type = choice("Type", BATCH_TYPES, "batches_type")
    dates = []
    for column, (label, key) in zip(columns[2:], DATE_FILTERS.items(), strict=True):
        with column:
            dates.append(day(label, key))
    buttons = box.container(horizontal=True)
    buttons.button(
        "Reset", on_click=reset, args=(FILTER_DEFAULTS,), icon=":material/filter_alt_off:"
    )
    buttons.button("Refresh", icon=":material/refresh:")
    filters = BatchFilters(status, batch_type, *dates, centre=(centre or "").strip() or None)
    if st.session_state.get("batches_filters") != filters:
        st.session_state["batches_filters"] = filters
        reset_to_first_page("batches")
    return filters


def batches_frame(rows: list[BatchRow], staff: bool) -> pd.DataFrame:
    """The guide's columns, those that matter first (a phone shows only the first few);
    staff see the centre after the status."""
    columns = {
        "Actions": ["View"] * len(rows),
        "ID": [row.id for row in rows],
        "Status": [row.status_text for row in rows],
        "Centre": [row.centre for row in rows],
        "Started": [row.started_at for row in rows],
        "Records": [row.records for row in rows],
        "Type": [row.batch_type for row in rows],
        "Email Status": [row.email_status for row in rows],
        "Finished": [row.finished_at for row in rows],
        "User": [row.user for row in rows],
        "Reference": [row.reference for row in rows],
    }
    if not staff:
        del columns["Centre"]
    return pd.DataFrame(columns)


def batch_table(actions: Callable[[list[int]], None]) -> BatchFilters:
    """Filters, pager and table; `actions` gets the ticked batch ids. Returns the filters."""
    staff = current_actor().is_staff
    filters = batch_filters(staff)
    page, per_page = page_request("batches")
    with db() as session:
        result = list_batches(
            session, actor=current_actor(), filters=filters, page=page, per_page=per_page
        )
    pager("batches", result)
    if not result.rows:
        st.info(
            "No batches match these filters."
            if filters != BatchFilters()
            else "No batches have been printed for this centre yet."
        )
        return filters
    chosen = paged_table(
        "batches",
        result,
        batches_frame(result.rows, staff),
        version=hash(filters),
        column_config={
            "Actions": st.column_config.TextColumn(help="Click View to open the batch"),
            "ID": st.column_config.NumberColumn(format="%d"),
            "Started": st.column_config.DatetimeColumn(format="DD/MM/YYYY"),
            "Finished": st.column_config.DatetimeColumn(format="DD/MM/YYYY"),
        },
        open_column="Actions",
        on_open=open_batch,
    )
    actions(chosen)
    return filters
