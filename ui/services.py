"""The bridge from pages to core: database sessions and the signed-in actor."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import TypeVar

import streamlit as st
from sqlalchemy.orm import Session

from core.auth import session_user
from core.db import session_scope
from core.errors import PermissionDenied
from core.users import Actor, actor_for

SESSION_ENDED = "Your session has ended. Please sign in again."
_CHECKED_AT = "actor_checked_at"
# The gate checks the sign-in at the top of every run; calls within this many seconds
# trust it. A fragment's own rerun (a poll every 2-3 s, a search) and a download made on
# click check again, as the gate does.
CHECK_TRUSTED_SECONDS = 1.0
Result = TypeVar("Result")


@contextmanager
def db() -> Iterator[Session]:
    with session_scope() as session:
        yield session


def _checked_actor(session: Session, actor: Actor, signed_in_at: float) -> Actor:
    """The actor as the database has them now, with the gate's own check: a sign-in
    ended since (logout, password change, lockout, disabled) is refused, and a changed
    role or centre membership is taken into account."""
    user = session_user(session, email=actor.email, signed_in_at=signed_in_at)
    if user is None:
        raise PermissionDenied(SESSION_ENDED)
    return actor_for(session, user=user)


def checked_now() -> None:
    """The sign-in was just checked against the database (by the gate)."""
    st.session_state[_CHECKED_AT] = time.monotonic()


def current_actor(session: Session | None = None) -> Actor:
    """The actor the entry script resolved for this run, checked against the database
    unless that was done a moment ago: a tab left open stops reading data once its user
    has logged out anywhere. Given the caller's `session`, the check reads in it (one
    connection and transaction for the check and the work)."""
    actor = st.session_state.get("actor")
    if actor is None:
        raise PermissionDenied("Please sign in to see this page.")
    if time.monotonic() - st.session_state.get(_CHECKED_AT, 0.0) < CHECK_TRUSTED_SECONDS:
        return actor
    try:
        with db() if session is None else nullcontext(session) as reading:
            actor = _checked_actor(reading, actor, st.session_state["signed_in_at"])
    except PermissionDenied:
        st.session_state.pop("actor", None)
        raise
    st.session_state["actor"] = actor
    checked_now()
    return actor


def fragment_actor(session: Session | None = None) -> Actor:
    """current_actor for code that also runs as a fragment's own rerun, which skips the
    entry script's gate: a sign-in that has ended sends the whole page through the
    gate, which shows the sign-in form and says why."""
    try:
        return current_actor(session)
    except PermissionDenied:
        st.rerun(scope="app")


def on_demand(produce: Callable[[Session, Actor], Result]) -> Callable[[], Result]:
    """Data made when the user clicks (a download button's callable), which runs outside
    the page's run: the sign-in is checked again at that moment."""
    actor, signed_in_at = current_actor(), st.session_state["signed_in_at"]

    def made_now() -> Result:
        with db() as session:
            return produce(session, _checked_actor(session, actor, signed_in_at))

    return made_now
