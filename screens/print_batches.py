import pandas as pd
import streamlit as st

from core.batches import BATCH_STATUSES, BATCH_TYPES, BatchFilters, BatchRow, list_batches
from core.exports import ExportSelection
from core.notices import email_candidates
from ui.batch_view import batch_view
from ui.certificates import open_dialogs
from ui.exports import export_dialog, open_export
from ui.filters import choice, date_range, reset
from ui.jobs import job_progress
from ui.layout import page_title
from ui.pager import page_request, paged_table, pager, reset_to_first_page
from ui.problems import problem_reports
from ui.services import current_actor, db

FILTER_KEYS = ["batches_status", "batches_type", "batches_started", "batches_finished"]
ACTIONS = ["Please select", "Email candidates", "Export"]


def batch_filters() -> BatchFilters:
    status_col, type_col, started_col, finished_col, buttons = st.columns([2, 2, 3, 3, 2])
    with status_col:
        status = choice("Status", BATCH_STATUSES, "batches_status")
    with type_col:
        batch_type = choice("Type", BATCH_TYPES, "batches_type")
    with started_col:
        started = date_range("Started", "batches_started")
    with finished_col:
        finished = date_range("Finished", "batches_finished")
    buttons.button(
        "Reset",
        on_click=reset,
        args=(FILTER_KEYS,),
        width="stretch",
        icon=":material/filter_alt_off:",
    )
    buttons.button("Refresh", width="stretch", icon=":material/refresh:")
    filters = BatchFilters(status, batch_type, *started, *finished)
    if st.session_state.get("batches_filters") != filters:
        st.session_state["batches_filters"] = filters
        reset_to_first_page("batches")
    return filters


def batches_frame(rows: list[BatchRow]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ID": [row.id for row in rows],
            "Status": [row.status for row in rows],
            "Started": [row.started_at for row in rows],
            "Finished": [row.finished_at for row in rows],
            "User": [row.user for row in rows],
            "Records": [row.records for row in rows],
            "Email Status": [row.email_status for row in rows],
            "Type": [row.batch_type for row in rows],
            "Reference": [row.reference for row in rows],
            "Actions": [f"print-batches?batch={row.id}" for row in rows],
        }
    )


def batch_actions(chosen: list[int]) -> None:
    action_col, submit_col, view_col, _ = st.columns([3, 1, 2, 4], vertical_alignment="bottom")
    action = action_col.selectbox("Action for the ticked batches", ACTIONS, key="batches_action")
    submitted = submit_col.button("Submit", type="primary", disabled=not chosen)
    if view_col.button("View ticked batch", disabled=len(chosen) != 1):
        st.query_params["batch"] = str(chosen[0])
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
    filters = batch_filters()
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
            "ID": st.column_config.NumberColumn(format="%d"),
            "Started": st.column_config.DatetimeColumn(format="DD/MM/YYYY"),
            "Finished": st.column_config.DatetimeColumn(format="DD/MM/YYYY"),
            "Actions": st.column_config.LinkColumn(display_text="View", help="Open the batch"),
        },
    )
    batch_actions(chosen)
    job_progress("email_candidates")


page_title(
    "Print Batches",
    "Batches of certificates printed for your centre, newest first. Filter them, tick "
    "one or more and choose an action: **Email candidates** tells each candidate with an "
    "email address that new documents are available; **Export** makes secure PDFs. "
    "**View** a batch to see its certificates, their document cards, order duplicates or "
    "report a problem. Problem reports and their status are under *Problem reports*.",
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
