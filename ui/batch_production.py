"""Staff's actions on a ticked batch: move it on through production (Pending, Printing,
Complete, or Failed with a reason), or open it."""

from __future__ import annotations

import streamlit as st

from core.batches import NEXT_STATUSES, BatchRow, get_batch, set_batch_status
from core.errors import PortalError
from core.models import BatchStatus
from ui.batch_view import open_batch
from ui.errors import show_error
from ui.inputs import text_field
from ui.pager import untick
from ui.services import current_actor, db

MOVED = "batches_moved"


def _move(batch_id: int, status: str, reason: str) -> None:
    try:
        with db() as session:
            row = set_batch_status(
                session, actor=current_actor(), batch_id=batch_id, status=status, reason=reason
            )
    except PortalError as error:
        show_error(error)
        return
    st.session_state[MOVED] = f"Batch {row.id} is now {row.status.title()}."
    untick("batches")
    st.rerun()


def production_actions(chosen: list[int]) -> None:
    """Tick one batch to move it on; the allowed next statuses are offered."""
    if message := st.session_state.pop(MOVED, None):
        st.success(message, icon=":material/check:")
    if len(chosen) != 1:
        st.caption(
            "Tick one batch to move it on: Pending, Printing, then Complete (its centre may "
            "then export it and email its candidates), or Failed with the reason."
        )
        return
    with db() as session:
        batch = get_batch(session, actor=current_actor(), batch_id=chosen[0])
    if NEXT_STATUSES[batch.status]:
        _status_form(batch)
    else:
        st.caption(f"Batch {batch.id} is Complete: production is finished.")
    if st.button("View ticked batch", key="batches_view_staff"):
        open_batch(batch.id)
        st.rerun()


def _status_form(batch: BatchRow) -> None:
    with st.form(f"batch_status_{batch.id}", border=True):
        st.markdown(f"**Batch {batch.id}** is {batch.status.title()}.")
        status = st.radio(
            "Move it to",
            NEXT_STATUSES[batch.status],
            format_func=str.title,
            horizontal=True,
            key=f"batches_move_{batch.id}",
        )
        reason = text_field("Reason (for Failed)", 300, key=f"batches_reason_{batch.id}")
        if st.form_submit_button("Save status", type="primary", icon=":material/save:"):
            _move(batch.id, status, reason if status == BatchStatus.FAILED else "")
