"""Export downloads from S3-style storage, against a real S3 API (moto's server mode):
the zip is written through s3fs by the worker, then served by the route either as a
redirect to a short-lived presigned address or streamed with Range."""

from __future__ import annotations

import io
import time
import zipfile

import httpx
import pytest
import s3fs

from core import config
from core.db import session_scope
from core.exports import ExportSelection, request_export
from core.sessions import session_cookie
from tests.factories import make_actor, make_batch, make_centre, make_certificate
from tests.queue import run_queued_tasks
from tests.s3 import local_s3
from tests.test_web import COOKIE, _client
from web.downloads import export_link


@pytest.fixture(scope="module")
def s3_env():
    with local_s3() as env:
        yield env


@pytest.fixture
def on_s3(db_url, s3_env, monkeypatch):
    for name, value in s3_env.items():
        monkeypatch.setenv(name, value)
    config.get_settings.cache_clear()
    s3fs.S3FileSystem.clear_instance_cache()
    yield s3_env
    s3fs.S3FileSystem.clear_instance_cache()


@pytest.fixture
def export_on_s3(db_url, on_s3):
    with session_scope(db_url) as session:
        centre = make_centre(session)
        batch = make_batch(session, centre)
        make_certificate(session, centre, batch=batch)
        actor = make_actor(session, centre)
    with session_scope(db_url) as session:
        export_id = request_export(
            session,
            actor=actor,
            selection=ExportSelection(batch_ids=(batch.id,)),
            file_name="On S3",
            description="",
        )
    assert run_queued_tasks() == 1
    cookie = {COOKIE: session_cookie(actor.email, signed_in_at=time.time() - 1).value}
    return export_id, cookie


def test_an_s3_export_redirects_to_a_presigned_address_that_names_the_file(export_on_s3, on_s3):
    export_id, cookie = export_on_s3
    answer = _client(cookies=cookie, follow_redirects=False).get(export_link(export_id))
    assert answer.status_code == 303
    presigned = answer.headers["location"]
    assert presigned.startswith(on_s3["AWS_ENDPOINT_URL_S3"]) and "Expires=" in presigned
    from_s3 = httpx.get(presigned)
    assert from_s3.status_code == 200
    assert 'filename="On-S3.zip"' in from_s3.headers["content-disposition"]
    assert len(zipfile.ZipFile(io.BytesIO(from_s3.content)).namelist()) == 1


def test_an_s3_export_streams_through_the_app_with_range_when_presigning_is_off(
    export_on_s3, monkeypatch
):
    monkeypatch.setenv("PRESIGNED_URL_SECONDS", "0")
    config.get_settings.cache_clear()
    export_id, cookie = export_on_s3
    client = _client(cookies=cookie)
    whole = client.get(export_link(export_id))
    assert whole.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(whole.content)).namelist()
    part = client.get(export_link(export_id), headers={"Range": "bytes=100-199"})
    assert (part.status_code, part.content) == (206, whole.content[100:200])
