"""Staff's counts of batches by status for each centre, under the same filters."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.batches import BatchFilters, CentreBatchCounts, count_batches_by_centre
from ui.pager import page_request, pager
from ui.services import current_actor, db


def counts_frame(rows: list[CentreBatchCounts]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Centre Number": [row.centre_number for row in rows],
            "Centre": [row.centre_name for row in rows],
            "Pending": [row.pending for row in rows],
            "Printing": [row.printing for row in rows],
            "Complete": [row.complete for row in rows],
            "Failed": [row.failed for row in rows],
            "Total": [row.total for row in rows],
        }
    )


def batch_counts(filters: BatchFilters) -> None:
    page, per_page = page_request("batch_counts")
    with db() as session:
        result = count_batches_by_centre(
            session, actor=current_actor(), filters=filters, page=page, per_page=per_page
        )
    pager("batch_counts", result)
    st.dataframe(counts_frame(result.rows), hide_index=True, width="stretch", height="content")
