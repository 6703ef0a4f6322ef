"""The bridge from pages to core: database sessions and the signed-in actor."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy.orm import Session

from core.db import session_scope
from core.errors import PermissionDenied
from core.users import Actor


@contextmanager
def db() -> Iterator[Session]:
    with session_scope() as session:
        yield session


def current_actor() -> Actor:
    """The actor the entry script resolved for this run; a screen reached without
    signing in gets a message, never data."""
    actor = st.session_state.get("actor")
    if actor is None:
        raise PermissionDenied("Please sign in to see this page.")
    return actor
