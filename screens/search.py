import datetime as dt

import streamlit as st

from core.exports import ExportSelection
from core.search import CSV_ROW_LIMIT, csv_file_name, search_certificates, search_csv
from core.users import centre_choices
from ui.certificates import certificate_actions, open_dialogs
from ui.exports import export_dialog, open_export
from ui.layout import page_title
from ui.pager import page_request, paged_table, pager, reset_to_first_page
from ui.search_form import clear, saved_criteria, search_form
from ui.services import current_actor, db, on_demand
from ui.tables import search_results_frame

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
if search_form(centres) is not None:
    reset_to_first_page("search")
criteria = saved_criteria()
if criteria is None:
    st.info("Enter at least one of the search criteria above, then press **Search**.")
    st.stop()
st.button("Clear search", on_click=clear, icon=":material/backspace:")

page, per_page = page_request("search")
with db() as session:
    result = search_certificates(
        session, actor=actor, criteria=criteria, page=page, per_page=per_page
    )
pager("search", result)
if not result.rows:
    st.info("No certificates match. Check the spelling, or search with fewer criteria.")
    st.stop()

chosen = paged_table(
    "search", result, search_results_frame(result.rows), version=hash(criteria), multi=False
)
if chosen:
    certificate_actions(chosen[0], key="search_actions")
else:
    st.caption("Tick a certificate for its details and actions.")


too_many = result.total > CSV_ROW_LIMIT
exports = st.container(horizontal=True)
exports.download_button(
    f"Export CSV ({result.total:,} rows)",
    data=on_demand(lambda session, actor: search_csv(session, actor=actor, criteria=criteria)),
    mime="text/csv",
    file_name=csv_file_name(criteria, dt.datetime.now()),
    icon=":material/download:",
    disabled=too_many,
    on_click="ignore",
    help=f"Narrow the search to {CSV_ROW_LIMIT:,} rows or fewer." if too_many else None,
)
if exports.button(f"Export PDFs ({result.total:,})", icon=":material/picture_as_pdf:"):
    open_export(ExportSelection(criteria=criteria), f"all {result.total:,} results of this search")
export_dialog()
open_dialogs()
