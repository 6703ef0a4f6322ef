import pandas as pd
import streamlit as st

from core.batches import BATCH_STATUSES, BATCH_TYPES, BatchFilters, BatchRow, list_batches
from core.exports import ExportSelection
from core.notices import email_candidates
from ui.batch_view import batch_view, open_batch
from ui.certificates import open_dialogs
from ui.exports import export_dialog, open_export
from ui.filters import Filter, filter_bar
from ui.jobs import job_progress
from ui.layout import page_title
from ui.pager import page_request, paged_table, pager
from ui.problems import problem_reports
from ui.services import current_actor, db

FILTERS = [
    Filter("Status", "batches_status", options=BATCH_STATUSES),
    Filter("Type", "batches_type", options=BATCH_TYPES),
    Filter("Started from", "batches_started_from", "day"),
    Filter("Started to", "batches_started_to", "day"),
    Filter("Finished from", "batches_finished_from", "day"),
    Filter("Finished to", "batches_finished_to", "day"),
]
ACTIONS = ["Please select", "Email candidates", "Export"]


def batches_frame(rows: list[BatchRow]) -> pd.DataFrame:
    """The guide's columns, those that matter first (a phone shows only the first few)."""
    return pd.DataFrame(
        {
            "Actions": ["View"] * len(rows),
            "ID": [row.id for row in rows],
            "Status": [row.status for row in rows],
            "Started": [row.started_at for row in rows],
            "Records": [row.records for row in rows],
            "Type": [row.batch_type for row in rows],
            "Email Status": [row.email_status for row in rows],
            "Finished": [row.finished_at for row in rows],
            "User": [row.user for row in rows],
            "Reference": [row.reference for row in rows],
        }
    )


def batch_actions(chosen: list[int]) -> None:
    action_col, submit_col, view_col, _ = st.columns([3, 1, 2, 4], vertical_alignment="bottom")
    action = action_col.selectbox("Action for the ticked batches", ACTIONS, key="batches_action")
    submitted = submit_col.button("Submit", type="primary", disabled=not chosen)
    if view_col.button("View ticked batch", disabled=len(chosen) != 1):
        open_batch(chosen[0])
        st.rerun()
    if submitted and action == "Email candidates":
        with db() as session:
            email_candidates(session, actor=current_actor(), batch_ids=chosen)
        st.success(f"Emailing the candidates of {len(chosen)} batch(es). Progress shows below.")
    elif submitted and action == "Export":
        open_export(ExportSelection(batch_ids=tuple(chosen)), f"{len(chosen)} batch(es)")
    elif submitted:
        st.warning("Choose an action first.")
    export_dialog()


def batch_table() -> None:
    filters = BatchFilters(*filter_bar("batches", FILTERS))
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
        return
    chosen = paged_table(
        "batches",
        result,
        batches_frame(result.rows),
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
    batch_actions(chosen)
    job_progress("email_candidates")


page_title(
    "Print Batches",
    "Batches of certificates printed for your centre, newest first. Filter them (a date "
    "alone means from that day on), tick one or more and choose **Email candidates** to "
    "tell each candidate with an email address that new documents are available. "
    "**View** opens a batch: its certificates, their document cards, and reporting a "
    "problem. Problem reports and their status are under *Problem reports*.",
)
batches_tab, problems_tab = st.tabs(["Batches", "Problem reports"])
with batches_tab:
    if "batch" in st.query_params:
        batch_view(st.query_params["batch"])
    else:
        batch_table()
with problems_tab:
    problem_reports()
open_dialogs()
