"""The Search screen as a centre user uses it (AppTest)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from core.auth import end_sessions
from core.db import get_engine, session_scope
from core.models import Centre, Role
from tests.apptest import by_label, signed_in_app, texts
from tests.factories import make_candidate, make_centre, make_certificate, make_user
from ui import services

SCREEN = "screens/search.py"
RESULT_COLUMNS = [
    "Surname",
    "First Name",
    "Certificate Number",
    "Candidate ID",
    "Qualification",
    "Issue Date",
]


@pytest.fixture
def people(db_url):
    with session_scope(db_url) as session:
        fanshaws = make_centre(session, "Fanshaws")
        for index in range(12):
            candidate = make_candidate(session, first_name=f"Aoife{index:02d}", surname="O'Brien")
            make_certificate(session, fanshaws, candidate=candidate)
        make_certificate(session, fanshaws, candidate=make_candidate(session, "Siân", "Evans"))
        northgate = make_centre(session, "Northgate College")
        make_certificate(session, northgate, candidate=make_candidate(session, "Other", "Obrist"))
        return {
            "user": make_user(session, email="user@fanshaws.example", centres=(fanshaws,)),
            "staff": make_user(session, email="staff@imi.example", role=Role.STAFF),
        }


def _search(app, **typed):
    labels = {"surname": "Surname", "first_name": "First Name", "date_of_birth": "D.O.B"}
    for name, value in typed.items():
        by_label(app.text_input, labels[name]).input(value)
    by_label(app.button, "Search").click()
    return app.run()


def test_empty_search_asks_for_a_criterion_and_lists_nothing(people):
    app = _search(signed_in_app(people["user"], SCREEN))
    assert "Enter at least one" in texts(app)
    assert not app.dataframe


def test_surname_prefix_finds_the_guide_columns_and_pages(people):
    app = _search(signed_in_app(people["user"], SCREEN), surname="obri")
    assert "Page 1 of 2 | View 10 records | Found total 12 records" in texts(app)
    frame = app.dataframe[0].value
    assert list(frame.columns) == RESULT_COLUMNS
    assert set(frame["Surname"]) == {"O'Brien"}


def test_accented_first_name(people):
    app = _search(signed_in_app(people["user"], SCREEN), first_name="sian")
    assert list(app.dataframe[0].value["First Name"]) == ["Siân"]


def test_bad_date_of_birth_is_a_clear_message_and_no_search(people):
    app = _search(signed_in_app(people["user"], SCREEN), date_of_birth="31/31/1981")
    assert app.error and "30-September-1981" in texts(app)
    assert not app.dataframe


def test_criteria_survive_going_to_another_page_and_back(people):
    app = _search(signed_in_app(people["user"], SCREEN), surname="obri")
    app.switch_page("screens/home.py").run()
    app.switch_page(SCREEN).run()
    assert by_label(app.text_input, "Surname").value == "obri"
    assert "Found total 12 records" in texts(app)


def test_address_and_page_size_survive_going_to_another_page_and_back(people):
    app = _search(signed_in_app(people["user"], SCREEN), surname="obri")
    app.selectbox(key="search_per_page_choice").set_value(25).run()
    assert "View 25 records" in texts(app)
    app.switch_page("screens/home.py").run()
    app.query_params.clear()  # as the menu leaves the address in a browser
    app.switch_page(SCREEN).run()
    assert app.query_params["surname"] in ("obri", ["obri"])
    assert "Page 1 of 1 | View 25 records | Found total 12 records" in texts(app)
    assert app.selectbox(key="search_per_page_choice").value == 25


def test_clear_search_empties_the_form_the_results_and_the_address(people):
    app = _search(signed_in_app(people["user"], SCREEN), surname="obri").run()
    by_label(app.button, "Clear search").click().run()
    assert by_label(app.text_input, "Surname").value == ""
    assert "Enter at least one" in texts(app)
    assert not app.dataframe
    assert "surname" not in app.query_params


def test_a_shared_link_runs_its_search(people):
    app = signed_in_app(people["user"])
    app.query_params["surname"] = "evans"
    app.switch_page(SCREEN).run()
    assert list(app.dataframe[0].value["Surname"]) == ["Evans"]


def test_search_writes_its_criteria_into_the_address(people):
    app = _search(signed_in_app(people["user"], SCREEN), surname="obri")
    assert app.query_params["surname"] in ("obri", ["obri"])


def test_other_centres_certificates_never_show(people):
    app = _search(signed_in_app(people["user"], SCREEN), surname="obrist")
    assert "No certificates match" in texts(app)


def test_staff_search_all_centres_with_a_centre_filter(people):
    app = signed_in_app(people["staff"], SCREEN)
    assert by_label(app.selectbox, "Centre").options[0] == "All centres"
    app = _search(app, surname="obri")
    assert "Found total 13 records" in texts(app)


def test_staff_see_a_centre_column_with_number_and_name(people, db_url):
    app = _search(signed_in_app(people["staff"], SCREEN), surname="obrist")
    frame = app.dataframe[0].value
    assert list(frame.columns) == [*RESULT_COLUMNS[:4], "Centre", *RESULT_COLUMNS[4:]]
    with session_scope(db_url) as session:
        northgate = session.scalars(select(Centre).where(Centre.name == "Northgate College")).one()
        assert list(frame["Centre"]) == [f"{northgate.number} Northgate College"]


def test_centre_users_see_no_centre_column(people):
    app = _search(signed_in_app(people["user"], SCREEN), surname="obri")
    assert "Centre" not in app.dataframe[0].value.columns


def test_export_button_counts_every_row_not_just_the_page(people):
    app = _search(signed_in_app(people["user"], SCREEN), surname="obri")
    (button,) = app.get("link_button")
    assert button.proto.label == "Export CSV (12 rows)"
    assert button.proto.url == "/download/search.csv?surname=obri"


def _drawn(node) -> int:
    """Elements and blocks the browser draws for this part of the page."""
    return 1 + sum(_drawn(child) for child in getattr(node, "children", {}).values())


def test_a_new_search_updates_the_same_grid_instead_of_building_another(people):
    app = _search(signed_in_app(people["user"], SCREEN), surname="obri")
    first = app.dataframe[0].proto.id
    app = _search(app.run(), surname="evans")  # AppTest's tree holds only the last run's results
    assert list(app.dataframe[0].value["Surname"]) == ["Evans"]
    assert app.dataframe[0].proto.id == first


def test_a_page_with_results_draws_at_most_40_elements(people):
    """The browser's time per run grows with what is drawn (issue 12, item 8: header,
    pagers and action row were 50 elements and blocks; the bare page draws 4)."""
    app = _search(signed_in_app(people["user"], SCREEN), surname="obri").run()
    assert "Found total 12 records" in texts(app)
    assert _drawn(app._tree) <= 40


def test_a_search_redraws_only_its_results(people):
    """Pressing Search reruns the results alone: the header, title and form stay as
    the browser drew them (AppTest's tree holds what that run sent)."""
    app = _search(signed_in_app(people["user"], SCREEN), surname="obri")
    assert "Found total 12 records" in texts(app)
    assert not app.title and not app.text_input and not app.get("page_link")
    assert _drawn(app._tree) <= 15


def test_a_search_checks_the_sign_in_and_searches_on_one_connection(people, db_url):
    """The results' rerun skips the gate and checks the sign-in itself: in the same
    transaction as the search, not in one of its own."""
    app = signed_in_app(people["user"], SCREEN)
    app.session_state["actor_checked_at"] = 0.0  # the gate's check is long past
    checkouts = []

    def checked_out(*_) -> None:
        checkouts.append(1)

    event.listen(get_engine(db_url), "checkout", checked_out)
    try:
        app = _search(app, surname="obri")
    finally:
        event.remove(get_engine(db_url), "checkout", checked_out)
    assert "Found total 12 records" in texts(app)
    assert len(checkouts) == 1


def test_a_search_in_a_tab_whose_user_logged_out_elsewhere_shows_the_sign_in_form(
    people, db_url, monkeypatch
):
    """A search reruns only the results, without the entry script's gate: it checks
    the sign-in itself, and an ended one sends the page through the gate."""
    app = signed_in_app(people["user"], SCREEN)
    with session_scope(db_url) as session:
        end_sessions(session, user_id=people["user"].id)
    monkeypatch.setattr(services, "CHECK_TRUSTED_SECONDS", 0)  # the gate checked a while ago
    app = _search(app, surname="obri")
    assert "Your session has ended" in texts(app)
    assert not app.dataframe
    assert by_label(app.text_input, "Email address")
