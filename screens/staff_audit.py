import pandas as pd
import streamlit as st

from core.audit_log import (
    AuditFilters,
    AuditRow,
    action_label,
    audit_actions,
    list_audit_events,
)
from core.text import uk_datetime
from ui.filters import Filter, filter_bar
from ui.layout import page_title
from ui.pager import page_request, pager
from ui.services import current_actor, db


def audit_frame(rows: list[AuditRow]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "When": [uk_datetime(row.at) for row in rows],
            "User": [row.user for row in rows],
            "Centre": [row.centre for row in rows],
            "Action": [row.action for row in rows],
            "Target": [row.target for row in rows],
            "What changed": [row.detail for row in rows],
        }
    )


page_title(
    "Audit log",
    "Every change made in the portal, newest first: when, who, for which centre, what, "
    "and the value before and after. Filter by the start of a user's email or surname, "
    "the start of a centre's number or name, the action, and dates (a date alone means "
    "from that day on, or up to it).",
)
with db() as session:
    actions = {
        action_label(action): action for action in audit_actions(session, actor=current_actor())
    }
user, centre, action, date_from, date_to = filter_bar(
    "audit",
    [
        Filter("User", "audit_user", "text", help="The start of an email or surname"),
        Filter("Centre", "audit_centre", "text", help="The start of a number or name"),
        Filter("Action", "audit_action", options=list(actions)),
        Filter("From", "audit_from", "day"),
        Filter("To", "audit_to", "day"),
    ],
)
filters = AuditFilters(user, centre, actions.get(action), date_from, date_to)
page, per_page = page_request("audit")
with db() as session:
    result = list_audit_events(
        session, actor=current_actor(), filters=filters, page=page, per_page=per_page
    )
pager("audit", result)
st.dataframe(
    audit_frame(result.rows),
    hide_index=True,
    width="stretch",
    height="content",
    column_config={"What changed": st.column_config.TextColumn(width="large")},
)
if result.pages > 1:
    pager("audit", result, position="bottom")
