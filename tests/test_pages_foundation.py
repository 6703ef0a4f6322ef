"""Sign-in, home, profile, support and FAQ as a user sees them (AppTest)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from core.auth import RESET_REQUESTED, SIGN_IN_FAILED
from core.config import get_settings
from core.content import faq
from core.db import session_scope
from core.models import Centre, OutboxEmail, Role, User
from tests.apptest import by_label, shown, signed_in_app, signed_out_app, texts
from tests.factories import PASSWORD, make_centre, make_user
from ui.auth import DATABASE_UNREACHABLE
from ui.errors import UNEXPECTED
from ui.navigation import (
    PUBLIC,
    SIGNED_IN,
    SIGNED_OUT,
    STAFF_HOME,
    STAFF_SECTION,
    home_cards,
    menu_titles,
    screens_for,
)

HOME_CARDS = ["Print Batches", "Orders", "Profile", "Document Downloads", "Search", "Support"]
MENU = [
    "Home",
    "Print Batches",
    "Orders",
    "Profile",
    "Document Downloads",
    "Search",
    "Support",
    "FAQ",
    "Logout",
]


@pytest.fixture
def coordinator(db_url) -> User:
    with session_scope(db_url) as session:
        centre = make_centre(session, "Fanshaws")
        other = make_centre(session, "Northgate College")
        return make_user(session, email="coordinator@fanshaws.example", centres=(centre, other))


def _sign_in(app, email: str, password: str):
    by_label(app.text_input, "Email address").input(email)
    by_label(app.text_input, "Password").input(password)
    by_label(app.button, "Sign in").click()
    return app.run()


def test_sign_in_form_signs_the_coordinator_in_and_shows_home(coordinator):
    app = _sign_in(signed_out_app(), coordinator.email, PASSWORD)
    assert app.session_state["authentication_status"] is True
    app.run()
    assert "Centre user home" in texts(app)


def test_signing_in_while_the_database_is_write_locked_says_it_cannot_be_reached(
    coordinator, db_url
):
    if not db_url.startswith("sqlite"):
        pytest.skip("a whole-database write lock is SQLite's")
    locker = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        app = _sign_in(signed_out_app(), coordinator.email, PASSWORD)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert [error.value for error in app.error] == [DATABASE_UNREACHABLE]


def test_the_sign_in_page_leads_someone_without_an_account_to_verify(db_url):
    links = {link.proto.page: link.proto.label for link in signed_out_app().get("page_link")}
    assert links["verify"].endswith("Verify it, no account needed")


def test_signing_in_posts_a_ticket_once_and_no_script_touches_the_cookie(coordinator):
    app = _sign_in(signed_out_app(), coordinator.email, PASSWORD)
    scripts = [html.proto.body for html in app.get("html") if "<script" in html.proto.body]
    posts = [script for script in scripts if 'data-url="/auth/session"' in script]
    assert len(posts) == 1 and 'data-ticket="' in posts[0]
    assert not [script for script in scripts if "cookie" in script.lower()]
    assert not app.get("component_instance")  # a component answers with a rerun of Home
    again = [html.proto.body for html in app.run().get("html") if "<script" in html.proto.body]
    assert not [script for script in again if "/auth/session" in script]


def test_wrong_password_shows_one_clear_message(coordinator):
    app = _sign_in(signed_out_app(), coordinator.email, "wrong-password")
    assert [shown(error.value) for error in app.error] == [SIGN_IN_FAILED]


def test_home_shows_the_six_sections_with_their_buttons(coordinator):
    app = signed_in_app(coordinator)
    assert [element.value.split(": ", 1)[-1] for element in app.subheader] == HOME_CARDS
    assert not app.exception


def test_header_shows_name_centre_and_empty_basket(coordinator):
    app = signed_in_app(coordinator)
    assert "John McNabhan" in texts(app) and "Fanshaws" in texts(app)
    basket_link = [link for link in app.get("page_link") if "items |" in link.proto.label]
    assert basket_link[0].proto.label == "0 items | £0.00"


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CENTRE_USER])
def test_centre_users_menu_lists_the_guide_pages_in_order_and_no_staff_section(role):
    assert menu_titles(role) == MENU
    assert all(screen.section != STAFF_SECTION for screen in screens_for(role))


def test_staff_menu_starts_at_their_own_home_and_keeps_the_guide_pages():
    assert menu_titles(Role.STAFF) == MENU
    assert screens_for(Role.STAFF)[0] == STAFF_HOME


def test_home_cards_come_from_the_screen_list_top_row_first():
    for role in Role:
        cards = home_cards(role)
        assert all(card.is_for(role) and card.help for card in cards)
        sections = [card.section for card in cards]
        assert sections == sorted(sections, key=bool)


@pytest.fixture
def staff(db_url) -> User:
    with session_scope(db_url) as session:
        make_centre(session, "Fanshaws")
        return make_user(session, email="staff@imi.example", role=Role.STAFF)


def test_staff_sign_in_to_the_staff_home_with_their_cards(staff):
    app = signed_in_app(staff)
    assert "Staff home" in texts(app)
    shown_cards = [element.value.split(": ", 1)[-1] for element in app.subheader]
    assert shown_cards == [card.title for card in home_cards(Role.STAFF)]


def test_staff_home_cards_speak_of_every_centre_not_your_candidates(staff):
    shown = texts(signed_in_app(staff))
    assert "Every centre's print batches" in shown
    assert "Every centre's orders" in shown
    assert "Send emails to your candidates" not in shown
    assert "payment orders that you have made" not in shown


def test_staff_homes_orders_card_offers_every_centres_orders_not_yours(staff):
    labels = [link.proto.label for link in signed_in_app(staff).get("page_link")]
    assert "VIEW EVERY CENTRE'S ORDERS" in labels
    assert "VIEW YOUR ORDERS" not in labels


def test_no_page_file_is_left_out_of_navigation():
    listed = {Path(screen.path).name for screen in SIGNED_IN + SIGNED_OUT + PUBLIC}
    on_disk = {path.name for path in Path("screens").glob("*.py")}
    assert listed == on_disk


def test_logout_is_a_button_on_our_page_never_a_plain_link(coordinator):
    app = signed_in_app(coordinator, "screens/logout.py")
    assert app.session_state["authentication_status"]  # reaching /logout alone ends nothing
    by_label(app.button, "Log out").click().run()
    assert "authentication_status" not in app.session_state
    assert "Sign in" in [element.value for element in app.subheader]


def test_profile_saves_personal_details(coordinator, db_url):
    app = signed_in_app(coordinator, "screens/profile.py")
    by_label(app.text_input, "Telephone").input("01992 511 521")
    app.button(key="profile_save_details").click().run()
    assert "Personal details saved." in texts(app)
    with session_scope(db_url) as session:
        assert session.get(User, coordinator.id).telephone == "01992 511 521"


def test_profile_refuses_an_empty_surname_and_keeps_the_old_one(coordinator, db_url):
    app = signed_in_app(coordinator, "screens/profile.py")
    by_label(app.text_input, "Surname").input("  ")
    app.button(key="profile_save_details").click().run()
    assert "First name and surname are both needed." in texts(app)
    with session_scope(db_url) as session:
        assert session.get(User, coordinator.id).surname == "McNabhan"


def test_profile_switches_the_active_centre(coordinator, db_url):
    with session_scope(db_url) as session:
        northgate = session.scalar(select(Centre.id).where(Centre.name == "Northgate College"))
    app = signed_in_app(coordinator, "screens/profile.py")
    by_label(app.selectbox, "Centre").set_value(northgate)
    app.button(key="profile_save_details").click().run()
    assert "Northgate College" in texts(app.run())
    with session_scope(db_url) as session:
        assert session.get(User, coordinator.id).active_centre_id == northgate


def test_header_shows_the_new_centre_as_soon_as_it_is_saved(coordinator, db_url):
    with session_scope(db_url) as session:
        northgate = session.scalar(select(Centre.id).where(Centre.name == "Northgate College"))
    app = signed_in_app(coordinator, "screens/profile.py")
    by_label(app.selectbox, "Centre").set_value(northgate)
    app.button(key="profile_save_details").click().run()
    header = [element.value for element in app.markdown if " · " in element.value]
    assert header == ["**John McNabhan** · Northgate College"]
    assert "Personal details saved." in texts(app)


def test_profile_password_change_needs_the_current_password(coordinator):
    app = signed_in_app(coordinator, "screens/profile.py")
    by_label(app.text_input, "Current password").input("not-it-at-all")
    by_label(app.text_input, "New password").input("a-long-new-password")
    by_label(app.text_input, "Confirm password").input("a-long-new-password")
    app.button(key="profile_save_password").click().run()
    assert "The current password is not right." in texts(app)


def test_support_sends_coordinators_to_profile_for_more_users(coordinator):
    support = texts(signed_in_app(coordinator, "screens/support.py"))
    assert "*Additional users*" in support
    assert "email cas@imi.example with" not in support


def test_support_and_faq_come_from_the_content_files(coordinator):
    support = texts(signed_in_app(coordinator, "screens/support.py"))
    assert "cas@imi.example" in support
    faq = signed_in_app(coordinator, "screens/faq.py")
    assert any("first time" in expander.label for expander in faq.expander)


def _screens_not_available_yet(user: User) -> list[str]:
    """Screens in the menu whose page says the feature is not available yet."""
    return [
        screen.title
        for screen in screens_for(user.role)
        if screen.title != "Logout"
        and "not available yet" in texts(signed_in_app(user, screen.path))
    ]


def test_every_faq_answer_names_only_screens_that_work(coordinator):
    waiting = _screens_not_available_yet(coordinator)
    for item in faq():
        named = [title for title in waiting if title in f"{item.question} {item.answer}"]
        assert named == [], f"FAQ “{item.question}” names {named}, not available yet"


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.STAFF])
def test_every_page_has_a_help_section(db_url, role):
    with session_scope(db_url) as session:
        centre = make_centre(session, "Fanshaws")
        user = make_user(session, email="someone@imi.example", role=role, centres=(centre,))
    for screen in screens_for(role):
        if screen.title == "Logout":
            continue
        app = signed_in_app(user, screen.path)
        assert [p.proto.popover.label for p in app.get("popover")] == ["Help"], screen.title


def test_staff_header_names_no_centre_even_after_a_centre_is_added(db_url):
    with session_scope(db_url) as session:
        for name in ("Fanshaws", "Northgate College"):
            make_centre(session, name)
        staff = make_user(session, role=Role.STAFF, first_name="Priya", surname="Shah")
    app = signed_in_app(staff, "screens/profile.py")
    with session_scope(db_url) as session:
        make_centre(session, "Abbey College")  # first by name: it was staff's centre
    app.run()
    header = [shown(element.value) for element in app.markdown if " · " in element.value]
    assert header == ["**Priya Shah** · Staff, every centre"]
    assert not [box for box in app.selectbox if box.label == "Centre"]


def test_an_unexpected_error_shows_a_short_message_not_a_traceback(coordinator, monkeypatch):
    import core.content

    def broken():
        raise RuntimeError("database exploded at line 42")

    monkeypatch.setattr(core.content, "faq", broken)
    app = signed_in_app(coordinator, "screens/faq.py")
    assert [error.value for error in app.error] == [UNEXPECTED]
    assert not app.exception


def test_streamlit_config_hides_errors_keeps_xsrf_and_sends_no_statistics():
    import tomllib

    config = tomllib.loads((Path(__file__).parent.parent / ".streamlit/config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["enableXsrfProtection"] is True
    assert config["browser"]["gatherUsageStats"] is False


def test_streamlit_config_turns_off_what_holds_every_session_back():
    """benchmarks/load.py: with these on, p95 at 50 users was 12 to 23 s instead of 0.1 to 0.4."""
    import tomllib

    config = tomllib.loads((Path(__file__).parent.parent / ".streamlit/config.toml").read_text())
    assert config["server"]["fileWatcherType"] == "none"
    assert config["runner"]["postScriptGC"] is False


def test_uploads_are_capped_at_what_a_large_claims_file_needs():
    """100,000 claims rows are 18.6 MB; Streamlit holds each upload whole in memory."""
    import tomllib

    config = tomllib.loads((Path(__file__).parent.parent / ".streamlit/config.toml").read_text())
    assert config["server"]["maxUploadSize"] == 20


def test_no_text_field_drops_a_paste_longer_than_its_limit():
    """Streamlit's max_chars ignores a longer paste without a word (the field stays
    empty): limited fields go through ui.inputs.text_field, which keeps the text."""
    root = Path(__file__).parent.parent
    sources = [*root.glob("screens/*.py"), *root.glob("ui/*.py")]
    assert [path.name for path in sources if "max_chars=" in path.read_text()] == []


def _ask_for_reset_link(email: str):
    app = signed_out_app().switch_page("screens/forgot_password.py").run()
    by_label(app.text_input, "Email address").input(email)
    by_label(app.button, "Send me a link").click()
    return app.run()


def test_forgotten_password_page_answers_the_same_for_any_email(coordinator):
    known = _ask_for_reset_link(coordinator.email)
    unknown = _ask_for_reset_link("nobody@nowhere.example")
    assert (
        [s.value for s in known.success] == [s.value for s in unknown.success] == [RESET_REQUESTED]
    )


def test_reset_link_page_sets_the_password_then_sign_in_works(coordinator, db_url):
    _ask_for_reset_link(coordinator.email)
    with session_scope(db_url) as session:
        body = session.scalar(select(OutboxEmail.body))
    token = body.split("token=")[1].split()[0]
    app = signed_out_app()
    app.query_params["token"] = token
    app.switch_page("screens/reset_password.py").run()
    by_label(app.text_input, "New password").input("a-brand-new-one")
    by_label(app.text_input, "Confirm new password").input("a-brand-new-one")
    by_label(app.button, "Set password").click().run()
    assert "Your password is set" in texts(app)
    signed_in = _sign_in(signed_out_app(), coordinator.email, "a-brand-new-one")
    assert signed_in.session_state["authentication_status"] is True


def test_a_database_outage_at_the_gate_shows_a_message_and_the_sign_in_form(
    coordinator, monkeypatch
):
    with monkeypatch.context() as outage:
        outage.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:9/none")
        get_settings.cache_clear()
        app = signed_in_app(coordinator)
    get_settings.cache_clear()
    assert not app.exception
    assert "cannot reach its database" in texts(app)
    assert by_label(app.text_input, "Email address")
