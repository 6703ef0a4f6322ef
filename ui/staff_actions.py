"""Running a staff action from a button: core's refusal shown as a message, success
remembered across the rerun that redraws the table."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotFound
from core.users import Actor
from ui.errors import show_error
from ui.pager import untick
from ui.services import current_actor, db

DONE = "staff_action_done"


def run_action(
    action: Callable[[Session, Actor], object], done: str, *, ticked_in: str | None = None
) -> None:
    """Run `action` in one unit of work; on success rerun with `done` shown once, the row
    it acted on let go in table `ticked_in` (its data changed)."""
    try:
        with db() as session:
            action(session, current_actor())
    except (InvalidInput, NotFound) as error:
        show_error(error)
        return
    st.session_state[DONE] = done
    if ticked_in:
        untick(ticked_in)
    st.rerun()


def show_done() -> None:
    if done := st.session_state.pop(DONE, None):
        st.success(done)
