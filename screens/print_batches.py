import streamlit as st

from core.errors import PortalError
from core.exports import ExportSelection
from core.notices import email_candidates
from ui.batch_production import production_actions
from ui.batch_table import batch_table
from ui.batch_view import batch_view, open_batch
from ui.certificates import open_dialogs
from ui.errors import show_error
from ui.exports import export_dialog, open_export
from ui.jobs import job_progress
from ui.layout import page_title
from ui.problems import problem_reports
from ui.services import current_actor, db

ACTIONS = ["Please select", "Email candidates", "Export"]


def batch_actions(chosen: list[int]) -> None:
    action_col, submit_col, view_col, _ = st.columns([3, 1, 2, 4], vertical_alignment="bottom")
    action = action_col.selectbox("Action for the ticked batches", ACTIONS, key="batches_action")
    submitted = submit_col.button("Submit", type="primary", disabled=not chosen)
    if view_col.button("View ticked batch", disabled=len(chosen) != 1):
        open_batch(chosen[0])
        st.rerun()
    if submitted and action == "Email candidates":
        _email(chosen)
    elif submitted and action == "Export":
        open_export(ExportSelection(batch_ids=tuple(chosen)), f"{len(chosen)} batch(es)")
    elif submitted:
        st.warning("Choose an action first.")
    export_dialog()


def _email(chosen: list[int]) -> None:
    try:
        with db() as session:
            email_candidates(session, actor=current_actor(), batch_ids=chosen)
    except PortalError as error:
        show_error(error)
        return
    st.success(f"Emailing the candidates of {len(chosen)} batch(es). Progress shows below.")


page_title(
    "Print Batches",
    "Batches of certificates printed for your centre, newest first, with their status "
    "(Pending, Printing, Complete, or Failed with the reason). Filter them (a date alone "
    "means from that day on; a typed date applies on Enter), tick one or more Complete "
    "batches and choose **Email candidates** to tell each candidate with an email address "
    "that new documents are available, or **Export** for their PDFs. **View** opens a "
    "batch: its certificates, their document cards, and reporting a problem. Problem "
    "reports and their status are under *Problem reports*.",
)
batches_tab, problems_tab = st.tabs(["Batches", "Problem reports"])
with batches_tab:
    if "batch" in st.query_params:
        batch_view(st.query_params["batch"])
    elif current_actor().is_staff:
        batch_table(production_actions)
    else:
        batch_table(batch_actions)
        job_progress("email_candidates")
with problems_tab:
    problem_reports()
open_dialogs()
