"""Problem reports: the table (a centre's, or every centre's for staff) and the staff
actions on the ticked report."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.problems import (
    ProblemFilters,
    ProblemRow,
    assign_problem,
    list_problem_reports,
    reply_to_problem,
    resolve_problem,
)
from core.text import uk_datetime
from ui.inputs import text_field
from ui.layout import as_text
from ui.pager import page_request, paged_table, pager
from ui.services import current_actor, db
from ui.staff_actions import run_action


def problems_frame(rows: list[ProblemRow], *, staff: bool) -> pd.DataFrame:
    """The report's columns; staff also see its centre and who has it, before the text."""
    columns = {
        "Reported": [uk_datetime(row.created_at) for row in rows],
        "Centre": [row.centre for row in rows],
        "Certificate Number": [row.certificate_number for row in rows],
        "Candidate": [row.candidate for row in rows],
        "Category": [row.category for row in rows],
        "Status": [row.status for row in rows],
        "Assigned to": [row.assigned_to for row in rows],
        "Description": [row.description for row in rows],
        "Reply": [row.reply for row in rows],
    }
    if not staff:
        del columns["Centre"], columns["Assigned to"]
    return pd.DataFrame(columns)


def problem_reports(
    filters: ProblemFilters | None = None, *, selectable: bool = False
) -> ProblemRow | None:
    """The reports table; with `selectable`, the ticked report."""
    filters = filters or ProblemFilters()
    page, per_page = page_request("problems")
    actor = current_actor()
    with db() as session:
        result = list_problem_reports(
            session, actor=actor, filters=filters, page=page, per_page=per_page
        )
    if not result.rows:
        st.info(
            "No problems reported. To report one, view a batch, tick a certificate and "
            "choose **Report a problem**."
            if filters == ProblemFilters()
            else "No reports match these filters."
        )
        return None
    pager("problems", result)
    frame = problems_frame(result.rows, staff=actor.is_staff)
    if not selectable:
        st.dataframe(frame, hide_index=True, width="stretch")
        return None
    chosen = paged_table("problems", result, frame, version=hash(filters), multi=False)
    return next((row for row in result.rows if row.id in chosen), None)


def handle_report(report: ProblemRow, staff: dict[int, str]) -> None:
    """Assign, reply and resolve, for the ticked report."""
    report_id = report.id
    with st.container(border=True):
        st.markdown(f"**{as_text(report.category)}**: {as_text(report.description)}")
        if report.reply:
            st.caption(f"Reply so far: {as_text(report.reply)}")
    assign_col, assign_button = st.columns([4, 1], vertical_alignment="bottom")
    assignee = assign_col.selectbox("Assign to", list(staff), format_func=staff.get)
    if assign_button.button("Assign", icon=":material/assignment_ind:"):
        run_action(
            lambda s, a: assign_problem(s, actor=a, report_id=report_id, staff_user_id=assignee),
            "Report assigned.",
            ticked_in="problems",
        )
    reply = text_field("Reply to the centre", 2000, area=True, key=f"problems_reply_{report_id}")
    buttons = st.container(horizontal=True)
    if buttons.button("Reply", type="primary", icon=":material/reply:"):
        run_action(
            lambda s, a: reply_to_problem(s, actor=a, report_id=report_id, reply=reply),
            "Reply saved; the centre user sees it beside the report.",
            ticked_in="problems",
        )
    if buttons.button("Resolve", icon=":material/task_alt:"):
        run_action(
            lambda s, a: resolve_problem(s, actor=a, report_id=report_id, reply=reply),
            "Report resolved.",
            ticked_in="problems",
        )
