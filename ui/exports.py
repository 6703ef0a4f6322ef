"""Exports on screen: the Export dialog (Print Batches, a batch, Search) and the
Document Downloads table, which redraws itself every few seconds while an export is
Pending. The dialog stays open through reruns by a flag in session_state."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.errors import InvalidInput, NotFound
from core.exports import (
    ExportRow,
    ExportSelection,
    find_download,
    list_exports,
    read_download,
    request_export,
)
from core.paging import Page
from core.text import uk_datetime
from ui.errors import show_error
from ui.layout import as_text
from ui.navigation import DOWNLOADS
from ui.pager import page_request, pager
from ui.services import current_actor, db, fragment_actor, on_demand

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


@st.dialog("Export certificates", on_dismiss=_close)
def _export_dialog(selection: ExportSelection, chosen: str) -> None:
    st.markdown(
        f"Secure PDFs of **{chosen}**, in one zip file. Certificates issued before "
        "1 November 2017 have no PDF; they are listed in the zip instead."
    )
    with st.form("export_form"):
        file_name = st.text_input("File name", max_chars=100, placeholder="June results")
        description = st.text_area("Description", max_chars=500)
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


def _zip_of(export_id: int) -> Callable[[], bytes]:
    """The zip's bytes, read when the button is clicked (outside the script run: the
    sign-in is checked again then, and the file is read outside the transaction)."""
    find = on_demand(
        lambda session, actor: find_download(session, actor=actor, export_id=export_id)
    )
    return lambda: read_download(find())


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
        cells[6].download_button(
            "Download",
            data=_zip_of(row.id),
            file_name=row.file_name,
            mime="application/zip",
            key=f"download_{row.id}",
            on_click="ignore",
            icon=":material/download:",
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
