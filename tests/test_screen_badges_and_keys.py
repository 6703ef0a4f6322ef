"""Open Badges and API keys as people see them (AppTest): the candidate's page offers
the badge and LinkedIn, the Verify page checks a pasted credential, a coordinator makes
and revokes API keys in Profile, staff revoke any centre's on Centres."""

from __future__ import annotations

import json

import pytest

from core import config
from core.api_keys import list_api_keys
from core.badges import issue_badge
from core.candidate_links import candidate_badge, create_candidate_link
from core.db import session_scope
from core.models import Role
from core.users import actor_for
from tests.apptest import by_label, signed_in_app, signed_out_app, texts
from tests.factories import make_candidate, make_centre, make_certificate, make_user


@pytest.fixture
def sian(db_url, badge_keys_dir, monkeypatch) -> dict:
    monkeypatch.setenv("VERIFY_RATE_LIMIT", "1000/minute")
    config.get_settings.cache_clear()
    with session_scope(db_url) as session:
        centre = make_centre(session, "Fanshaws")
        candidate = make_candidate(session, first_name="Siân", surname="O'Brien")
        certificate = make_certificate(session, centre, candidate=candidate)
        return {
            "id": certificate.id,
            "number": certificate.number,
            "token": create_candidate_link(session, certificate_id=certificate.id).split("token=")[
                1
            ],
            "coordinator": make_user(session, centres=(centre,)),
            "staff": make_user(session, email="staff@imi.example", role=Role.STAFF),
        }


def test_the_candidate_page_offers_the_open_badge_its_image_and_linkedin(sian):
    app = signed_out_app()
    app.query_params["token"] = sian["token"]
    app.switch_page("screens/my_certificate.py").run()
    assert [element.proto.label for element in app.get("download_button")] == [
        "Download Open Badge",
        "Download badge image",
    ]
    pdf, linkedin = app.get("link_button")  # the PDF streams over HTTP (web.downloads)
    assert pdf.proto.label == "Download your certificate (PDF)"
    assert linkedin.proto.label == "Add to LinkedIn"
    assert linkedin.proto.url.startswith("https://www.linkedin.com/profile/add?")
    assert f"certId={sian['number']}" in linkedin.proto.url


def test_the_candidates_badge_file_is_the_signed_credential(sian):
    document = json.loads(candidate_badge(token=sian["token"]).file_bytes())
    assert document["proof"][0]["type"] == "JwtProof2020"
    assert document["credentialSubject"]["licenseNumber"] == sian["number"]


def _check_on_verify_page(text: str):
    app = signed_out_app().switch_page("screens/verify.py").run()
    by_label(app.text_area, "Open Badge credential").input(text)
    return by_label(app.button, "Check").click().run()


def test_the_verify_page_says_valid_for_our_badge(sian, db_url):
    with session_scope(db_url) as session:
        badge = issue_badge(session, certificate_id=sian["id"])
    app = _check_on_verify_page(badge.jwt)
    assert "**Valid**: signed by the Institute of the Motor Industry" in texts(app)


def test_the_verify_page_says_changed_for_an_edited_badge(sian, db_url):
    with session_scope(db_url) as session:
        document = issue_badge(session, certificate_id=sian["id"]).document()
    document["name"] = "IMI Level 7 Diploma"
    app = _check_on_verify_page(json.dumps(document))
    assert "**Changed**: Its JSON was altered after we signed it." in texts(app)


def test_a_coordinator_makes_a_key_that_is_shown_once_then_revokes_it(sian, db_url):
    app = signed_in_app(sian["coordinator"], "screens/profile.py")
    by_label(app.text_input, "Key name").input("College MIS")
    app = by_label(app.button, "Create API key").click().run()
    (shown,) = [code.value for code in app.code if code.value.startswith("dck_")]
    assert "shown only once" in texts(app)
    app.run()
    assert not [code for code in app.code if code.value.startswith("dck_")]
    app = by_label(app.button, "Revoke").click().run()
    with session_scope(db_url) as session:
        coordinator = actor_for(session, user=sian["coordinator"])
        (row,) = list_api_keys(session, actor=coordinator)
    assert row.revoked_at is not None and shown.startswith(f"dck_{row.prefix}_")


def test_staff_see_every_centres_keys_on_centres_and_revoke_one(sian, db_url):
    import datetime as dt

    from core.api_keys import create_api_key

    with session_scope(db_url) as session:
        coordinator = actor_for(session, user=sian["coordinator"])
        create_api_key(
            session,
            actor=coordinator,
            name="College MIS",
            expires_on=dt.date.today() + dt.timedelta(days=10),
            scope="read",
        )
    app = signed_in_app(sian["staff"], "screens/staff_centres.py")
    (table,) = [frame for frame in app.dataframe if "Key starts" in frame.value.columns]
    assert list(table.value["Name"]) == ["College MIS"]
    app = by_label(app.button, "Revoke").click().run()
    with session_scope(db_url) as session:
        assert list_api_keys(session, actor=coordinator)[0].revoked_at is not None
