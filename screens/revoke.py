import streamlit as st

from core.errors import PortalError
from core.revocation import find_for_revocation, revoke_certificate
from core.text import uk_date
from ui.certificates import card_table
from ui.errors import show_error
from ui.inputs import text_field
from ui.layout import as_text, page_title
from ui.services import current_actor, db

page_title(
    "Revoke certificate",
    "Find a certificate of any centre by its number, say why, and revoke it. From then on "
    "the public Verify page says Revoked with the date, exports leave it out (the reason "
    "is listed in the export), and reprints and proof letters of it are refused. "
    "Revoking is recorded in the audit log and cannot be undone here.",
)

with st.form("revoke_find_form"):
    number = text_field("Certificate number", 40, placeholder="016559933-01-1800")
    if st.form_submit_button("Find", icon=":material/search:"):
        st.session_state["revoke_number"] = number.strip()

number = st.session_state.get("revoke_number", "")
if number:
    try:
        with db() as session:
            card = find_for_revocation(session, actor=current_actor(), number=number)
    except PortalError as error:
        show_error(error)
        st.stop()
    st.html(
        card_table(
            [
                ("Certificate number", card.number),
                ("Holder", card.full_name),
                ("Qualification", card.qualification_title),
                ("Centre", card.centre),
                ("Issue date", uk_date(card.issue_date)),
            ]
        )
    )
    if card.revoked:
        st.error(as_text(card.revoked_text), icon=":material/block:")
        st.stop()
    with st.form("revoke_form"):
        reason = text_field("Reason for revoking", 300, area=True)
        confirmed = st.checkbox("I understand that this certificate will no longer be valid.")
        revoke = st.form_submit_button(
            "Revoke certificate", type="primary", icon=":material/block:"
        )
    if revoke and not confirmed:
        st.warning("Tick the box to confirm first.")
    elif revoke:
        try:
            with db() as session:
                card = revoke_certificate(
                    session, actor=current_actor(), number=number, reason=reason
                )
        except PortalError as error:
            show_error(error)
        else:
            st.success(as_text(f"Certificate {card.number}: {card.revoked_text}"))
