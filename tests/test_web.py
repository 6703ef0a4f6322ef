"""The portal's HTTP routes and middleware (web/), in process over ASGI against the test
database: the sign-in cookie, logout, downloads, headers and client addresses."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from core import config
from core.candidate_links import create_candidate_link
from core.db import session_scope
from core.errors import InvalidInput
from core.exports import ExportSelection, expire_exports, request_export
from core.models import Job
from core.search import SearchCriteria
from core.sessions import issue_sign_in_ticket, session_cookie
from core.verify import _limiter, check_rate
from tests.factories import make_actor, make_batch, make_centre, make_certificate
from tests.queue import run_queued_tasks
from ui.navigation import DOWNLOADS
from web.downloads import candidate_link, card_link, export_link, search_csv_link
from web.routes import all_middleware, all_routes
from web.security import ClientAddressMiddleware

ORIGIN = {"Origin": "http://testserver"}
COOKIE = "dc_portal_session"


def _client(**options) -> TestClient:
    return TestClient(Starlette(routes=all_routes(), middleware=all_middleware()), **options)


@pytest.fixture
def centres(db_url):
    """Two centres, each with a coordinator and a finished export of its batch."""
    found = {}
    with session_scope(db_url) as session:
        for name in ("Fanshaws", "Kingsway"):
            centre = make_centre(session, name)
            batch = make_batch(session, centre)
            certificate = make_certificate(session, centre, batch=batch)
            actor = make_actor(session, centre)
            found[name] = {"actor": actor, "batch": batch.id, "certificate": certificate.id}
    for found_centre in found.values():
        with session_scope(db_url) as session:
            found_centre["export"] = request_export(
                session,
                actor=found_centre["actor"],
                selection=ExportSelection(batch_ids=(found_centre["batch"],)),
                file_name="Summer results",
                description="",
            )
    run_queued_tasks()
    return found


def _signed_in(actor) -> dict[str, str]:
    return {COOKIE: session_cookie(actor.email, signed_in_at=time.time() - 1).value}


def _ticket(db_url, actor) -> str:
    with session_scope(db_url) as session:
        return issue_sign_in_ticket(session, user_id=actor.user_id, signed_in_at=time.time())


# Sign-in cookie -------------------------------------------------------------------------


def test_a_ticket_posted_from_this_site_sets_an_http_only_lax_cookie(db_url, centres):
    ticket = _ticket(db_url, centres["Fanshaws"]["actor"])
    answer = _client().post("/auth/session", data={"ticket": ticket}, headers=ORIGIN)
    assert answer.status_code == 204
    set_cookie = answer.headers["set-cookie"]
    assert set_cookie.startswith(f"{COOKIE}=")
    assert {"HttpOnly", "Path=/", "SameSite=lax"} <= {
        part.strip() for part in set_cookie.split(";")
    }
    assert "Secure" not in set_cookie


def test_a_ticket_posted_from_another_site_is_refused_and_stays_unused(db_url, centres):
    ticket = _ticket(db_url, centres["Fanshaws"]["actor"])
    client = _client()
    evil = client.post(
        "/auth/session", data={"ticket": ticket}, headers={"Origin": "https://evil.example"}
    )
    assert (evil.status_code, "set-cookie" in evil.headers) == (403, False)
    assert client.post("/auth/session", data={"ticket": ticket}, headers=ORIGIN).status_code == 204


def test_logout_ends_the_session_and_deletes_the_cookie(db_url, centres):
    fanshaws = centres["Fanshaws"]
    cookie = _signed_in(fanshaws["actor"])
    client = _client(cookies=cookie)
    assert client.get(export_link(fanshaws["export"])).status_code == 200
    answer = client.post(
        "/auth/logout",
        data={"next": "https://evil.example/"},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert (answer.status_code, answer.headers["location"]) == (303, "/")
    assert 'dc_portal_session=""' in answer.headers["set-cookie"]
    assert "Max-Age=0" in answer.headers["set-cookie"]
    stolen = _client(cookies=cookie)  # a copy kept from before the logout
    assert stolen.get(export_link(fanshaws["export"])).status_code == 404


def test_a_cross_site_logout_changes_nothing(db_url, centres):
    fanshaws = centres["Fanshaws"]
    client = _client(cookies=_signed_in(fanshaws["actor"]))
    assert (
        client.post("/auth/logout", headers={"Origin": "https://evil.example"}).status_code == 403
    )
    assert client.get(export_link(fanshaws["export"])).status_code == 200


# Downloads ------------------------------------------------------------------------------


def test_an_export_zip_downloads_with_its_name(db_url, centres):
    fanshaws = centres["Fanshaws"]
    answer = _client(cookies=_signed_in(fanshaws["actor"])).get(export_link(fanshaws["export"]))
    assert answer.status_code == 200
    assert answer.headers["content-disposition"].startswith(
        'attachment; filename="Summer-results.zip"'
    )
    assert answer.headers["content-type"] == "application/zip"
    assert len(zipfile.ZipFile(io.BytesIO(answer.content)).namelist()) == 1


def test_an_export_zip_answers_a_range_with_just_those_bytes(db_url, centres):
    fanshaws = centres["Fanshaws"]
    client = _client(cookies=_signed_in(fanshaws["actor"]))
    whole = client.get(export_link(fanshaws["export"])).content
    part = client.get(export_link(fanshaws["export"]), headers={"Range": "bytes=10-99"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 10-99/{len(whole)}"
    assert part.content == whole[10:100]
    tail = client.get(export_link(fanshaws["export"]), headers={"Range": "bytes=-20"})
    assert tail.content == whole[-20:]
    beyond = client.get(export_link(fanshaws["export"]), headers={"Range": f"bytes={len(whole)}-"})
    assert beyond.status_code == 416


def test_another_centres_export_answers_like_a_missing_one(db_url, centres):
    client = _client(cookies=_signed_in(centres["Fanshaws"]["actor"]))
    other = client.get(export_link(centres["Kingsway"]["export"]))
    missing = client.get(export_link(999_999))
    assert (
        (other.status_code, other.text) == (missing.status_code, missing.text) == (404, "Not Found")
    )


def test_downloads_answer_404_to_a_signed_out_request(db_url, centres):
    fanshaws = centres["Fanshaws"]
    client = _client()
    assert client.get(export_link(fanshaws["export"])).status_code == 404
    assert client.get(card_link(fanshaws["certificate"])).status_code == 404
    assert client.get(search_csv_link(SearchCriteria(surname="a"))).status_code == 404
    assert client.get("/download/batches.csv").status_code == 404


def test_an_expired_export_no_longer_downloads_and_says_it_expired(db_url, centres):
    fanshaws = centres["Fanshaws"]
    with session_scope(db_url) as session:
        finished_at = session.get(Job, fanshaws["export"]).finished_at
    expire_exports(now=finished_at + dt.timedelta(hours=24, seconds=1))
    answer = _client(cookies=_signed_in(fanshaws["actor"])).get(export_link(fanshaws["export"]))
    assert answer.status_code == 410 and "This export has expired" in answer.text
    assert f'href="/{DOWNLOADS.url_path}"' in answer.text


def test_another_centres_expired_export_answers_like_a_missing_one(db_url, centres):
    kingsway = centres["Kingsway"]
    with session_scope(db_url) as session:
        finished_at = session.get(Job, kingsway["export"]).finished_at
    expire_exports(now=finished_at + dt.timedelta(hours=24, seconds=1))
    client = _client(cookies=_signed_in(centres["Fanshaws"]["actor"]))
    assert client.get(export_link(kingsway["export"])).status_code == 404


def test_the_document_card_pdf_is_the_centres_own_only(db_url, centres):
    client = _client(cookies=_signed_in(centres["Fanshaws"]["actor"]))
    mine = client.get(card_link(centres["Fanshaws"]["certificate"]))
    assert (mine.status_code, mine.content[:5]) == (200, b"%PDF-")
    assert "certificate-" in mine.headers["content-disposition"]
    assert client.get(card_link(centres["Kingsway"]["certificate"])).status_code == 404


def test_a_candidate_link_downloads_its_pdf_until_it_expires(db_url, centres):
    certificate_id = centres["Fanshaws"]["certificate"]
    with session_scope(db_url) as session:
        fresh = create_candidate_link(session, certificate_id=certificate_id)
        old = create_candidate_link(
            session, certificate_id=certificate_id, now=dt.datetime(2020, 1, 1)
        )
    client = _client()  # no account, no cookie: the link's token is the key
    answer = client.get(candidate_link(parse_qs(urlsplit(fresh).query)["token"][0]))
    assert (answer.status_code, answer.content[:5]) == (200, b"%PDF-")
    assert 'filename="certificate-' in answer.headers["content-disposition"]
    expired = client.get(candidate_link(parse_qs(urlsplit(old).query)["token"][0]))
    assert expired.status_code == 404


def test_the_search_csv_streams_the_centres_own_matches(db_url, centres):
    client = _client(cookies=_signed_in(centres["Fanshaws"]["actor"]))
    answer = client.get(search_csv_link(SearchCriteria(candidate_id="4")))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    lines = answer.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Certificate Number,")
    assert {line.rsplit(",", 1)[-1] for line in lines[1:]} <= {"Fanshaws"}


def test_a_search_csv_without_criteria_is_refused_with_the_reason(db_url, centres):
    client = _client(cookies=_signed_in(centres["Fanshaws"]["actor"]))
    answer = client.get("/download/search.csv")
    assert answer.status_code == 400
    assert "Enter at least one" in answer.text


def test_the_batches_csv_holds_only_the_centres_batches(db_url, centres):
    client = _client(cookies=_signed_in(centres["Fanshaws"]["actor"]))
    answer = client.get("/download/batches.csv")
    rows = answer.content.decode("utf-8-sig").splitlines()[1:]
    assert [row.split(",")[0] for row in rows] == [str(centres["Fanshaws"]["batch"])]


# Headers and client addresses -----------------------------------------------------------


def test_every_response_carries_the_security_headers(db_url):
    answer = _client().get("/download/export/1")
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] and answer.headers["permissions-policy"]
    assert "strict-transport-security" not in answer.headers


def test_https_adds_strict_transport_security(db_url, monkeypatch):
    monkeypatch.setenv("PUBLIC_URL", "https://certificates.example")
    config.get_settings.cache_clear()
    assert "max-age=" in _client().get("/").headers["strict-transport-security"]


def _rate_limited_app() -> Starlette:
    """A route that counts a verification for the client, as the Verify page does."""

    def verify(request: Request) -> PlainTextResponse:
        try:
            check_rate(request.client.host)
        except InvalidInput:
            return PlainTextResponse("too many", 429)
        return PlainTextResponse(request.client.host)

    from starlette.middleware import Middleware

    return Starlette(
        routes=[Route("/verify", verify)], middleware=[Middleware(ClientAddressMiddleware)]
    )


@pytest.fixture
def five_a_minute(db_url, monkeypatch):
    monkeypatch.setenv("VERIFY_RATE_LIMIT", "5/minute")
    config.get_settings.cache_clear()
    _limiter.cache_clear()  # fresh in-memory counters for this test


def test_a_client_over_ipv6_loopback_gets_no_fresh_bucket_by_claiming_addresses(five_a_minute):
    client = TestClient(_rate_limited_app(), client=("::1", 50000))
    answers = [
        client.get("/verify", headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
        for n in range(8)
    ]
    assert answers == [200] * 5 + [429] * 3


def test_clients_behind_a_trusted_proxy_are_told_apart_by_the_forwarded_address(
    five_a_minute, monkeypatch
):
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1, ::1")
    config.get_settings.cache_clear()
    client = TestClient(_rate_limited_app(), client=("::ffff:127.0.0.1", 50000))
    first = [client.get("/verify", headers={"X-Forwarded-For": "203.0.113.10"}) for _ in range(6)]
    other = client.get("/verify", headers={"X-Forwarded-For": "203.0.113.11"})
    assert [answer.status_code for answer in first] == [200] * 5 + [429]
    assert (other.status_code, other.text) == (200, "203.0.113.11")
