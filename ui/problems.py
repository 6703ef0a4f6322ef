"""The centre's problem reports and their status."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.problems import list_problem_reports
from core.text import uk_datetime
from ui.pager import page_request, pager
from ui.services import current_actor, db


def problem_reports() -> None:
    page, per_page = page_request("problems")
    with db() as session:
        result = list_problem_reports(session, actor=current_actor(), page=page, per_page=per_page)
    if not result.rows:
        st.info(
            "No problems reported. To report one, view a batch, tick a certificate and "
            "choose **Report a problem**."
        )
        return
    pager("problems", result)
    st.dataframe(
        pd.DataFrame(
            {
                "Reported": [uk_datetime(row.created_at) for row in result.rows],
                "Certificate Number": [row.certificate_number for row in result.rows],
                "Candidate": [row.candidate for row in result.rows],
                "Category": [row.category for row in result.rows],
                "Description": [row.description for row in result.rows],
                "Status": [row.status for row in result.rows],
            }
        ),
        hide_index=True,
        width="stretch",
    )
