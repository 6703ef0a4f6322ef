"""The public Verify page, the candidate's page and the staff Revoke screen as people see
them (AppTest): reachable signed out, nothing private shown, menus unchanged."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest

from core import config
from core.candidate_links import create_candidate_link
from core.db import session_scope
from core.models import Address, Certificate, Role
from core.verify import NO_MATCH, give_verify_code
from tests.apptest import by_label, signed_in_app, signed_out_app, texts
from tests.factories import make_candidate, make_centre, make_certificate, make_user
from ui.navigation import REVOKE, STAFF_SECTION, VERIFY, home_cards, menu_titles, screens_for

PRIVATE = ("30/09/1981", "1981-09-30", "sian@mail.example", "Fanshaws Lane", "SG13 8AT")


@pytest.fixture
def sian(db_url, monkeypatch) -> dict:
    """Siân O'Brien's certificate, with the centre's address on file."""
    monkeypatch.setenv("VERIFY_RATE_LIMIT", "1000/minute")  # AppTest clients share a key
    config.get_settings.cache_clear()
    with session_scope(db_url) as session:
        centre = make_centre(session, "Fanshaws")
        centre.delivery_address = Address(line1="Fanshaws Lane", postcode="SG13 8AT")
        candidate = make_candidate(
            session, first_name="Siân", surname="O'Brien", email="sian@mail.example"
        )
        certificate = make_certificate(session, centre, candidate=candidate)
        return {
            "number": certificate.number,
            "code": give_verify_code(session, certificate.id),
            "candidate_number": candidate.candidate_number,
            "link": create_candidate_link(session, certificate_id=certificate.id),
            "id": certificate.id,
            "staff": make_user(session, email="staff@imi.example", role=Role.STAFF),
            "coordinator": make_user(session, centres=(centre,)),
        }


def _everything_shown(app) -> str:
    """The text of every element, the HTML tables' cells as the reader sees them."""
    return texts(app) + " ".join(unescape(element.proto.body) for element in app.html)


def _verify_page(query: dict[str, str] | None = None):
    app = signed_out_app()
    for key, value in (query or {}).items():
        app.query_params[key] = value
    return app.switch_page(VERIFY.path).run()


def test_the_qr_address_opens_the_page_signed_out_and_says_valid(sian):
    app = _verify_page({"code": sian["code"]})
    shown = _everything_shown(app)
    assert "Valid" in texts(app) and "Siân O'Brien" in shown and sian["number"] in shown
    assert "Institute of the Motor Industry" in shown
    assert not [box for box in app.text_input if box.label == "Password"]


def test_the_page_shows_nothing_private(sian):
    shown = _everything_shown(_verify_page({"code": sian["code"]}))
    for private in (*PRIVATE, sian["candidate_number"]):
        assert private not in shown


def test_number_and_surname_typed_in_verify_and_a_wrong_surname_says_no_match(sian):
    app = _verify_page()
    by_label(app.text_input, "Certificate number").input(sian["number"])
    by_label(app.text_input, "Holder's surname").input("obrien")
    app = by_label(app.button, "Verify").click().run()
    assert "Valid" in texts(app)
    by_label(app.text_input, "Holder's surname").input("Winbery")
    app = by_label(app.button, "Verify").click().run()
    assert NO_MATCH in texts(app) and "Siân" not in _everything_shown(app)


def test_a_revoked_certificate_shows_revoked_with_the_date(sian, db_url):
    with session_scope(db_url) as session:
        certificate = session.get(Certificate, sian["id"])
        certificate.revoked, certificate.revoked_at = True, dt.datetime(2026, 11, 2, 9, 0)
    assert "Revoked on 02/11/2026" in texts(_verify_page({"code": sian["code"]}))


def test_signed_in_users_open_verify_and_their_menus_are_unchanged(sian):
    app = signed_in_app(sian["coordinator"], VERIFY.path)
    app.query_params["code"] = sian["code"]
    app.run()
    assert "Valid" in texts(app)
    assert "Verify a certificate" not in menu_titles(Role.COORDINATOR)
    assert "Verify a certificate" not in [card.title for card in home_cards(Role.STAFF)]


def test_the_candidate_link_shows_the_certificate_and_its_verification_address(sian):
    app = signed_out_app()
    app.query_params["token"] = sian["link"].split("token=")[1]
    app.switch_page("screens/my_certificate.py").run()
    assert "Valid" in texts(app)
    assert [code.value for code in app.code] == [
        f"http://localhost:8501/verify?code={sian['code']}"
    ]
    for private in PRIVATE:
        assert private not in _everything_shown(app)


def test_an_unknown_candidate_link_says_it_expired_or_is_not_valid(sian):
    app = signed_out_app()
    app.query_params["token"] = "made-up"
    app.switch_page("screens/my_certificate.py").run()
    assert "expired or is not valid" in texts(app)


def test_staff_find_and_revoke_a_certificate_on_the_revoke_screen(sian):
    app = signed_in_app(sian["staff"], "screens/revoke.py")
    by_label(app.text_input, "Certificate number").input(sian["number"])
    app = by_label(app.button, "Find").click().run()
    assert "Siân O'Brien" in _everything_shown(app)
    by_label(app.text_area, "Reason for revoking").input("Issued in error")
    by_label(app.checkbox, "I understand that this certificate will no longer be valid.").check()
    app = by_label(app.button, "Revoke certificate").click().run()
    assert f"Certificate {sian['number']}: Revoked on" in texts(app)
    assert "Revoked on" in texts(_verify_page({"code": sian["code"]}))


def test_revoke_is_in_the_staff_menu_only():
    assert REVOKE.title in menu_titles(Role.STAFF, STAFF_SECTION)
    for role in (Role.COORDINATOR, Role.CENTRE_USER):
        assert REVOKE not in screens_for(role)
