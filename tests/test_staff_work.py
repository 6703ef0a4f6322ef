"""Staff's own work (exports, their job banners, downloads, orders) belongs to no centre:
every centre's users find none of it, exactly as if it did not exist. Staff have no
current centre: they see every centre and filter by one when they choose."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.basket import add_to_basket
from core.db import session_scope
from core.errors import NotFound, PermissionDenied
from core.exports import (
    NO_SUCH_EXPORT,
    ExportSelection,
    find_download,
    get_export,
    list_exports,
    request_export,
)
from core.jobs import list_active_jobs
from core.models import Certificate, Job, Role, User
from core.orders import list_orders
from core.search import SearchCriteria
from core.users import actor_for
from tests.factories import (
    make_actor,
    make_batch,
    make_candidate,
    make_centre,
    make_certificate,
    make_user,
)
from tests.queue import run_queued_tasks


@pytest.fixture
def world(db_url):
    """Fanshaws and Northgate, each with a batch of O'Brien certificates; staff; and every
    kind of centre user: coordinators, a centre user, a new centre's coordinator, and a
    centre user whose only membership was removed (no centre at all)."""
    with session_scope(db_url) as session:
        fanshaws, northgate = make_centre(session, "Fanshaws"), make_centre(session, "Northgate")
        batches = {}
        for centre in (fanshaws, northgate):
            batch = make_batch(session, centre)
            for first in ("Noah", "Niamh"):
                candidate = make_candidate(session, first_name=first, surname="O'Brien")
                make_certificate(session, centre, batch=batch, candidate=candidate)
            batches[centre.name] = batch.id
        staff = make_user(session, role=Role.STAFF, first_name="Priya", surname="Shah")
        staff.active_centre_id = fanshaws.id  # what the old header read as "· Fanshaws"
        centre_users = [
            make_actor(session, fanshaws),
            make_actor(session, fanshaws, role=Role.CENTRE_USER),
            make_actor(session, northgate),
            make_actor(session, make_centre(session, "Aardvark Academy")),
            make_actor(session),
        ]
        return {
            "staff": actor_for(session, user=staff),
            "staff_user_id": staff.id,
            "batches": batches,
            "centre_users": centre_users,
        }


def _staff_exports(db_url, world) -> list[int]:
    """Staff export from Search (both centres), from a Northgate batch and from ticked
    Fanshaws certificates; every export is made."""
    selections = [
        ExportSelection(criteria=SearchCriteria(surname="o'brien", first_name="noah")),
        ExportSelection(batch_ids=(world["batches"]["Northgate"],)),
        ExportSelection(batch_ids=tuple(world["batches"].values())),
    ]
    ids = []
    for number, selection in enumerate(selections):
        with session_scope(db_url) as session:
            ids.append(
                request_export(
                    session,
                    actor=world["staff"],
                    selection=selection,
                    file_name=f"staff-{number}",
                )
            )
    run_queued_tasks()
    return ids


def test_staff_exports_are_in_no_centres_document_downloads(db_url, world):
    export_ids = _staff_exports(db_url, world)
    for actor in world["centre_users"]:
        with session_scope(db_url) as session:
            assert list_exports(session, actor=actor).total == 0
        for export_id in export_ids:
            for look in (get_export, find_download):
                with pytest.raises(NotFound, match=NO_SUCH_EXPORT), session_scope(db_url) as s:
                    look(s, actor=actor, export_id=export_id)


def test_staff_see_their_exports_of_every_centre_and_can_download_them(db_url, world):
    export_ids = _staff_exports(db_url, world)
    with session_scope(db_url) as session:
        listed = list_exports(session, actor=world["staff"])
        assert sorted(row.id for row in listed.rows) == sorted(export_ids)
        assert [row.certificates for row in listed.rows] == [4, 2, 2]
        assert {session.get(Job, export_id).centre_id for export_id in export_ids} == {None}
        for export_id in export_ids:
            assert find_download(session, actor=world["staff"], export_id=export_id)


def test_staff_job_banners_are_shown_to_no_centre_user(db_url, world):
    _staff_exports(db_url, world)
    for actor in world["centre_users"]:
        with session_scope(db_url) as session:
            assert list_active_jobs(session, actor=actor, kind="export") == []


def _staff_as_now(db_url, world):
    """Staff as the portal sees them on their next page."""
    with session_scope(db_url) as session:
        return actor_for(session, user=session.get(User, world["staff_user_id"]))


def test_staff_keep_their_job_banners_when_a_centre_is_added(db_url, world):
    _staff_exports(db_url, world)
    with session_scope(db_url) as session:
        make_centre(session, "Abbey College")  # now the first centre by name
    with session_scope(db_url) as session:
        staff = _staff_as_now(db_url, world)
        assert len(list_active_jobs(session, actor=staff, kind="export")) == 3


def test_staff_have_no_current_centre_whatever_centres_exist(db_url, world):
    with session_scope(db_url) as session:
        make_centre(session, "Abbey College")
    assert _staff_as_now(db_url, world).centre_id is None
    assert world["staff"].centre_id is None


def test_staff_cannot_place_orders_that_a_centre_would_see(db_url, world):
    with session_scope(db_url) as session:
        certificate_id = session.scalar(select(Certificate.id).limit(1))
        with pytest.raises(PermissionDenied):
            add_to_basket(
                session,
                actor=world["staff"],
                certificate_id=certificate_id,
                product="reprint",
                quantity=1,
                reason="Lost",
            )
    for actor in world["centre_users"]:
        with session_scope(db_url) as session:
            assert list_orders(session, actor=actor).total == 0
