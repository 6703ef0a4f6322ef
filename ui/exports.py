"""Exports on screen: the Export dialog (Print Batches, a batch, Search) and the
Document Downloads table, which redraws itself every few seconds while an export is
Pending. The dialog stays open through reruns by a flag in session_state."""

from __future__ import annotations

import streamlit as st

from core.errors import InvalidInput, NotFound
from core.exports import (
    NOT_INCLUDED,
    ExportPlan,
    ExportRow,
    ExportSelection,
    list_exports,
    plan_export,
    request_export,
)
from core.paging import Page
from core.text import uk_datetime
from ui.errors import show_error
from ui.inputs import text_field
from ui.layout import as_text
from ui.navigation import DOWNLOADS
from ui.pager import page_request, pager
from ui.services import current_actor, db, fragment_actor
from web.downloads import export_link

OPEN = "export_open"
CREATED = "export_created"
COLUMNS = [2.2, 2.6, 1.1, 1.6, 1.5, 2.2, 1.4]
RULE = "<hr style='margin:0;border:none;border-top:1px solid rgba(49,51,63,0.15)'>"
HEADINGS = [
    "File name",
    "Description",
    "Certificates",
    "Requested by",
    "Requested at",
    "Status",
    "Download",
]


def open_export(selection: ExportSelection, chosen: str) -> None:
    """Open the Export dialog for `selection` (`chosen` says what it is, in words)."""
    st.session_state[OPEN] = (selection, chosen)


def _close() -> None:
    st.session_state.pop(OPEN, None)


def _what_it_holds(plan: ExportPlan, chosen: str) -> None:
    """Before anything is typed: how many PDFs, and what is left out and why."""
    st.markdown(
        f"Secure PDFs of **{as_text(chosen)}**, in one zip file: "
        f"**{plan.with_pdf:,} PDF{'s' if plan.with_pdf != 1 else ''}**."
    )
    if plan.left_out:
        reasons = "\n".join(f"- {reason}" for reason in plan.left_out_reasons)
        st.warning(
            f"**{plan.left_out:,} left out**, and listed in {NOT_INCLUDED} in the zip:\n\n"
            + reasons,
            icon=":material/info:",
        )


@st.dialog("Export certificates", on_dismiss=_close)
def _export_dialog(selection: ExportSelection, chosen: str) -> None:
    try:
        with db() as session:
            plan = plan_export(session, actor=current_actor(), selection=selection)
    except (InvalidInput, NotFound) as error:
        show_error(error)
        return
    if plan.refusal:
        st.error(plan.refusal)
        return
    _what_it_holds(plan, chosen)
    with st.form("export_form"):
        file_name = text_field("File name", 100, placeholder="June results")
        description = text_field("Description", 500, area=True)
        export = st.form_submit_button("Export", type="primary", icon=":material/picture_as_pdf:")
    if not export:
        return
    try:
        with db() as session:
            request_export(
                session,
                actor=current_actor(),
                selection=selection,
                file_name=file_name,
                description=description,
            )
    except (InvalidInput, NotFound) as error:
        show_error(error)
        return
    _close()
    st.session_state[CREATED] = True
    st.rerun()


def export_dialog() -> None:
    """Where a screen's export actions are: the open dialog, or the note that an export
    was created, with the way to Document Downloads."""
    if st.session_state.pop(CREATED, False):
        st.success(
            "Export created. Its PDFs are being made in the background: follow it, and "
            "download the zip when it is Finished, in Document Downloads.",
            icon=":material/check:",
        )
        st.page_link(DOWNLOADS.path, label="Go to Document Downloads", icon=":material/download:")
    if (request := st.session_state.get(OPEN)) is not None:
        _export_dialog(*request)


# Document Downloads --------------------------------------------------------------------


def _page(page: int, per_page: int) -> Page[ExportRow]:
    with db() as session:
        return list_exports(session, actor=fragment_actor(session), page=page, per_page=per_page)


def _status(column, row: ExportRow) -> None:
    if row.status == "Pending":
        column.progress(row.progress / row.total if row.total else 0.0, text=row.status_text)
    elif row.status == "Failed":
        column.markdown(f":red[{as_text(row.status_text)}]")
    else:
        column.markdown(row.status_text)
    if row.skipped_text:
        column.caption(row.skipped_text)


def _row(row: ExportRow) -> None:
    """One export; on a phone its cells line up Download first, each with its heading
    (the downloads_row styles in ui/layout.py)."""
    cells = st.container(key=f"downloads_row_{row.id}").columns(
        COLUMNS, vertical_alignment="center"
    )
    cells[0].markdown(as_text(row.file_name))
    cells[1].markdown(as_text(row.description) or "—")
    cells[2].markdown(f"{row.certificates:,}")
    cells[3].markdown(as_text(row.requested_by))
    cells[4].markdown(uk_datetime(row.requested_at))
    _status(cells[5], row)
    if row.can_download:
        # An HTTP download (web.downloads): streamed from storage, the sign-in and
        # centre checked again by the request itself.
        cells[6].link_button(
            "Download", export_link(row.id), icon=":material/download:", key=f"download_{row.id}"
        )


def _rows(rows: list[ExportRow]) -> None:
    with st.container(border=True):
        headings = st.container(key="downloads_headings").columns(COLUMNS)
        for cell, heading in zip(headings, HEADINGS, strict=True):
            cell.markdown(f"**{heading}**")
        for row in rows:
            st.html(RULE)
            _row(row)


def _pending(rows: list[ExportRow]) -> bool:
    return any(row.status == "Pending" for row in rows)


@st.fragment(run_every=3)
def _live_rows(page: int, per_page: int) -> None:
    rows = _page(page, per_page).rows
    _rows(rows)
    if not _pending(rows):
        st.rerun(scope="app")  # stop polling once nothing on this page is Pending


def exports_table() -> None:
    """The centre's exports, newest first, paged; Pending rows update by themselves."""
    page, per_page = page_request("downloads")
    result = _page(page, per_page)
    pager("downloads", result)
    if not result.rows:
        st.info("No exports yet. Export certificates from Print Batches or Search.")
        return
    if _pending(result.rows):
        _live_rows(result.page, result.per_page)
    else:
        _rows(result.rows)
    pager("downloads", result, position="bottom")
