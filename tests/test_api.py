"""The centre API (/api/v1) over HTTP: keys, scoping, paging, ETags, errors, limits."""

from __future__ import annotations

import datetime as dt
import io
import socket
import threading
import time
import zipfile

import httpx
import pytest
import uvicorn
from sqlalchemy import select, update

from core import config
from core.api_keys import revoke_api_key
from core.badges import issue_badge
from core.db import session_scope
from core.models import ApiKey, AuditEvent, Certificate
from tests.api_world import app, bearer
from tests.queue import run_queued_tasks

PROBLEM = "application/problem+json"


def _endpoints(world) -> list[tuple[str, str, dict | None]]:
    """Every endpoint that takes an id, with the other centre's ids."""
    return [
        ("GET", f"/api/v1/batches/{world.other_batch_id}", None),
        ("GET", f"/api/v1/batches/{world.other_batch_id}/certificates", None),
        ("GET", f"/api/v1/certificates/{world.other_certificate_id}", None),
        ("GET", f"/api/v1/certificates/{world.other_certificate_id}/badge", None),
        ("GET", f"/api/v1/exports/{world.other_export_id}", None),
        ("GET", f"/api/v1/exports/{world.other_export_id}/download", None),
        (
            "POST",
            "/api/v1/exports",
            {"file_name": "theirs", "certificate_ids": [world.other_certificate_id]},
        ),
        ("POST", "/api/v1/exports", {"file_name": "theirs", "batch_ids": [world.other_batch_id]}),
    ]


@pytest.fixture
def other_export(api, world):
    """An export of the other centre, made by its own key."""
    answer = api.post(
        "/api/v1/exports",
        json={"file_name": "theirs", "batch_ids": [world.other_batch_id]},
        headers=bearer(world.other_key),
    )
    assert answer.status_code == 202, answer.text
    run_queued_tasks()
    world.other_export_id = answer.json()["id"]
    return world


def test_every_endpoint_answers_another_centres_ids_as_missing_ones(api, other_export):
    world = other_export
    for method, path, body in _endpoints(world):
        theirs = api.request(method, path, json=body, headers=bearer(world.export_key))
        assert (theirs.status_code, theirs.headers["content-type"]) == (404, PROBLEM), path
        missing_path = path.replace(str(world.other_batch_id), "999999").replace(
            str(world.other_certificate_id), "999999"
        )
        missing_path = missing_path.replace(f"/exports/{world.other_export_id}", "/exports/999999")
        missing_body = body and {
            key: [999999] if isinstance(value, list) else value for key, value in body.items()
        }
        missing = api.request(
            method, missing_path, json=missing_body, headers=bearer(world.export_key)
        )
        assert theirs.json()["detail"] == missing.json()["detail"], path


@pytest.mark.parametrize("kind", ["missing", "wrong", "expired", "revoked"])
def test_a_missing_wrong_expired_or_revoked_key_answers_401(api, world, db_url, kind):
    headers = bearer(world.read_key)
    if kind == "missing":
        headers = {}
    elif kind == "wrong":
        headers = bearer(world.read_key[:-4] + "AAAA")
    elif kind == "expired":
        with session_scope(db_url) as session:
            session.execute(update(ApiKey).values(expires_at=dt.datetime(2020, 1, 1)))
    else:
        with session_scope(db_url) as session:
            key_id = session.scalar(select(ApiKey.id).where(ApiKey.name == "MIS read"))
            revoke_api_key(session, actor=world.coordinator, key_id=key_id)
    for path in ("/api/v1/certificates", f"/api/v1/batches/{world.batch_id}"):
        answer = api.get(path, headers=headers)
        assert answer.status_code == 401
        assert answer.headers["content-type"] == PROBLEM
        assert answer.headers["www-authenticate"].startswith("Bearer")


def test_a_read_key_creating_an_export_answers_403_and_changes_nothing(api, world, db_url):
    answer = api.post(
        "/api/v1/exports",
        json={"file_name": "mine", "batch_ids": [world.batch_id]},
        headers=bearer(world.read_key),
    )
    assert (answer.status_code, answer.json()["status"]) == (403, 403)
    assert run_queued_tasks() == 0


def test_errors_are_problem_details_in_one_shape(api, world):
    answer = api.get("/api/v1/certificates?limit=0", headers=bearer(world.read_key))
    assert answer.status_code == 400
    assert answer.headers["content-type"] == PROBLEM
    body = answer.json()
    assert set(body) == {"type", "title", "status", "detail", "instance"}
    assert (body["status"], body["instance"]) == (400, "/api/v1/certificates")
    assert "limit" in body["detail"]


def test_certificate_pages_by_cursor_give_every_certificate_once(api, world):
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/v1/certificates", params=params, headers=bearer(world.read_key)).json()
        seen += [row["id"] for row in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(world.certificate_ids)


def test_updated_since_gives_only_certificates_changed_since(api, world, db_url):
    later = dt.datetime(2030, 1, 1)
    with session_scope(db_url) as session:
        session.execute(
            update(Certificate)
            .where(Certificate.id == world.certificate_ids[1])
            .values(updated_at=later)
        )
    page = api.get(
        "/api/v1/certificates",
        params={"updated_since": "2029-12-31T23:00:00Z"},
        headers=bearer(world.read_key),
    ).json()
    assert [row["id"] for row in page["data"]] == [world.certificate_ids[1]]
    assert page["data"][0]["updated_at"] == "2030-01-01T00:00:00Z"


def test_a_change_to_a_certificate_moves_its_updated_at_on(db_url, world):
    with session_scope(db_url) as session:
        before = session.get(Certificate, world.certificate_ids[0]).updated_at
    time.sleep(0.01)
    with session_scope(db_url) as session:
        session.execute(
            update(Certificate)
            .where(Certificate.id == world.certificate_ids[0])
            .values(grade="Merit")
        )
    with session_scope(db_url) as session:
        assert session.get(Certificate, world.certificate_ids[0]).updated_at > before


def test_certificates_are_filtered_by_the_search_criteria(api, world):
    page = api.get(
        "/api/v1/certificates", params={"surname": "lukas"}, headers=bearer(world.read_key)
    ).json()
    assert [row["surname"] for row in page["data"]] == ["Nowak-Łukasiewicz"]


def test_batches_are_filtered_as_on_print_batches(api, world):
    complete = api.get(
        "/api/v1/batches", params={"status": "COMPLETE"}, headers=bearer(world.read_key)
    ).json()
    failed = api.get(
        "/api/v1/batches", params={"status": "FAILED"}, headers=bearer(world.read_key)
    ).json()
    assert ([row["id"] for row in complete["data"]], failed["data"]) == ([world.batch_id], [])


def test_a_batchs_certificates_are_listed(api, world):
    page = api.get(
        f"/api/v1/batches/{world.batch_id}/certificates", headers=bearer(world.read_key)
    ).json()
    assert [row["id"] for row in page["data"]] == sorted(world.certificate_ids)


def test_a_single_object_has_an_etag_and_answers_304_when_unchanged(api, world, db_url):
    path = f"/api/v1/certificates/{world.certificate_ids[0]}"
    first = api.get(path, headers=bearer(world.read_key))
    tag = first.headers["etag"]
    again = api.get(path, headers={**bearer(world.read_key), "If-None-Match": tag})
    assert (again.status_code, again.content) == (304, b"")
    with session_scope(db_url) as session:
        session.execute(
            update(Certificate)
            .where(Certificate.id == world.certificate_ids[0])
            .values(grade="Merit")
        )
    changed = api.get(path, headers={**bearer(world.read_key), "If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag


def test_a_key_past_its_rate_limit_gets_429_with_retry_after(api, world, monkeypatch):
    monkeypatch.setenv("API_RATE_LIMIT", "2/minute")
    config.get_settings.cache_clear()
    answers = [api.get("/api/v1/batches", headers=bearer(world.read_key)) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[2].headers["content-type"] == PROBLEM
    assert 1 <= int(answers[2].headers["retry-after"]) <= 60


def test_an_export_is_made_by_the_worker_followed_and_downloaded_with_badges(api, world):
    made = api.post(
        "/api/v1/exports",
        json={"file_name": "June", "batch_ids": [world.batch_id], "include_badges": True},
        headers=bearer(world.export_key),
    )
    assert made.status_code == 202 and made.json()["status"] == "Pending"
    assert made.headers["location"] == f"/api/v1/exports/{made.json()['id']}"
    run_queued_tasks()
    status = api.get(made.headers["location"], headers=bearer(world.read_key)).json()
    assert status["status"] == "Finished"
    zipped = api.get(status["download"], headers=bearer(world.read_key))
    assert zipped.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()
    pdfs = sorted(name for name in names if name.endswith(".pdf"))
    assert len(pdfs) == 3
    assert sorted(name for name in names if name.endswith(".json")) == [
        pdf.removesuffix(".pdf") + ".json" for pdf in pdfs
    ]


def test_use_from_a_new_address_is_audited_once(api, world, db_url):
    for _ in range(3):
        api.get("/api/v1/batches", headers=bearer(world.read_key))
    with session_scope(db_url) as session:
        used = session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "api_key_used_from_new_address")
        ).all()
        key = session.scalar(select(ApiKey).where(ApiKey.name == "MIS read"))
        assert key.last_used_at is not None and key.last_used_from == "testclient"
    assert [detail["address"] for detail in used] == ["testclient"]


def test_the_openapi_document_names_every_route(api):
    document = api.get("/api/v1/openapi.json").json()
    assert document["openapi"] == "3.1.0"
    served = {
        route.path.replace(":int}", "}")
        for route in app().routes
        if route.path.startswith("/api/v1/")
        and "openapi" not in route.path
        and "rest" not in route.path
    }
    assert served == set(document["paths"])


def test_an_unknown_api_address_is_a_problem_404(api, world):
    answer = api.get("/api/v1/nothing-here", headers=bearer(world.read_key))
    assert (answer.status_code, answer.headers["content-type"]) == (404, PROBLEM)


def test_a_certificates_badge_comes_with_its_jwt(api, world):
    answer = api.get(
        f"/api/v1/certificates/{world.certificate_ids[0]}/badge", headers=bearer(world.read_key)
    ).json()
    assert answer["credential"]["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    checked = api.post(
        "/api/v1/credentials/verify",
        json={"credential": answer["jwt"]},
        headers=bearer(world.read_key),
    ).json()
    assert checked["verdict"] == "Valid"


def test_the_badge_routes_publish_keys_issuer_status_and_check(api, world):
    badge = api.get(
        f"/api/v1/certificates/{world.certificate_ids[0]}/badge", headers=bearer(world.read_key)
    ).json()
    credential = badge["credential"]
    keys = api.get("/.well-known/jwks.json").json()["keys"]
    kid = keys[0]["kid"]
    assert api.get(kid.replace("https://certificates.example", "")).json() == keys[0]
    assert api.get("/badges/issuer").json()["publicKey"] == keys
    status_path = credential["credentialStatus"]["id"].replace("https://certificates.example", "")
    assert api.get(status_path).json()["revokedCredentials"] == []
    own_path = credential["id"].replace("https://certificates.example", "")
    assert api.get(own_path).json()["proof"][0]["type"] == "JwtProof2020"
    checked = api.post("/badges/verify", json={"credential": badge["jwt"]}).json()
    assert checked["verdict"] == "Valid"


def test_the_public_check_takes_a_baked_badge_image(api, world, db_url):
    with session_scope(db_url) as session:
        image = issue_badge(session, certificate_id=world.certificate_ids[0]).image_bytes()
    checked = api.post("/badges/verify", content=image, headers={"Content-Type": "image/png"})
    assert checked.json()["verdict"] == "Valid"
    blank = api.post(
        "/badges/verify", content=b"\x89PNG\r\n\x1a\n", headers={"Content-Type": "image/png"}
    )
    assert blank.status_code == 400 and blank.headers["content-type"] == PROBLEM


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_routes_serve_under_uvicorn_to_a_real_http_client(db_url, world, badge_keys_dir):
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app(), host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        answer = httpx.get(
            f"{base}/api/v1/certificates/{world.certificate_ids[0]}",
            headers=bearer(world.read_key),
        )
        assert answer.status_code == 200 and answer.json()["id"] == world.certificate_ids[0]
        assert httpx.get(f"{base}/.well-known/jwks.json").json()["keys"]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
