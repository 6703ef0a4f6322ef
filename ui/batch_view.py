"""One batch: its certificates, selectable, with the actions menu for one certificate.
Reached by ?batch=ID so that it can be bookmarked."""

from __future__ import annotations

import streamlit as st

from core.batches import NO_SUCH_BATCH, BatchRow, get_batch, list_batch_certificates
from core.errors import InvalidInput, NotFound
from core.exports import ExportSelection
from core.models import BatchStatus
from core.text import parse_id, uk_date
from ui.certificates import certificate_actions
from ui.exports import export_dialog, open_export
from ui.layout import as_text
from ui.pager import page_request, paged_table, pager
from ui.services import current_actor, db
from ui.tables import batch_certificates_frame


def open_batch(batch_id: int) -> None:
    """Show a batch in this browser tab, at its own address (?batch=ID)."""
    st.query_params["batch"] = str(batch_id)


def _back_to_batches() -> None:
    st.query_params.pop("batch", None)


def _heading(batch: BatchRow) -> None:
    st.subheader(f"Batch {batch.id}")
    st.caption(
        f"{batch.status} · {batch.batch_type} · started {uk_date(batch.started_at)}"
        f" · finished {uk_date(batch.finished_at) or '—'} · {batch.records} records"
        f" · email: {batch.email_status}"
        + (f" · {as_text(batch.reference)}" if batch.reference else "")
    )


def batch_view(raw_id: str) -> None:
    st.button("All batches", icon=":material/arrow_back:", on_click=_back_to_batches)
    actor = current_actor()
    key = f"batch_{raw_id}"
    page, per_page = page_request(key)
    try:
        with db() as session:
            batch = get_batch(session, actor=actor, batch_id=parse_id(raw_id, "batch"))
            result = list_batch_certificates(
                session, actor=actor, batch_id=batch.id, page=page, per_page=per_page
            )
    except (NotFound, InvalidInput):
        st.error(NO_SUCH_BATCH)
        return
    _heading(batch)
    pager(key, result)
    if not result.rows:
        st.info("This batch holds no certificates.")
        return
    printed = batch.status == BatchStatus.COMPLETE
    chosen = paged_table(key, result, batch_certificates_frame(result.rows, printed))
    every = st.checkbox(f"Select all {result.total:,} certificates in this batch", key=f"{key}_all")
    if len(chosen) == 1 and not every:
        st.caption("Actions for the ticked certificate")
        certificate_actions(chosen[0], key=f"{key}_actions")
    if chosen or every:
        _export_button(batch.id, chosen, every, result.total)
    else:
        st.caption("Tick a certificate for its details and actions.")
    export_dialog()


def _export_button(batch_id: int, chosen: list[int], every: bool, total: int) -> None:
    count = total if every else len(chosen)
    if st.button(f"Export {count:,} ticked certificate(s)", icon=":material/picture_as_pdf:"):
        selection = (
            ExportSelection(batch_ids=(batch_id,))
            if every
            else ExportSelection(certificate_ids=tuple(chosen))
        )
        open_export(selection, f"{count:,} certificate(s) of batch {batch_id}")
