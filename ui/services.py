"""The bridge from pages to core: database sessions and the signed-in actor."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import streamlit as st
from sqlalchemy.orm import Session

from core.auth import is_session_alive
from core.db import session_scope
from core.errors import PermissionDenied
from core.users import Actor

SESSION_ENDED = "Your session has ended. Please sign in again."
_CHECKED_AT = "actor_checked_at"
# The gate checks the sign-in at the top of every run; calls within this many seconds
# trust it. A fragment's own rerun (every 2-3 s) and a download made on click check again.
CHECK_TRUSTED_SECONDS = 1.0
Result = TypeVar("Result")


@contextmanager
def db() -> Iterator[Session]:
    with session_scope() as session:
        yield session


def _alive(actor: Actor, signed_in_at: float) -> Actor:
    with db() as session:
        if not is_session_alive(session, user_id=actor.user_id, signed_in_at=signed_in_at):
            raise PermissionDenied(SESSION_ENDED)
    return actor


def checked_now() -> None:
    """The sign-in was just checked against the database (by the gate)."""
    st.session_state[_CHECKED_AT] = time.monotonic()


def current_actor() -> Actor:
    """The actor the entry script resolved for this run, checked against the database
    unless that was done a moment ago: a tab left open stops reading data once its user
    has logged out anywhere."""
    actor = st.session_state.get("actor")
    if actor is None:
        raise PermissionDenied("Please sign in to see this page.")
    if time.monotonic() - st.session_state.get(_CHECKED_AT, 0.0) < CHECK_TRUSTED_SECONDS:
        return actor
    try:
        _alive(actor, st.session_state["signed_in_at"])
    except PermissionDenied:
        st.session_state.pop("actor", None)
        raise
    checked_now()
    return actor


def on_demand(produce: Callable[[Session, Actor], Result]) -> Callable[[], Result]:
    """Data made when the user clicks (a download button's callable), which runs outside
    the page's run: the sign-in is checked again at that moment."""
    actor, signed_in_at = current_actor(), st.session_state["signed_in_at"]

    def made_now() -> Result:
        _alive(actor, signed_in_at)
        with db() as session:
            return produce(session, actor)

    return made_now
