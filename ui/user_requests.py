"""Profile, for a centre coordinator: ask the awarding body for an additional user, and
follow the answers (replacing the guide's email to the awarding body)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.accounts import list_user_requests, request_user
from core.errors import InvalidInput
from core.text import uk_datetime
from ui.errors import show_error
from ui.inputs import text_field
from ui.pager import page_request, pager
from ui.services import current_actor, db

FIELDS = ("request_first_name", "request_surname", "request_email")
OUTCOME = "request_outcome"


def _send() -> None:
    """on_click of Ask: on success the fields are emptied for the next user; a refusal
    keeps what was typed, to be corrected (a form that clears on submit lost it all)."""
    state = st.session_state
    try:
        with db() as session:
            request_user(
                session,
                actor=current_actor(),
                first_name=state.get("request_first_name", ""),
                surname=state.get("request_surname", ""),
                email=state.get("request_email", ""),
            )
    except InvalidInput as error:
        state[OUTCOME] = error
    else:
        state.update(dict.fromkeys(FIELDS, ""))
        state[OUTCOME] = None


def _ask() -> None:
    with st.form("profile_request_user_form"):
        first_col, surname_col, email_col = st.columns(3)
        text_field("New user's first name", 100, where=first_col, key="request_first_name")
        text_field("New user's surname", 100, where=surname_col, key="request_surname")
        text_field("New user's email", 254, where=email_col, key="request_email")
        st.form_submit_button("Ask for this user", icon=":material/person_add:", on_click=_send)
    if OUTCOME not in st.session_state:
        return
    outcome = st.session_state.pop(OUTCOME)
    if outcome is None:
        st.success("Sent. We will add the user, who then gets an email to set a password.")
    else:
        show_error(outcome)


def _answers() -> None:
    page, per_page = page_request("profile_requests")
    with db() as session:
        result = list_user_requests(session, actor=current_actor(), page=page, per_page=per_page)
    if not result.rows:
        return
    pager("profile_requests", result)
    st.dataframe(
        pd.DataFrame(
            {
                "Requested": [uk_datetime(row.created_at) for row in result.rows],
                "Name": [row.name for row in result.rows],
                "Email": [row.email for row in result.rows],
                "Status": [row.status for row in result.rows],
                "Reason": [row.reason for row in result.rows],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def additional_users() -> None:
    st.subheader("Additional users")
    st.caption(
        "Ask us to give someone at your centre access. Approved users get an email with a "
        "link to set their password; a rejected request shows our reason."
    )
    _ask()
    _answers()
