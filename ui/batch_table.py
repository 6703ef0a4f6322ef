"""The Print Batches table, shared by Print Batches and staff's All batches: the filters
(staff also by centre), the pager and the table (staff also see each batch's centre). The
actions under it are the screen's."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from core.batches import BATCH_STATUSES, BATCH_TYPES, BatchFilters, BatchRow, list_batches
from core.text import uk_date
from ui.batch_view import open_batch
from ui.filters import Filter, filter_bar
from ui.pager import page_request, paged_table, pager
from ui.services import current_actor, db

FILTERS = [
    Filter("Status", "batches_status", options=BATCH_STATUSES),
    Filter("Type", "batches_type", options=BATCH_TYPES),
    Filter("Started from", "batches_started_from", "day"),
    Filter("Started to", "batches_started_to", "day"),
    Filter("Finished from", "batches_finished_from", "day"),
    Filter("Finished to", "batches_finished_to", "day"),
]
CENTRE = Filter("Centre", "batches_centre", "text", help="The centre's number or name")


def batch_filters(staff: bool) -> BatchFilters:
    """The centres' filters; staff also filter by centre."""
    if not staff:
        return BatchFilters(*filter_bar("batches", FILTERS))
    centre, *values = filter_bar("batches", [CENTRE, *FILTERS])
    return BatchFilters(*values, centre=centre or None)


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
        "Finished": [uk_date(row.finished_at) for row in rows],  # empty until then
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
        },
        open_column="Actions",
        on_open=open_batch,
    )
    actions(chosen)
    return filters
