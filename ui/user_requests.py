"""Profile, for a centre coordinator: ask the awarding body for an additional user, and
follow the answers (replacing the guide's email to the awarding body)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.accounts import list_user_requests, request_user
from core.errors import InvalidInput
from core.text import uk_datetime
from ui.errors import show_error
from ui.pager import page_request, pager
from ui.services import current_actor, db


def _ask() -> None:
    with st.form("profile_request_user_form", clear_on_submit=True):
        first_col, surname_col, email_col = st.columns(3)
        first_name = first_col.text_input(
            "New user's first name", max_chars=100, key="request_first_name"
        )
        surname = surname_col.text_input("New user's surname", max_chars=100, key="request_surname")
        email = email_col.text_input("New user's email", max_chars=254, key="request_email")
        if st.form_submit_button("Ask for this user", icon=":material/person_add:"):
            try:
                with db() as session:
                    request_user(
                        session,
                        actor=current_actor(),
                        first_name=first_name,
                        surname=surname,
                        email=email,
                    )
            except InvalidInput as error:
                show_error(error)
            else:
                st.success("Sent. We will add the user, who then gets an email to set a password.")


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
