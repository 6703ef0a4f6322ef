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

from core import auth, two_factor
from core.config import get_settings
from core.errors import InvalidInput
from core.models import User
from core.users import actor_for
from ui.errors import show_error
from ui.layout import page_title
from ui.navigation import FORGOT_PASSWORD, VERIFY
from ui.services import SESSION_ENDED, checked_now, db

log = logging.getLogger(__name__)
_PENDING_COOKIE = "auth_pending_cookie"
_PENDING_REMEMBER = "auth_pending_remember_cookie"
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
    """Write the sign-in cookie (and a "Remember this browser" cookie) once, by a script
    in the page. A cookie component answered with a rerun of the page it was drawn on
    (Home), which under load took the user back from a page they had clicked meanwhile;
    a script answers nothing."""
    cookies = []
    pending = st.session_state.pop(_PENDING_COOKIE, None)
    if pending is not None:
        token, signed_in_at = pending
        cookies.append(auth.cookie_header_value(token, signed_in_at=signed_in_at))
    remembered = st.session_state.pop(_PENDING_REMEMBER, None)
    if remembered is not None:
        cookies.append(auth.remember_cookie_value(remembered))
    if not cookies:
        return
    script = "".join(f"document.cookie = {json.dumps(cookie)};" for cookie in cookies)
    with st.container(key="sign_in_cookie"):
        st.html(f"<script>{script}</script>", unsafe_allow_javascript=True)


def remember_this_browser(token: str) -> None:
    """Keep `token` (from core.two_factor.remember_browser) in this browser as the
    "Remember this browser" cookie, so that for REMEMBER_BROWSER_DAYS the password
    alone signs its user in here; it is read back from st.context.cookies.

    The one place this cookie is written. It must be HttpOnly, which only an HTTP
    response can make it: at merge the lead wires this function to the HTTP sign-in
    route (b19-http: the single-use sign-in ticket carries `remember_browser`, and
    `/auth/session` sets this second cookie with `auth.remember_cookie_value`'s
    attributes plus HttpOnly). On this branch, which has no such route, a script in
    the page writes it, as it writes the sign-in cookie here."""
    st.session_state[_PENDING_REMEMBER] = token


def sign_in_form() -> None:
    """Email and password; a wrong pair, an unknown address and a locked account all
    get the same message."""
    with st.form("sign_in", enter_to_submit=True):
        st.subheader("Sign in")
        email = st.text_input("Email address", autocomplete="username", max_chars=254)
        password = st.text_input("Password", type="password", autocomplete="current-password")
        pressed = st.form_submit_button("Sign in", type="primary")
    if not pressed:
        return
    try:
        with st.spinner("Signing in…", show_time=False):
            accepted = auth.sign_in(email=email, password=password)
    except InvalidInput as error:
        show_error(error)
        return
    if not accepted.needs_code:
        _complete_sign_in(accepted.email)
    remembered = st.context.cookies.get(get_settings().remember_cookie_name)
    if two_factor.finish_with_remembered_browser(pending=accepted.pending, token=remembered):
        _complete_sign_in(accepted.email)
    st.session_state[_SECOND_STEP] = accepted.pending
    st.rerun()


def _complete_sign_in(email: str) -> None:
    """Both steps done: this tab is signed in and the browser gets its cookie."""
    signed_in_at = time.time()
    _mark_signed_in(email, signed_in_at)
    token = auth.cookie_token(email, signed_in_at=signed_in_at)
    st.session_state[_PENDING_COOKIE] = (token, signed_in_at)
    st.session_state.pop(_SECOND_STEP, None)
    st.rerun()


def code_form() -> None:
    """The second step: a code from the authenticator app or a recovery code, and
    whether to remember this browser. A lockout or a step left too long starts again."""
    days = get_settings().remember_browser_days
    with st.form("sign_in_code", enter_to_submit=True):
        st.subheader("Two-factor sign-in")
        st.write(
            "Type the six-digit code your authenticator app shows for the Digital "
            "Certificates portal now, or one of your recovery codes."
        )
        code = st.text_input("Code", autocomplete="one-time-code", max_chars=20)
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
    if remember:
        with db() as session:
            remember_this_browser(two_factor.remember_browser(session, user_id=signed_in.user_id))
    _complete_sign_in(signed_in.email)


def sign_out() -> None:
    """End this user's sessions for real (every copy of the cookie stops working, in
    every browser) and forget them here."""
    actor = st.session_state.get("actor")
    if actor is not None:
        with db() as session:
            auth.end_sessions(session, user_id=actor.user_id)
    _forget_sign_in()


def sign_in_screen() -> None:
    """The sign-in page; also drawn in place of any page asked for while signed out, so
    that a bookmarked or emailed address opens once the user has signed in."""
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
            code_form()
            return
        sign_in_form()
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
