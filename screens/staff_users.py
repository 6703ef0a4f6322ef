import pandas as pd
import streamlit as st

from core.accounts import UserRow, list_user_requests, list_users
from core.centres import centre_names
from core.models import UserRequestStatus
from core.text import uk_datetime
from ui.filters import Filter, filter_bar
from ui.layout import page_title
from ui.pager import page_request, paged_table, pager
from ui.services import current_actor, db
from ui.staff_actions import show_done
from ui.user_admin import add_user_form, decide_request, user_actions


def users_frame(rows: list[UserRow]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Email": [row.email for row in rows],
            "Name": [row.name for row in rows],
            "Role": [row.role for row in rows],
            "Status": [row.status for row in rows],
            "Two-factor": [row.two_factor for row in rows],
            "Created": [uk_datetime(row.created_at) for row in rows],
        }
    )


def users_tab(centres: dict[int, str]) -> None:
    by_label = {label: centre_id for centre_id, label in centres.items()}
    centre, search = filter_bar(
        "users",
        [
            Filter("Centre", "users_centre", options=list(by_label)),
            Filter("Name or email", "users_search", "text", help="The start of either"),
        ],
    )
    page, per_page = page_request("users")
    with db() as session:
        result = list_users(
            session,
            actor=current_actor(),
            centre_id=by_label.get(centre),
            search=search,
            page=page,
            per_page=per_page,
        )
    pager("users", result)
    chosen = paged_table(
        "users", result, users_frame(result.rows), version=(centre, search), multi=False
    )
    ticked = [row for row in result.rows if row.id in chosen]
    if ticked:
        user_actions(ticked[0], by_label.get(centre))
    with st.expander("Add a user to a centre", icon=":material/person_add:"):
        add_user_form(centres, chosen=by_label.get(centre))


def requests_tab() -> None:
    (status,) = filter_bar(
        "requests", [Filter("Status", "requests_status", options=list(UserRequestStatus))]
    )
    page, per_page = page_request("requests")
    with db() as session:
        result = list_user_requests(
            session, actor=current_actor(), status=status, page=page, per_page=per_page
        )
    pager("requests", result)
    frame = pd.DataFrame(
        {
            "Requested": [uk_datetime(row.created_at) for row in result.rows],
            "Centre": [row.centre for row in result.rows],
            "Name": [row.name for row in result.rows],
            "Email": [row.email for row in result.rows],
            "Requested by": [row.requested_by for row in result.rows],
            "Status": [row.status for row in result.rows],
            "Reason": [row.reason for row in result.rows],
        }
    )
    chosen = paged_table("requests", result, frame, version=status, multi=False)
    if chosen:
        decide_request(chosen[0])


page_title(
    "Users",
    "Every user, by surname: filter by centre, or find one by the start of a name or "
    "email. Tick a user to change their role (a coordinator or centre user is one per "
    "centre: with the list filtered by a centre the role changes there only, else at each "
    "of their centres), **Disable** them (every sign-in they have "
    "ends at once), **Enable** them again, **Unlock** an account locked after too many "
    "wrong passwords or codes, or **Reset two-factor** for a user who lost their phone "
    "(they are signed out and emailed, and set it up again); once done the user is let "
    "go, so tick them again for another change. *Add a user to a centre* creates the "
    "account and emails a link to set a first password (read it under Outbox when no "
    "mail server is set); an existing account simply joins the centre. *Requests* "
    "holds coordinators' requests for additional users: **Approve** adds the user, "
    "**Reject** needs a reason the coordinator reads under Profile.",
)
show_done()
with db() as session:
    centres = centre_names(session, actor=current_actor())
users, requests = st.tabs(["Users", "Requests"])
with users:
    users_tab(centres)
with requests:
    requests_tab()
