"""The form that creates or edits a centre: its details and the two addresses on file
that Centre Credits orders use."""

from __future__ import annotations

import streamlit as st

from core.addresses import AddressInput
from core.centres import CentreInput, centre_form, create_centre, update_centre
from core.errors import InvalidInput
from ui.errors import show_error
from ui.ordering import address_form
from ui.services import current_actor, db

EDITING = "centres_editing"  # "new", or the id of the centre being edited


def _saved(centre_id: int | None) -> CentreInput:
    if centre_id is None:
        return CentreInput("", "", "", AddressInput(), AddressInput())
    with db() as session:
        return centre_form(session, actor=current_actor(), centre_id=centre_id)


def _save(centre_id: int | None, values: CentreInput) -> None:
    try:
        with db() as session:
            if centre_id is None:
                saved = create_centre(session, actor=current_actor(), centre=values)
            else:
                saved = update_centre(
                    session, actor=current_actor(), centre_id=centre_id, centre=values
                )
            st.session_state["centres_saved"] = f"Centre {saved.number} {saved.name} saved."
    except InvalidInput as error:
        show_error(error)
        return
    st.session_state.pop(EDITING, None)
    st.rerun()


def centre_editor(centre_id: int | None) -> None:
    """A new centre (`centre_id` None) or an existing one's details."""
    saved = _saved(centre_id)
    prefix = f"centre_{centre_id or 'new'}"
    st.subheader("New centre" if centre_id is None else f"Edit centre {saved.number}")
    with st.form(f"{prefix}_form", border=True):
        number_col, name_col, email_col = st.columns([1, 2, 2])
        number = number_col.text_input("Centre number", saved.number, key=f"{prefix}_number")
        name = name_col.text_input("Centre name", saved.name, key=f"{prefix}_name")
        email = email_col.text_input("Centre email", saved.email, key=f"{prefix}_email")
        billing_col, delivery_col = st.columns(2, gap="large")
        with billing_col:
            st.markdown("**Billing address** (invoices for Centre Credits)")
            billing = address_form(f"{prefix}_billing", saved.billing, to_person=False)
        with delivery_col:
            st.markdown("**Delivery address** (certificates ordered on Centre Credits)")
            delivery = address_form(f"{prefix}_delivery", saved.delivery, to_person=False)
        save_col, cancel_col = st.columns([1, 5])
        if save_col.form_submit_button("Save centre", type="primary"):
            _save(centre_id, CentreInput(number, name, email, billing, delivery))
        if cancel_col.form_submit_button("Cancel"):
            st.session_state.pop(EDITING, None)
            st.rerun()
