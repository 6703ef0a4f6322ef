"""The search criteria: kept in session_state across pages and in the URL for sharing.

Pressing Search reruns only the results (the fragment keyed RESULTS): the header, the
title and this form stay as the browser drew them."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import asdict, replace

import streamlit as st

from core.search import SearchCriteria
from core.text import DATE_FORMS_HELP, parse_id
from core.users import Actor
from ui.inputs import text_field
from ui.layout import is_phone
from ui.pager import reset_to_first_page

SAVED = "search_criteria"
COUNTED = "search_counted"
RESULTS = "search_results"
TEXT_FIELDS = {
    "certificate_number": ("Certificate Number", "cert"),
    "candidate_id": ("Candidate ID", "candidate"),
    "first_name": ("First Name", "first"),
    "surname": ("Surname", "surname"),
    "date_of_birth": ("D.O.B", "dob"),
}
ALL_CENTRES = 0


def _from_url() -> SearchCriteria | None:
    params = st.query_params
    values = {name: params.get(url, "") for name, (_, url) in TEXT_FIELDS.items()}
    centre = params.get("centre", "")
    criteria = SearchCriteria(**values, centre_id=parse_id(centre, "centre") if centre else None)
    return None if criteria.is_empty() else criteria


def _to_url(criteria: SearchCriteria) -> None:
    values = {url: getattr(criteria, name) for name, (_, url) in TEXT_FIELDS.items()}
    if criteria.centre_id is not None:
        values["centre"] = str(criteria.centre_id)
    st.query_params.from_dict({key: value for key, value in values.items() if value})


def saved_criteria() -> SearchCriteria | None:
    """The last search of this session, or the one a shared link carries."""
    from_url = _from_url()
    if SAVED not in st.session_state and from_url is not None:
        st.session_state[SAVED] = from_url
    criteria = st.session_state.get(SAVED)
    if criteria is not None and criteria != from_url:
        _to_url(criteria)  # back from another page, whose address held no search
    return criteria


def known_total(actor: Actor, criteria: SearchCriteria) -> int | None:
    """How many certificates this search found, while the results' own reruns turn its
    pages (None: count again)."""
    counted = st.session_state.get(COUNTED)
    return counted[1] if counted and counted[0] == (actor, criteria) else None


def remember_total(actor: Actor, criteria: SearchCriteria, total: int) -> None:
    st.session_state[COUNTED] = ((actor, criteria), total)


def forget_total() -> None:
    """Count afresh: Search pressed, the search cleared, or the page drawn anew."""
    st.session_state.pop(COUNTED, None)


def clear() -> None:
    st.session_state.pop(SAVED, None)
    forget_total()
    for name in [*TEXT_FIELDS, "centre_id"]:
        st.session_state.pop(f"search_{name}", None)
    st.query_params.clear()


def _form_box(saved: SearchCriteria):
    """On a phone with results on screen the form folds away, so the results come first."""
    if saved.is_empty() or not is_phone():
        return nullcontext()  # no wrapper: every block drawn costs the browser time
    typed = [
        f"{label} {getattr(saved, name)}"
        for name, (label, _) in TEXT_FIELDS.items()
        if getattr(saved, name)
    ]
    return st.expander(f"Search: {', '.join(typed)}", icon=":material/search:")


def _search(staff: bool) -> None:
    """Search pressed: keep the criteria (session and address), start at page 1, and
    rerun only the results; a phone redraws the page so that the form folds away."""
    values = {name: st.session_state[f"search_{name}"].strip() for name in TEXT_FIELDS}
    centre = st.session_state.get("search_centre_id") or None
    criteria = replace(SearchCriteria(**values), centre_id=centre if staff else None)
    st.session_state[SAVED] = criteria
    forget_total()
    _to_url(criteria)
    reset_to_first_page("search")
    if not is_phone():
        st.rerun(RESULTS)


def search_form(centres: dict[int, str] | None) -> None:
    """Draw the form with the saved criteria filled in; Search and Clear search act
    through their callbacks."""
    saved = saved_criteria() or SearchCriteria()
    for name, value in asdict(saved).items():
        st.session_state.setdefault(
            f"search_{name}", value or (ALL_CENTRES if name == "centre_id" else "")
        )
    with _form_box(saved), st.form("search_form"):
        fields = st.container(horizontal=True)  # one block, not five columns
        for name, (label, _) in TEXT_FIELDS.items():
            help_text = f"For example {DATE_FORMS_HELP}." if name == "date_of_birth" else None
            text_field(label, 100, where=fields, key=f"search_{name}", help=help_text)
        if centres is not None:
            options = {ALL_CENTRES: "All centres", **centres}
            st.selectbox("Centre", list(options), format_func=options.get, key="search_centre_id")
        with st.container(horizontal=True):
            st.form_submit_button(
                "Search",
                type="primary",
                icon=":material/search:",
                on_click=_search,
                args=(centres is not None,),
            )
            st.form_submit_button("Clear search", icon=":material/backspace:", on_click=clear)
