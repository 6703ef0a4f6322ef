import pandas as pd
import streamlit as st

from core.outbox import (
    EMAIL_STATUSES,
    STATUS_HELP,
    OutboxFilters,
    OutboxRow,
    list_outbox,
    read_email,
)
from core.text import uk_datetime
from ui.filters import Filter, filter_bar
from ui.layout import as_text, page_title
from ui.pager import page_request, paged_table, pager
from ui.services import current_actor, db

FILTERS = [
    Filter("Status", "outbox_status", options=EMAIL_STATUSES),
    Filter("To", "outbox_to", "text", help="The start of the address"),
]


def outbox_frame(rows: list[OutboxRow]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Created": [uk_datetime(row.created_at) for row in rows],
            "To": [row.to for row in rows],
            "Subject": [row.subject for row in rows],
            "Status": [row.status for row in rows],
            "Sent": [uk_datetime(row.sent_at) for row in rows],
        }
    )


def show_email(email_id: int) -> None:
    with db() as session:
        email = read_email(session, actor=current_actor(), email_id=email_id)
    with st.container(border=True):
        st.markdown(f"**{as_text(email.subject)}**")
        st.caption(
            f"#{email.id} · to {as_text(email.to)} · {uk_datetime(email.created_at)} · "
            f"{email.status}: {STATUS_HELP.get(email.status, '')}"
        )
        if email.error:
            st.warning(as_text(email.error))
        st.code(email.body, language=None, wrap_lines=True)


page_title(
    "Outbox",
    "Every email the portal has queued or sent, newest first: *queued* (waiting for the "
    "mail server), *sending*, *sent* (accepted by the mail server), *failed* (with the "
    "reason) or *outbox* (no mail server is set, so the email is kept only here). Tick "
    "one to read its text. With no mail server this is where a new user's set-password "
    "email is read, link included; once an email has been sent its link is removed here.",
)
filters = OutboxFilters(*filter_bar("outbox", FILTERS))
page, per_page = page_request("outbox")
with db() as session:
    result = list_outbox(
        session, actor=current_actor(), filters=filters, page=page, per_page=per_page
    )
pager("outbox", result)
if not result.rows:
    st.info(
        "No emails match these filters."
        if filters != OutboxFilters()
        else "No emails yet: set-password links, candidate notices and order updates show "
        "here as soon as they are queued."
    )
elif chosen := paged_table(
    "outbox", result, outbox_frame(result.rows), version=hash(filters), multi=False
):
    show_email(chosen[0])
