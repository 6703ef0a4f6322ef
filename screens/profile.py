import streamlit as st

from core.auth import AccountLocked, change_password
from core.errors import InvalidInput
from core.models import Role
from core.users import centres_for, set_active_centre, update_personal_details
from core.users import find_user_by_id as find_user
from ui.api_keys import api_keys_section
from ui.errors import show_error
from ui.inputs import text_field
from ui.layout import page_title
from ui.services import current_actor, db
from ui.two_factor import profile_section
from ui.user_requests import additional_users

page_title(
    "Profile",
    "Your sign-in details and your personal details. Each part saves on its own. "
    "Changing your password signs you out everywhere else. If you work for more than one "
    "centre, **Centre** chooses the one every page shows. *Two-factor sign-in* turns on "
    "codes from a phone app after your password, makes new recovery codes, and signs you "
    "out everywhere; a coordinator can require it of everyone at the centre. A centre "
    "coordinator asks us for *Additional users* here and sees our answer, and makes the "
    "centre's *API keys*.",
)
actor = current_actor()
with db() as session:
    user = find_user(session, user_id=actor.user_id)
    centres = {centre.id: centre.name for centre in centres_for(session, user=user)}

credentials, details = st.columns(2, gap="large")
with credentials, st.form("profile_password_form", clear_on_submit=True):
    st.subheader("Sign-in details")
    st.text_input("Username", value=user.email, disabled=True, help="Your email address.")
    current = st.text_input("Current password", type="password", autocomplete="current-password")
    new = st.text_input(
        "New password",
        type="password",
        autocomplete="new-password",
        help="At least 10 characters and hard to guess: not containing your name, email "
        "or centre, not one of the most common passwords, not a common word or a repeat. "
        "A few unrelated words together work well.",
    )
    confirm = st.text_input("Confirm password", type="password", autocomplete="new-password")
    if st.form_submit_button("Save", type="primary", key="profile_save_password"):
        try:
            change_password(user_id=actor.user_id, current=current, new=new, confirm=confirm)
        except InvalidInput as error:
            show_error(error)
            if isinstance(error, AccountLocked):
                st.session_state["signed_in_at"] = None
        else:
            st.session_state["signed_in_at"] = None
            st.success("Password changed. Sign in again with the new password.")

with details, st.form("profile_details_form"):
    st.subheader("Personal details")
    centre_id = None
    if actor.is_staff:
        st.caption("Staff see every centre; each screen filters by one when you choose.")
    else:
        centre_id = st.selectbox(
            "Centre",
            options=list(centres),
            format_func=centres.get,
            index=list(centres).index(actor.centre_id) if actor.centre_id in centres else 0,
            disabled=not centres,
        )
    first_name = text_field("First name", 100, value=user.first_name)
    surname = text_field("Surname", 100, value=user.surname)
    telephone = text_field("Telephone", 40, value=user.telephone)
    mobile = text_field("Mobile", 40, value=user.mobile)
    if st.form_submit_button("Save", type="primary", key="profile_save_details"):
        try:
            with db() as session:
                update_personal_details(
                    session,
                    user_id=actor.user_id,
                    first_name=first_name,
                    surname=surname,
                    telephone=telephone,
                    mobile=mobile,
                )
                if centre_id is not None and centre_id != actor.centre_id:
                    set_active_centre(session, user_id=actor.user_id, centre_id=centre_id)
        except InvalidInput as error:
            show_error(error)
        else:
            st.session_state["profile_details_saved"] = True
            st.rerun()  # the header above shows the new name and centre at once
    if st.session_state.pop("profile_details_saved", False):
        st.success("Personal details saved.")

profile_section()

if actor.role == Role.COORDINATOR:
    additional_users()
    api_keys_section()
