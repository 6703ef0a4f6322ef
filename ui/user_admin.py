"""Staff actions on users: the ticked user's role and account, adding a user to a
centre, and deciding a coordinator's request for a user."""

from __future__ import annotations

import streamlit as st

from core.accounts import (
    ROLE_NAMES,
    NewUser,
    UserRow,
    add_user,
    approve_user_request,
    change_role,
    disable_user,
    enable_user,
    reject_user_request,
    unlock_user,
)
from core.models import Role
from core.two_factor import reset_second_factor
from ui.layout import as_text
from ui.staff_actions import run_action

ROLES = list(Role)


def user_actions(user: UserRow, centre_id: int | None = None) -> None:
    """Role, disable or enable, unlock: for the ticked user. A centre role is changed at
    the centre the list is filtered by, else at every centre of the user."""
    user_id = user.id
    st.markdown(f"**Ticked:** {as_text(user.name)} · {as_text(user.email)} · {user.status}")
    role_col, *buttons = st.columns([2, 1, 1, 1, 1, 1], vertical_alignment="bottom")
    current = next(role for role, name in ROLE_NAMES.items() if name == user.role)
    role = role_col.selectbox(
        "Role",
        ROLES,
        index=ROLES.index(current),
        format_func=ROLE_NAMES.get,
        key=f"users_role_{user_id}",
    )
    if buttons[0].button("Change role", icon=":material/badge:"):
        run_action(
            lambda s, a: change_role(s, actor=a, user_id=user_id, role=role, centre_id=centre_id),
            f"Role changed to {ROLE_NAMES[role]}.",
            ticked_in="users",
        )
    if buttons[1].button("Disable", icon=":material/block:", help="Their sign-ins end now"):
        run_action(
            lambda s, a: disable_user(s, actor=a, user_id=user_id),
            "User disabled.",
            ticked_in="users",
        )
    if buttons[2].button("Enable", icon=":material/check_circle:"):
        run_action(
            lambda s, a: enable_user(s, actor=a, user_id=user_id),
            "User enabled.",
            ticked_in="users",
        )
    if buttons[3].button("Unlock", icon=":material/lock_open:"):
        run_action(
            lambda s, a: unlock_user(s, actor=a, user_id=user_id),
            "Account unlocked.",
            ticked_in="users",
        )
    if buttons[4].button(
        "Reset two-factor",
        icon=":material/phonelink_erase:",
        help="A lost phone: their second factor, recovery codes and remembered browsers "
        "end, they are signed out and emailed",
    ):
        run_action(
            lambda s, a: reset_second_factor(s, actor=a, user_id=user_id),
            "Two-factor sign-in reset; the user is signed out and emailed.",
            ticked_in="users",
        )


def add_user_form(centres: dict[int, str], chosen: int | None = None) -> None:
    """A new user gets an email with a link to set a first password. The centre the
    list is filtered by is chosen for them (else the first)."""
    ids = list(centres)
    with st.form("users_add_form", clear_on_submit=True):
        centre_col, role_col = st.columns([2, 1])
        centre_id = centre_col.selectbox(
            "Centre",
            ids,
            index=ids.index(chosen) if chosen in centres else 0,
            format_func=centres.get,
        )
        role = role_col.selectbox("Role", ROLES[:2], format_func=ROLE_NAMES.get)
        first_col, surname_col, email_col = st.columns(3)
        new = NewUser(
            first_col.text_input("First name"),
            surname_col.text_input("Surname"),
            email_col.text_input("Email"),
            role,
        )
        if st.form_submit_button("Add user", type="primary", icon=":material/person_add:"):
            run_action(
                lambda s, a: add_user(s, actor=a, centre_id=centre_id, new=new),
                "User added. A new account is emailed a link to set a first password "
                "(see Outbox when no mail server is set).",
            )


def decide_request(request_id: int) -> None:
    """Approve (creates the user and emails them) or reject with a reason."""
    approve_col, reason_col, reject_col = st.columns([1, 4, 1], vertical_alignment="bottom")
    if approve_col.button("Approve", type="primary", icon=":material/how_to_reg:"):
        run_action(
            lambda s, a: approve_user_request(s, actor=a, request_id=request_id),
            "Approved: the user is added and emailed a link to set a first password.",
            ticked_in="requests",
        )
    reason = reason_col.text_input("Reason for rejecting (the coordinator reads it)")
    if reject_col.button("Reject", icon=":material/person_off:"):
        run_action(
            lambda s, a: reject_user_request(s, actor=a, request_id=request_id, reason=reason),
            "Rejected; the coordinator sees the reason under Profile.",
            ticked_in="requests",
        )
