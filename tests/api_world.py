"""Two centres with batches, certificates and API keys, and a Starlette app serving the
API and badge routes (as the lead mounts them in st.App) for tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

import web.api
import web.badges
from core.api_keys import create_api_key
from core.db import session_scope
from core.models import ApiKeyScope
from tests.factories import make_actor, make_batch, make_candidate, make_centre, make_certificate

TODAY = dt.date.today()


@dataclass
class World:
    read_key: str
    export_key: str
    other_key: str
    batch_id: int
    certificate_ids: list[int]
    other_batch_id: int
    other_certificate_id: int
    coordinator: object
    other_coordinator: object


def app() -> Starlette:
    return Starlette(routes=web.api.routes + web.badges.routes)


@pytest.fixture
def api(db_url, badge_keys_dir) -> TestClient:
    with TestClient(app(), base_url="https://portal.example") as client:
        yield client


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def world(db_url) -> World:
    with session_scope(db_url) as session:
        fanshaws, other = make_centre(session, "Fanshaws"), make_centre(session, "Elsewhere")
        coordinator, other_coordinator = make_actor(session, fanshaws), make_actor(session, other)
        batch = make_batch(session, fanshaws)
        ids = [
            make_certificate(
                session,
                fanshaws,
                batch=batch,
                candidate=make_candidate(session, surname=surname),
            ).id
            for surname in ("Winbery", "Nowak-Łukasiewicz", "Jones")
        ]
        other_batch = make_batch(session, other)
        other_certificate = make_certificate(session, other, batch=other_batch)
        expires = TODAY + dt.timedelta(days=30)
        keys = [
            create_api_key(session, actor=actor, name=name, expires_on=expires, scope=scope).secret
            for actor, name, scope in (
                (coordinator, "MIS read", ApiKeyScope.READ),
                (coordinator, "MIS export", ApiKeyScope.EXPORT),
                (other_coordinator, "Other MIS", ApiKeyScope.EXPORT),
            )
        ]
        return World(
            read_key=keys[0],
            export_key=keys[1],
            other_key=keys[2],
            batch_id=batch.id,
            certificate_ids=ids,
            other_batch_id=other_batch.id,
            other_certificate_id=other_certificate.id,
            coordinator=coordinator,
            other_coordinator=other_coordinator,
        )
