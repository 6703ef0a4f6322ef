import streamlit as st

from core.certificates import CertificateRow
from core.exports import ExportSelection
from core.paging import Page
from core.search import (
    CSV_ROW_LIMIT,
    SearchCriteria,
    search_certificates,
)
from core.users import centre_choices
from ui.certificates import certificate_actions, open_dialogs
from ui.errors import shown_as_message
from ui.exports import export_dialog, open_export
from ui.layout import page_title
from ui.pager import page_request, paged_table, pager
from ui.search_form import (
    RESULTS,
    forget_total,
    known_total,
    remember_total,
    saved_criteria,
    search_form,
)
from ui.services import current_actor, db, fragment_actor
from ui.tables import search_results_frame
from web.downloads import search_csv_link


def _exports(criteria: SearchCriteria, total: int) -> None:
    """Export CSV and Export PDFs. Their keys keep them the same buttons from one search to
    the next (only their labels change): without them each search drew new ones, briefly
    empty boxes while the browser built them."""
    too_many = total > CSV_ROW_LIMIT
    row = st.container(horizontal=True)
    row.link_button(
        f"Export CSV ({total:,} rows)",
        search_csv_link(criteria),
        key="search_csv",
        icon=":material/download:",
        disabled=too_many,
        help=f"Narrow the search to {CSV_ROW_LIMIT:,} rows or fewer." if too_many else None,
    )
    if row.button(
        f"Export PDFs ({total:,})", key="search_export_pdfs", icon=":material/picture_as_pdf:"
    ):
        open_export(ExportSelection(criteria=criteria), f"all {total:,} results of this search")


def _search(criteria: SearchCriteria) -> Page[CertificateRow]:
    """This page of the search, with the sign-in check in the same transaction; its
    pages are turned without counting again."""
    page, per_page = page_request("search")
    with db() as session:
        actor = fragment_actor(session)
        result = search_certificates(
            session,
            actor=actor,
            criteria=criteria,
            page=page,
            per_page=per_page,
            total=known_total(actor, criteria),
        )
    remember_total(actor, criteria, result.total)
    return result


def _found(criteria: SearchCriteria) -> None:
    result = _search(criteria)
    pager("search", result)
    if not result.rows:
        st.info("No certificates match. Check the spelling, or search with fewer criteria.")
        return
    frame = search_results_frame(result.rows)
    chosen = paged_table("search", result, frame, version=hash(criteria), multi=False)
    if chosen:
        certificate_actions(chosen[0], key="search_actions")
    _exports(criteria, result.total)


@st.fragment(key=RESULTS)
def _results() -> None:
    """What a search found. Search, the pager and a ticked row rerun only this part of
    the page, and each such rerun checks the sign-in again (fragment_actor)."""
    with shown_as_message():  # core's messages show here, in the fragment
        criteria = saved_criteria()
        if criteria is None:
            fragment_actor()
            st.info("Enter at least one of the search criteria above, then press **Search**.")
        else:
            _found(criteria)
        export_dialog()
        open_dialogs()


page_title(
    "Search",
    "Find your centre's certificates by any mix of Certificate Number, Candidate ID, "
    "First Name, Surname and date of birth. Names match from their start, whatever the "
    "case or accents (*obri* finds O'Brien, *sian* finds Siân); numbers match exactly or "
    "from their start. Date of birth: 30-September-1981, 30/09/1981 or 1981-09-30. "
    "Tick a result for its document card or to report a problem. "
    "**Export CSV** saves every result, not only this page. The address of this page "
    "keeps your search, so you can bookmark or share it.",
)
actor = current_actor()
with db() as session:
    centres = centre_choices(session, actor=actor) if actor.is_staff else None
search_form(centres)
forget_total()  # only the results' own reruns (pages, page size, a tick) reuse the count
_results()
