"""API keys: made by a centre's coordinator, shown once and stored hashed, at most a
year, listed with last use, revoked; staff see and revoke every centre's."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.api_keys import (
    COORDINATORS_ONLY,
    Unauthorized,
    authenticate,
    create_api_key,
    list_api_keys,
    revoke_api_key,
)
from core.db import session_scope
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.models import ApiKey, AuditEvent, Role
from tests.factories import make_actor, make_centre

NOW = dt.datetime(2026, 12, 6, 12, 0)


@pytest.fixture
def coordinator(session):
    return make_actor(session, make_centre(session, "Fanshaws"))


def _make(session, actor, **changes):
    values = {"name": "MIS", "expires_on": dt.date(2027, 6, 1), "scope": "read", "now": NOW}
    return create_api_key(session, actor=actor, **(values | changes))


def test_a_key_is_shown_once_and_only_its_hash_is_stored(session, coordinator):
    made = _make(session, coordinator)
    stored = session.get(ApiKey, made.id)
    assert made.secret.startswith(f"dck_{made.prefix}_")
    assert made.secret not in (stored.secret_hash, stored.prefix)
    assert len(stored.secret_hash) == 64
    assert not hasattr(list_api_keys(session, actor=coordinator)[0], "secret")


@pytest.mark.parametrize(
    ("expires_on", "message"),
    [(dt.date(2026, 12, 6), "after today"), (dt.date(2027, 12, 7), "within a year")],
)
def test_the_expiry_is_after_today_and_within_a_year(session, coordinator, expires_on, message):
    with pytest.raises(InvalidInput, match=message):
        _make(session, coordinator, expires_on=expires_on)


def test_a_centre_user_who_is_not_a_coordinator_cannot_make_keys(session):
    user = make_actor(session, make_centre(session), role=Role.CENTRE_USER)
    with pytest.raises(PermissionDenied, match=COORDINATORS_ONLY):
        _make(session, user)


def test_making_and_revoking_a_key_are_audited(session, coordinator):
    made = _make(session, coordinator)
    revoke_api_key(session, actor=coordinator, key_id=made.id, now=NOW)
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["api_key_created", "api_key_revoked"]
    assert list_api_keys(session, actor=coordinator)[0].status(NOW) == "Revoked"


def test_a_coordinator_cannot_revoke_another_centres_key(session, coordinator):
    theirs = _make(session, make_actor(session, make_centre(session, "Elsewhere")))
    with pytest.raises(NotFound):
        revoke_api_key(session, actor=coordinator, key_id=theirs.id)


def test_staff_see_and_revoke_every_centres_keys(session, coordinator):
    mine = _make(session, coordinator)
    _make(session, make_actor(session, make_centre(session, "Elsewhere")), name="Other")
    staff = make_actor(session, role=Role.STAFF)
    listed = list_api_keys(session, actor=staff)
    assert sorted(row.centre.split(" ", 1)[1] for row in listed) == ["Elsewhere", "Fanshaws"]
    revoke_api_key(session, actor=staff, key_id=mine.id, now=NOW)
    assert session.get(ApiKey, mine.id).revoked_by_id == staff.user_id


def test_a_key_acts_for_its_centre_only(session, coordinator):
    made = _make(session, coordinator, scope="read+export")
    holder = authenticate(
        session, authorization=f"Bearer {made.secret}", address="1.2.3.4", now=NOW
    )
    assert (holder.actor.centre_id, holder.can_export) == (coordinator.centre_id, True)


def test_a_key_past_its_expiry_is_refused(session, coordinator):
    made = _make(session, coordinator)
    with pytest.raises(Unauthorized, match="expired"):
        authenticate(
            session,
            authorization=f"Bearer {made.secret}",
            address="1.2.3.4",
            now=dt.datetime(2027, 6, 1),
        )


def test_last_use_is_listed_with_its_address(session, coordinator):
    made = _make(session, coordinator)
    authenticate(session, authorization=f"Bearer {made.secret}", address="10.0.0.9", now=NOW)
    row = list_api_keys(session, actor=coordinator)[0]
    assert (row.last_used_at, row.last_used_from) == (NOW, "10.0.0.9")


def test_keys_are_listed_newest_first_for_the_active_centre(db_url):
    with session_scope(db_url) as session:
        coordinator = make_actor(session, make_centre(session))
        for name, minutes in (("older", 0), ("newer", 5)):
            _make(session, coordinator, name=name, now=NOW + dt.timedelta(minutes=minutes))
        _make(session, make_actor(session, make_centre(session)), name="theirs")
        assert [row.name for row in list_api_keys(session, actor=coordinator)] == ["newer", "older"]
