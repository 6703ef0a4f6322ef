"""The sign-in gate, the sign-in form and logout.

core.auth judges every password (lockout counted atomically, the same time for every
address) and decides whether a sign-in still holds. The cookie keeps
streamlit-authenticator's format; it is written by a script in the page, read from the
request (st.context.cookies) and verified here. The package itself is not used: its login
widget judges passwords in this process before an attempt can be counted and runs bcrypt
only for known addresses, and its cookie component answers with a rerun of the page it is
drawn on, which can swallow a click on Sign in or on the menu.
"""

from __future__ import annotations

import json
import logging
import time

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core import auth
from core.config import get_settings
from core.errors import InvalidInput
from core.models import User
from core.users import actor_for
from ui.errors import show_error
from ui.inputs import text_field
from ui.layout import page_title
from ui.navigation import FORGOT_PASSWORD, SIGN_IN, VERIFY
from ui.services import SESSION_ENDED, checked_now, db

log = logging.getLogger(__name__)
_PENDING_COOKIE = "auth_pending_cookie"
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
    for key in ("authentication_status", "username", "signed_in_at", "actor", "user_name"):
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
                return False
            st.session_state["actor"] = actor_for(session, user=user)
            st.session_state["user_name"] = user.full_name
        checked_now()
    except SQLAlchemyError:
        log.warning("sign-in gate: the database did not answer", exc_info=True)
        _forget_sign_in()
        st.error(DATABASE_UNREACHABLE)
        return False
    _write_pending_cookie()
    return True


def _write_pending_cookie() -> None:
    """Write the sign-in cookie once, by a script in the page. A cookie component
    answered with a rerun of the page it was drawn on (Home), which under load took the
    user back from a page they had clicked meanwhile; a script answers nothing."""
    pending = st.session_state.pop(_PENDING_COOKIE, None)
    if pending is None:
        return
    token, signed_in_at = pending
    cookie = auth.cookie_header_value(token, signed_in_at=signed_in_at)
    with st.container(key="sign_in_cookie"):
        st.html(
            f"<script>document.cookie = {json.dumps(cookie)};</script>",
            unsafe_allow_javascript=True,
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
    try:
        with st.spinner("Signing in…", show_time=False):
            user = auth.sign_in(email=email, password=password)
    except InvalidInput as error:
        show_error(error)
        return
    except SQLAlchemyError:  # down, or write-locked past the busy timeout (SQLite)
        log.warning("sign-in: the database did not answer", exc_info=True)
        st.error(DATABASE_UNREACHABLE)
        return
    signed_in_at = time.time()
    _mark_signed_in(user.email, signed_in_at)
    token = auth.cookie_token(user.email, signed_in_at=signed_in_at)
    st.session_state[_PENDING_COOKIE] = (token, signed_in_at)
    if then_home:  # the signed-in menu has no sign-in page: Streamlit opens its default
        st.switch_page(SIGN_IN.path)
    st.rerun()


def sign_out() -> None:
    """End this user's sessions for real (every copy of the cookie stops working, in
    every browser) and forget them here."""
    actor = st.session_state.get("actor")
    if actor is not None:
        with db() as session:
            auth.end_sessions(session, user_id=actor.user_id)
    _forget_sign_in()


def sign_in_screen(*, then_home: bool = False) -> None:
    """The sign-in page; also drawn in place of any page asked for while signed out, so
    that a bookmarked or emailed address opens once the user has signed in (Home instead
    when `then_home`, e.g. in place of Log out)."""
    page_title(
        "Digital Certificates",
        "Sign in with your email address and password. First time here, or forgotten "
        "your password? Use the link under the form: we email you a link to set one. "
        "After five wrong passwords in a row the account rests for 15 minutes. Checking "
        "a certificate someone showed you needs no account: follow *Verify it* under "
        "the form.",
    )
    st.caption(
        "The secure portal for training centres: see, export, search and re-order the "
        "certificates issued to your candidates."
    )
    left, _ = st.columns([2, 3])
    with left:
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
