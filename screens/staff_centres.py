import pandas as pd
import streamlit as st

from core.centres import CentreRow, list_centres
from ui.api_keys import staff_api_keys_section
from ui.centre_form import EDITING, centre_editor
from ui.filters import Filter, filter_bar
from ui.layout import page_title
from ui.pager import page_request, paged_table, pager
from ui.services import current_actor, db

FILTERS = [Filter("Centre", "centres_search", "text", help="The start of its number or name")]


def centres_frame(rows: list[CentreRow]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Number": [row.number for row in rows],
            "Name": [row.name for row in rows],
            "Email": [row.email for row in rows],
            "Users": [row.users for row in rows],
        }
    )


def centres_table() -> int | None:
    (search,) = filter_bar("centres", FILTERS)
    page, per_page = page_request("centres")
    with db() as session:
        result = list_centres(
            session, actor=current_actor(), search=search, page=page, per_page=per_page
        )
    pager("centres", result)
    if not result.rows:
        st.info("No centre's number or name starts with that." if search else "No centres yet.")
        return None
    chosen = paged_table("centres", result, centres_frame(result.rows), version=search, multi=False)
    return chosen[0] if chosen else None


page_title(
    "Centres",
    "Every centre, by name. Find one by the start of its number or name, tick it and "
    "choose **Edit ticked centre** to change its details, or **New centre**. The billing "
    "and delivery addresses are the ones Centre Credits orders use, whatever the user "
    "types at checkout; orders already placed keep the addresses they were placed with. "
    "Users of a centre are added under *Users*. Centres' *API keys* are listed below.",
)
if message := st.session_state.pop("centres_saved", None):
    st.success(message)
chosen = centres_table()
buttons = st.container(horizontal=True)
if buttons.button("New centre", icon=":material/add_business:"):
    st.session_state[EDITING] = "new"
if buttons.button("Edit ticked centre", icon=":material/edit:", disabled=chosen is None):
    st.session_state[EDITING] = chosen
editing = st.session_state.get(EDITING)
if editing is not None:
    centre_editor(None if editing == "new" else editing)

staff_api_keys_section()
