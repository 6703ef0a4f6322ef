"""The sign-in gate, the sign-in form and logout.

core.auth judges every password (lockout counted atomically, the same time for every
address) and decides whether a sign-in still holds. The cookie is HttpOnly and only HTTP
responses set or delete it (web.auth): after a good password this page issues a
single-use sign-in ticket (core.sessions) and a script posts it to /auth/session, whose
response sets the cookie; the script never sees the cookie. Logout posts to
/auth/logout, which deletes it. Each new Streamlit session reads the cookie from its
websocket's handshake (st.context.cookies). The page keeps the tab signed in meanwhile
(session_state), so nothing waits for the cookie; streamlit-authenticator is not used:
its login widget judges passwords before an attempt can be counted, and its cookie
component's rerun could swallow a click.
"""

from __future__ import annotations

import logging
import time
from typing import NoReturn

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core import auth, two_factor
from core.config import get_settings
from core.errors import InvalidInput
from core.links import same_origin_path_or
from core.models import User
from core.sessions import issue_sign_in_ticket
from core.users import actor_for
from ui.errors import show_error
from ui.inputs import text_field
from ui.layout import page_title
from ui.navigation import FORGOT_PASSWORD, SIGN_IN, VERIFY
from ui.services import SESSION_ENDED, checked_now, db
from web.auth import LOGOUT_PATH, SESSION_PATH
from web.scripts import SIGN_IN as POST_TICKET
from web.scripts import SIGN_OUT, script_tag

log = logging.getLogger(__name__)
_PENDING_TICKET = "auth_pending_ticket"
_PENDING_LOGOUT = "auth_pending_logout"
_SECOND_STEP = "auth_second_step"  # the password step's pending token, while a code is asked
DATABASE_UNREACHABLE = (
    "The portal cannot reach its database just now, so nobody can sign in. Please try "
    "again in a minute."
)


def _mark_signed_in(email: str, signed_in_at: float) -> None:
    state = st.session_state
    state["authentication_status"] = True
    state["username"] = email
    state["signed_in_at"] = signed_in_at


def _forget_sign_in() -> None:
    keys = ("authentication_status", "username", "signed_in_at", "actor", "user_name")
    for key in (*keys, _SECOND_STEP):
        st.session_state.pop(key, None)


def _user_from_session_state(session: Session) -> User | None:
    """The user this tab signed in as, if that sign-in still holds; otherwise the tab
    forgets it and says so."""
    state = st.session_state
    if not (state.get("authentication_status") and state.get("signed_in_at")):
        return None
    user = auth.session_user(session, email=state["username"], signed_in_at=state["signed_in_at"])
    if user is None:
        _forget_sign_in()
        st.info(SESSION_ENDED)
    return user


def _user_from_cookie(session: Session) -> User | None:
    """Resume a sign-in from this browser's cookie, if we issued it, it has not expired,
    and its user has not logged out or changed password since. Anything else is
    ignored, so a bad cookie only means the sign-in form."""
    claims = auth.read_cookie(st.context.cookies.get(get_settings().cookie_name))
    if claims is None:
        return None
    user = auth.session_user(session, email=claims.email, signed_in_at=claims.signed_in_at)
    if user is not None:
        _mark_signed_in(user.email, claims.signed_in_at)
    return user


def sign_in_gate() -> bool:
    """Resolve who is signed in (storing their actor in session_state). Returns True
    when a user is signed in; a database outage shows a message and the form."""
    try:
        with db() as session:
            user = _user_from_session_state(session) or _user_from_cookie(session)
            if user is None:
                st.session_state.pop("actor", None)
                _post_pending_logout()
                return False
            st.session_state["actor"] = actor_for(session, user=user)
            st.session_state["user_name"] = user.full_name
        checked_now()
    except SQLAlchemyError:
        log.warning("sign-in gate: the database did not answer", exc_info=True)
        _forget_sign_in()
        st.error(DATABASE_UNREACHABLE)
        return False
    _post_pending_ticket()
    return True


def _post_pending_ticket() -> None:
    """Once after sign-in: a script posts the ticket to /auth/session, whose response
    sets the HttpOnly cookie. A script answers nothing to the page (a component's rerun
    could take the user back from a page they had clicked meanwhile)."""
    ticket = st.session_state.pop(_PENDING_TICKET, None)
    if ticket is None:
        return
    with st.container(key="sign_in_cookie"):
        st.html(
            script_tag(POST_TICKET, url=SESSION_PATH, ticket=ticket), unsafe_allow_javascript=True
        )


def sign_in_form(*, then_home: bool = False) -> None:
    """Email and password; a wrong pair, an unknown address and a locked account all
    get the same message. Once signed in, the page asked for opens (the address is
    kept), or Home when `then_home`."""
    with st.form("sign_in", enter_to_submit=True):
        st.subheader("Sign in")
        email = text_field("Email address", 254, autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        pressed = st.form_submit_button("Sign in", type="primary")
    if not pressed:
        return
    signed_in_at, tickets = time.time(), []

    def issue_ticket(session: Session, user: User) -> None:
        tickets.append(issue_sign_in_ticket(session, user_id=user.id, signed_in_at=signed_in_at))

    try:
        with st.spinner("Signing in…", show_time=False):
            accepted = auth.sign_in(email=email, password=password, then=issue_ticket)
    except InvalidInput as error:
        show_error(error)
        return
    except SQLAlchemyError:  # down, or write-locked past the busy timeout (SQLite)
        log.warning("sign-in: the database did not answer", exc_info=True)
        st.error(DATABASE_UNREACHABLE)
        return
    if not accepted.needs_code:
        _signed_in(accepted.email, signed_in_at, tickets[0], then_home=then_home)
    remembered = st.context.cookies.get(get_settings().remember_cookie_name)
    if done := two_factor.finish_with_remembered_browser(
        pending=accepted.pending, token=remembered
    ):
        _complete_sign_in(done, then_home=then_home)
    st.session_state[_SECOND_STEP] = accepted.pending
    st.rerun()


def _signed_in(email: str, signed_in_at: float, ticket: str, *, then_home: bool) -> NoReturn:
    """This tab is signed in; its next run posts the ticket for the HttpOnly cookie."""
    _mark_signed_in(email, signed_in_at)
    st.session_state[_PENDING_TICKET] = ticket
    st.session_state.pop(_SECOND_STEP, None)
    if then_home:  # the signed-in menu has no sign-in page: Streamlit opens its default
        st.switch_page(SIGN_IN.path)
    st.rerun()


def _complete_sign_in(
    signed_in: two_factor.SignedIn, *, then_home: bool, remember: bool = False
) -> NoReturn:
    """Both steps done: a ticket for the cookie; with `remember`, the sign-in response
    also sets the HttpOnly "Remember this browser" cookie (core.two_factor)."""
    signed_in_at = time.time()
    with db() as session:
        ticket = issue_sign_in_ticket(
            session,
            user_id=signed_in.user_id,
            signed_in_at=signed_in_at,
            remember_browser=remember,
        )
    _signed_in(signed_in.email, signed_in_at, ticket, then_home=then_home)


def code_form(*, then_home: bool = False) -> None:
    """The second step: a code from the authenticator app or a recovery code, and
    whether to remember this browser. A lockout or a step left too long starts again."""
    days = get_settings().remember_browser_days
    with st.form("sign_in_code", enter_to_submit=True):
        st.subheader("Two-factor sign-in")
        st.write(
            "Type the six-digit code your authenticator app shows for the Digital "
            "Certificates portal now, or one of your recovery codes."
        )
        code = text_field("Code", 20, autocomplete="one-time-code")
        remember = st.checkbox(
            f"Remember this browser for {days} days",
            help="On this browser your password alone signs you in until then. Not on a "
            "shared computer. Changing your password or *Sign out everywhere* ends it.",
        )
        pressed = st.form_submit_button("Verify", type="primary")
    if st.button("Start again with my password", type="tertiary"):
        st.session_state.pop(_SECOND_STEP, None)
        st.rerun()
    if not pressed:
        return
    try:
        signed_in = two_factor.finish_sign_in(pending=st.session_state[_SECOND_STEP], code=code)
    except InvalidInput as error:
        if isinstance(error, auth.AccountLocked | two_factor.SignInExpired):
            st.session_state.pop(_SECOND_STEP, None)
        show_error(error)
        return
    _complete_sign_in(signed_in, then_home=then_home, remember=remember)


def sign_out(then: str = "/") -> None:
    """End this user's sessions for real (every copy of the cookie stops working, in
    every browser), forget them here, and have the browser post to /auth/logout, whose
    response deletes the cookie, then open `then` afresh."""
    actor = st.session_state.get("actor")
    if actor is not None:
        with db() as session:
            auth.end_sessions(session, user_id=actor.user_id)
    _forget_sign_in()
    st.session_state[_PENDING_LOGOUT] = same_origin_path_or(then)


def _post_pending_logout() -> None:
    """Once after logout, on the signed-out page: a script posts to /auth/logout, whose
    response deletes the cookie, then opens the page it was given afresh."""
    then = st.session_state.pop(_PENDING_LOGOUT, None)
    if then is not None:
        st.html(script_tag(SIGN_OUT, url=LOGOUT_PATH, next=then), unsafe_allow_javascript=True)


def sign_in_screen(*, then_home: bool = False) -> None:
    """The sign-in page; also drawn in place of any page asked for while signed out, so
    that a bookmarked or emailed address opens once the user has signed in (Home instead
    when `then_home`, e.g. in place of Log out)."""
    page_title(
        "Digital Certificates",
        "Sign in with your email address and password. First time here, or forgotten "
        "your password? Use the link under the form: we email you a link to set one. "
        "With two-factor sign-in on (all staff have it) you then type the code your "
        "authenticator app shows, or a recovery code. After five wrong passwords or codes "
        "in a row the account rests for 15 minutes. Checking a certificate someone showed "
        "you needs no account: follow *Verify it* under the form.",
    )
    st.caption(
        "The secure portal for training centres: see, export, search and re-order the "
        "certificates issued to your candidates."
    )
    left, _ = st.columns([2, 3])
    with left:
        if st.session_state.get(_SECOND_STEP):
            code_form(then_home=then_home)
            return
        sign_in_form(then_home=then_home)
        st.page_link(
            FORGOT_PASSWORD.path,
            label="Forgotten password? First time here? Set your password",
            icon=":material/lock_reset:",
        )
        st.caption("Your username is your email address.")
        st.page_link(
            VERIFY.path,
            label="Checking a certificate someone showed you? Verify it, no account needed",
            icon=":material/verified:",
        )
