"""The sign-in gate: streamlit-authenticator's form and cookie, with users, lockout and
session validity from core.auth (see shared pitfalls: the package alone keeps users in
memory and cannot end a cookie)."""

from __future__ import annotations

import datetime
import time

import streamlit as st
import streamlit_authenticator as stauth

from core import auth
from core.config import get_settings
from core.models import User
from core.users import actor_for
from ui.services import db

_PENDING_COOKIE = "auth_pending_cookie"
_COOKIE_WRITER = "auth_cookie_writer"


class _DatabaseDirectory(dict):
    """The authenticator's 'usernames' dict, read from the database on demand, so that
    nothing about users lives in this process's memory between runs."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: str | None = None

    def _load(self, username: str) -> dict | None:
        email = auth.normalise_email(username)
        self.asked = email
        if not super().__contains__(email):
            with db() as session:
                entry = auth.credentials_for(session, email)
            if entry is None:
                return None
            super().__setitem__(email, entry)
        return super().__getitem__(email)

    def __contains__(self, username: object) -> bool:
        return isinstance(username, str) and self._load(username) is not None

    def __getitem__(self, username: str) -> dict:
        entry = self._load(username)
        if entry is None:
            raise KeyError(username)
        return entry

    def get(self, username: str, default: object = None) -> object:
        entry = self._load(username)
        return default if entry is None else entry


def _authenticator() -> stauth.Authenticate:
    settings = get_settings()
    credentials: dict = {"usernames": {}}
    authenticator = stauth.Authenticate(
        credentials,
        settings.cookie_name,
        settings.secret_key,
        settings.cookie_expiry_days,
        auto_hash=False,
        login_sleep_time=0,
    )
    credentials["usernames"] = _DatabaseDirectory()  # the package keeps this very dict
    return authenticator


def _mark_signed_in(user: User, signed_in_at: float) -> None:
    state = st.session_state
    state["authentication_status"] = True
    state["username"] = user.email
    state["name"] = user.full_name
    state["signed_in_at"] = signed_in_at


def _resume_from_cookie(authenticator: stauth.Authenticate) -> None:
    """Sign in from the cookie only if it was issued after the user's last logout or
    password change; otherwise throw it away so the package cannot use it either."""
    if st.session_state.get("logout"):
        return
    token = authenticator.cookie_controller.get_cookie()
    if not token:
        return
    claims = auth.cookie_claims(token, expiry_days=get_settings().cookie_expiry_days)
    with db() as session:
        user = auth.session_user(session, email=claims.email, signed_in_at=claims.signed_in_at)
    if user is None:
        st.session_state["logout"] = True
        authenticator.cookie_controller.delete_cookie()
        return
    _mark_signed_in(user, claims.signed_in_at)


def _signed_in_user() -> User | None:
    state = st.session_state
    if not (state.get("authentication_status") and state.get("signed_in_at")):
        return None
    with db() as session:
        return auth.session_user(
            session, email=state["username"], signed_in_at=state["signed_in_at"]
        )


def _login_form(authenticator: stauth.Authenticate, directory: _DatabaseDirectory) -> None:
    authenticator.login(
        location="main",
        fields={
            "Form name": "Sign in",
            "Username": "Email address",
            "Password": "Password",
            "Login": "Sign in",
        },
        key="sign_in",
    )
    if directory.asked is None:
        return
    succeeded = bool(st.session_state.get("authentication_status"))
    with db() as session:
        auth.record_sign_in_attempt(session, email=directory.asked, succeeded=succeeded)
    if succeeded:
        signed_in_at = time.time()
        st.session_state["signed_in_at"] = signed_in_at
        st.session_state["logout"] = False
        st.session_state[_PENDING_COOKIE] = auth.cookie_token(
            directory.asked, signed_in_at=signed_in_at
        )
        st.rerun()
    st.error(auth.SIGN_IN_FAILED)


def sign_in_gate() -> bool:
    """Resolve who is signed in (storing their actor in session_state) or prepare the
    form. Returns True when a user is signed in. The package's cookie component is built
    only when it has work to do, so a signed-in page carries no extra frame."""
    user = _signed_in_user()
    if user is None:
        user = _signed_out()
        if user is None:
            st.session_state.pop("actor", None)
            return False
    if _PENDING_COOKIE in st.session_state:
        _write_pending_cookie(_authenticator())
    with db() as session:
        st.session_state["actor"] = actor_for(session, user=user)
        st.session_state["user_name"] = user.full_name
    return True


def _signed_out() -> User | None:
    """Not signed in on this run: end a session ended elsewhere, or resume from the
    cookie; the user if the cookie was good."""
    authenticator = _authenticator()
    st.session_state["authenticator"] = authenticator
    if st.session_state.get("authentication_status"):
        authenticator.logout(location="unrendered")
        st.info("Your session has ended. Please sign in again.")
        return None
    _resume_from_cookie(authenticator)
    return _signed_in_user()


def _write_pending_cookie(authenticator: stauth.Authenticate) -> None:
    """Write the sign-in cookie from the top of the page, run after run, until the
    browser confirms it: the package's own write sits inside the login form and is
    removed by the next rerun before its frame has loaded."""
    token = st.session_state.get(_PENDING_COOKIE)
    if token is None:
        return
    if st.session_state.get(_COOKIE_WRITER) is True:
        del st.session_state[_PENDING_COOKIE]
        return
    settings = get_settings()
    authenticator.cookie_controller.cookie_model.cookie_manager.set(
        settings.cookie_name,
        token,
        key=_COOKIE_WRITER,
        expires_at=datetime.datetime.now() + datetime.timedelta(days=settings.cookie_expiry_days),
    )


def show_login_form() -> None:
    authenticator: stauth.Authenticate = st.session_state["authenticator"]
    _login_form(authenticator, _directory_of(authenticator))


def _directory_of(authenticator: stauth.Authenticate) -> _DatabaseDirectory:
    return authenticator.authentication_controller.authentication_model.credentials["usernames"]


def sign_out() -> None:
    """End this user's sessions for real (every copy of the cookie) and forget them here."""
    actor = st.session_state.get("actor")
    if actor is not None:
        with db() as session:
            auth.end_sessions(session, user_id=actor.user_id)
    if st.session_state.get("authentication_status"):
        _authenticator().logout(location="unrendered")
    for key in ("actor", "signed_in_at", "user_name"):
        st.session_state.pop(key, None)
