"""Claims imports on screen: start one from an uploaded file, follow its progress (polled
every 2 seconds while the worker runs it), its outcome with each bad row and field, and
the recent imports."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from core.claims import (
    ClaimImport,
    get_claim_import,
    list_claim_imports,
    request_claims_import,
    store_claims_file,
)
from core.errors import PortalError
from core.text import uk_datetime
from ui.errors import show_error
from ui.layout import as_text
from ui.pager import page_request, paged_table, pager
from ui.services import current_actor, db, fragment_actor

SHOWN = "import_shown"


def start_import(upload: UploadedFile | None) -> None:
    """Store the file (outside any transaction), then queue its import."""
    if upload is None:
        st.warning("Choose a CSV file first.")
        return
    try:
        stored = store_claims_file(actor=current_actor(), upload=upload)
        with db() as session:
            import_id = request_claims_import(
                session, actor=current_actor(), stored_name=stored, file_name=upload.name
            )
    except PortalError as error:
        show_error(error)
        return
    st.session_state[SHOWN] = import_id


def _read(import_id: int) -> ClaimImport:
    with db() as session:
        return get_claim_import(session, actor=fragment_actor(session), import_id=import_id)


def problems_frame(claim_import: ClaimImport) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Line": [problem.line for problem in claim_import.problems],
            "Field": [problem.field for problem in claim_import.problems],
            "Problem": [problem.message for problem in claim_import.problems],
        }
    )


def _outcome(claim_import: ClaimImport) -> None:
    title = f"Import {claim_import.id} ({as_text(claim_import.file_name)})"
    if claim_import.outcome == "imported":
        st.success(f"{title}: {claim_import.summary}", icon=":material/check:")
    elif claim_import.outcome == "refused":
        st.error(f"{title}: {claim_import.summary}")
        shown = len(claim_import.problems)
        if shown < claim_import.problem_count:
            st.caption(f"The first {shown:,} of {claim_import.problem_count:,} problems:")
        st.dataframe(problems_frame(claim_import), hide_index=True, width="stretch")
    else:
        st.error(f"{title}: {as_text(claim_import.summary)}")


@st.fragment(run_every=2)
def _poll(import_id: int) -> None:
    claim_import = _read(import_id)
    if not claim_import.is_running:
        st.rerun(scope="app")
    done = claim_import.progress / claim_import.total if claim_import.total else 0.0
    st.progress(min(done, 1.0), text=f"Import {import_id}: {claim_import.status_text}")


def import_status() -> None:
    """The import this user started or chose: progress while it runs, then its outcome."""
    import_id = st.session_state.get(SHOWN)
    if import_id is None:
        return
    claim_import = _read(import_id)
    if claim_import.is_running:
        _poll(import_id)
    else:
        _outcome(claim_import)


def imports_frame(rows: list[ClaimImport]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ID": [row.id for row in rows],
            "File": [row.file_name for row in rows],
            "Status": [row.status_text for row in rows],
            "Summary": [row.summary for row in rows],
            "Requested by": [row.requested_by for row in rows],
            "Requested at": [uk_datetime(row.requested_at) for row in rows],
        }
    )


def recent_imports() -> None:
    """Every import, newest first; tick one to show its outcome above."""
    page, per_page = page_request("imports")
    with db() as session:
        result = list_claim_imports(session, actor=current_actor(), page=page, per_page=per_page)
    if not result.rows:
        st.caption("No claims have been imported yet.")
        return
    pager("imports", result)
    chosen = paged_table("imports", result, imports_frame(result.rows), multi=False)
    if chosen and chosen[0] != st.session_state.get(SHOWN):
        st.session_state[SHOWN] = chosen[0]
        st.rerun()
