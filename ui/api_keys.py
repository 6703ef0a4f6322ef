"""API keys in Profile (a coordinator, for the active centre) and on staff's Centres
page (every centre's): make one (shown once), see them with their last use, revoke."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core.api_keys import MAX_DAYS, KeyRow, create_api_key, list_api_keys, revoke_api_key
from core.errors import PortalError
from core.models import ApiKeyScope, utcnow
from core.text import uk_date, uk_datetime
from ui.errors import show_error
from ui.inputs import text_field
from ui.services import current_actor, db

SCOPES = {
    ApiKeyScope.READ.value: "Read: batches and certificates",
    ApiKeyScope.EXPORT.value: "Read and export: also request exports of PDFs",
}
NEW_KEY = "profile_api_new_key"


def _frame(rows: list[KeyRow], with_centre: bool) -> pd.DataFrame:
    now = utcnow()
    frame = {
        "Name": [row.name for row in rows],
        "Key starts": [f"dck_{row.prefix}_…" for row in rows],
        "Scope": [row.scope for row in rows],
        "Status": [row.status(now) for row in rows],
        "Expires": [uk_date(row.expires_at) for row in rows],
        "Last used": [uk_datetime(row.last_used_at) or "Never" for row in rows],
        "From": [row.last_used_from for row in rows],
        "Created": [uk_datetime(row.created_at) for row in rows],
    }
    if with_centre:
        frame = {"Centre": [row.centre for row in rows], **frame}
    return pd.DataFrame(frame)


def _new_key_form() -> None:
    today = dt.date.today()
    with st.form("profile_api_key_form", clear_on_submit=True):
        name_col, expiry_col = st.columns([2, 1])
        name = text_field(
            "Key name", 100, where=name_col, help="Which system uses it, e.g. 'College MIS'."
        )
        expires_on = expiry_col.date_input(
            "Expires on",
            value=today + dt.timedelta(days=90),
            min_value=today + dt.timedelta(days=1),
            max_value=today + dt.timedelta(days=MAX_DAYS),
            format="DD/MM/YYYY",
        )
        scope = st.radio("Scope", options=list(SCOPES), format_func=SCOPES.get, horizontal=True)
        if st.form_submit_button("Create API key", icon=":material/key:"):
            try:
                with db() as session:
                    made = create_api_key(
                        session,
                        actor=current_actor(),
                        name=name,
                        expires_on=expires_on,
                        scope=scope,
                    )
            except PortalError as error:
                show_error(error)
            else:
                st.session_state[NEW_KEY] = made.secret


def _revoke(rows: list[KeyRow], key: str) -> None:
    active = {row.id: f"{row.name} (dck_{row.prefix}_…)" for row in rows if row.revoked_at is None}
    if not active:
        return
    chosen_col, button_col = st.columns([3, 1], vertical_alignment="bottom")
    chosen = chosen_col.selectbox(
        "Key to revoke", options=list(active), format_func=active.get, key=f"{key}_revoke_pick"
    )
    if button_col.button("Revoke", icon=":material/key_off:", key=f"{key}_revoke"):
        try:
            with db() as session:
                revoke_api_key(session, actor=current_actor(), key_id=chosen)
        except PortalError as error:
            show_error(error)
        else:
            st.rerun()


def api_keys_section() -> None:
    """Profile: the active centre's keys, for its coordinator."""
    st.subheader("API keys")
    st.caption(
        "Your centre's own systems can read its batches and certificates, and request "
        "exports, through the portal's API with a key (see the API guide). A key is shown "
        "once: copy it then. Revoke a key you no longer use."
    )
    _new_key_form()
    if secret := st.session_state.pop(NEW_KEY, None):
        st.warning(
            "Copy this key now: it is shown only once and we keep only a fingerprint of it.",
            icon=":material/key:",
        )
        st.code(secret, language=None)
    with db() as session:
        rows = list_api_keys(session, actor=current_actor())
    if rows:
        st.dataframe(_frame(rows, with_centre=False), hide_index=True, width="stretch")
        _revoke(rows, "profile_api")


def staff_api_keys_section() -> None:
    """Staff: every centre's keys, any of which they may revoke."""
    st.subheader("API keys")
    st.caption("Every centre's API keys, newest first. Revoking one stops it at once.")
    with db() as session:
        rows = list_api_keys(session, actor=current_actor())
    if not rows:
        st.info("No centre has an API key yet.")
        return
    st.dataframe(_frame(rows, with_centre=True), hide_index=True, width="stretch")
    _revoke(rows, "centres_api")
