"""Staff add users to centres and look after their accounts; a coordinator asks for an
additional user and reads the answer."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import pytest
from sqlalchemy import select

from core.accounts import (
    NewUser,
    add_user,
    approve_user_request,
    change_role,
    disable_user,
    enable_user,
    list_user_requests,
    list_users,
    reject_user_request,
    request_user,
    unlock_user,
)
from core.auth import is_session_alive, reset_password, sign_in
from core.db import get_engine, session_scope
from core.demo import DemoSize, seed_demo
from core.errors import InvalidInput, PermissionDenied
from core.models import AuditEvent, Centre, Membership, OutboxEmail, Role, User, utcnow
from core.users import Actor, actor_for, set_active_centre
from tests.factories import PASSWORD, make_actor, make_centre, make_user

NEW = NewUser("Carly", "Hughes", "Carly.Hughes@Fanshaws.example")


@pytest.fixture
def fanshaws(session):
    return make_centre(session, "Fanshaws")


@pytest.fixture
def staff(session):
    return make_actor(session, role=Role.STAFF)


def _link_token(session) -> str:
    body = session.scalar(select(OutboxEmail.body).order_by(OutboxEmail.id.desc()))
    return re.search(r"token=([\w-]+)", body).group(1)


def test_a_user_added_to_a_centre_is_emailed_a_link_and_sets_a_first_password(
    db_url, session, staff, fanshaws
):
    user = add_user(session, actor=staff, centre_id=fanshaws.id, new=NEW)
    email = session.scalar(select(OutboxEmail))
    assert (email.to_address, email.subject) == (
        "carly.hughes@fanshaws.example",
        "Your Digital Certificates account",
    )
    assert "Fanshaws" in email.body and "72 hours" in email.body
    assert session.get(Membership, (user.id, fanshaws.id)) is not None
    token = _link_token(session)
    session.commit()
    reset_password(token=token, new="amber lantern quietly", confirm="amber lantern quietly")
    assert sign_in(email="carly.hughes@fanshaws.example", password="amber lantern quietly")


def test_an_existing_user_added_to_another_centre_joins_it_without_an_email(
    session, staff, fanshaws
):
    user = make_user(session, email="carly@fanshaws.example", centres=(fanshaws,))
    northgate = make_centre(session, "Northgate College")
    add_user(
        session,
        actor=staff,
        centre_id=northgate.id,
        new=NewUser("Carly", "Hughes", "carly@fanshaws.example"),
    )
    assert session.get(Membership, (user.id, northgate.id)) is not None
    assert session.scalar(select(OutboxEmail)) is None


def test_adding_a_user_who_is_already_in_the_centre_is_refused(session, staff, fanshaws):
    make_user(session, email="carly@fanshaws.example", centres=(fanshaws,))
    with pytest.raises(InvalidInput, match="already a user of Fanshaws"):
        add_user(
            session,
            actor=staff,
            centre_id=fanshaws.id,
            new=NewUser("Carly", "Hughes", "carly@fanshaws.example"),
        )


def test_adding_a_user_is_audited_with_who_and_the_new_account(session, staff, fanshaws):
    user = add_user(session, actor=staff, centre_id=fanshaws.id, new=NEW)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "user_created"))
    assert (event.user_id, event.centre_id, event.target) == (
        staff.user_id,
        fanshaws.id,
        f"user:{user.id}",
    )
    assert event.detail["after"]["status"] == "No password yet"


def test_changing_a_role_is_audited_with_before_and_after(session, staff, fanshaws):
    user = make_user(session, role=Role.CENTRE_USER, centres=(fanshaws,))
    change_role(session, actor=staff, user_id=user.id, role=Role.COORDINATOR)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "user_role_changed"))
    assert (event.detail["before"]["role"], event.detail["after"]["role"]) == (
        "centre_user",
        "coordinator",
    )


def test_a_disabled_user_is_signed_out_and_cannot_sign_in(session, staff, fanshaws):
    user = make_user(session, centres=(fanshaws,))
    signed_in_at = utcnow().replace(tzinfo=dt.UTC).timestamp() - 5
    disable_user(session, actor=staff, user_id=user.id)
    session.commit()
    assert not is_session_alive(session, user_id=user.id, signed_in_at=signed_in_at)
    with pytest.raises(InvalidInput):
        sign_in(email=user.email, password=PASSWORD)


def test_an_enabled_user_can_sign_in_again(session, staff, fanshaws):
    user = make_user(session, centres=(fanshaws,))
    disable_user(session, actor=staff, user_id=user.id)
    enable_user(session, actor=staff, user_id=user.id)
    session.commit()
    assert sign_in(email=user.email, password=PASSWORD).id == user.id


def test_an_unlocked_account_can_sign_in_at_once(session, staff, fanshaws):
    user = make_user(session, centres=(fanshaws,))
    user.failed_logins, user.locked_until = 5, utcnow() + dt.timedelta(minutes=15)
    assert list_users(session, actor=staff, search=user.email).rows[0].status == "Locked"
    unlock_user(session, actor=staff, user_id=user.id)
    session.commit()
    assert sign_in(email=user.email, password=PASSWORD).id == user.id


def test_staff_cannot_disable_or_demote_themselves(session, staff):
    with pytest.raises(InvalidInput, match="your own account"):
        disable_user(session, actor=staff, user_id=staff.user_id)
    with pytest.raises(InvalidInput, match="your own account"):
        change_role(session, actor=staff, user_id=staff.user_id, role=Role.CENTRE_USER)


def test_users_of_one_centre_are_listed_and_found_by_name_or_email(session, staff, fanshaws):
    make_user(session, centres=(fanshaws,), surname="Hughes", email="carly@fanshaws.example")
    make_user(session, centres=(fanshaws,), surname="Nowak")
    make_user(session, surname="Hughes")  # of no centre
    assert [r.name for r in list_users(session, actor=staff, centre_id=fanshaws.id).rows] == [
        "John Hughes",
        "John Nowak",
    ]
    assert list_users(session, actor=staff, search="hug").total == 2
    assert list_users(session, actor=staff, search="carly@").total == 1


def test_a_coordinator_requests_a_user_and_staff_approval_creates_it(session, staff, fanshaws):
    coordinator = make_actor(session, fanshaws)
    request = request_user(
        session, actor=coordinator, first_name="Carly", surname="Hughes", email=NEW.email
    )
    (waiting,) = list_user_requests(session, actor=staff, status="Pending").rows
    assert (waiting.centre, waiting.email) == (f"{fanshaws.number} Fanshaws", NEW.email.lower())
    user = approve_user_request(session, actor=staff, request_id=request.id)
    assert session.get(Membership, (user.id, fanshaws.id)) is not None
    assert session.scalar(select(OutboxEmail.to_address)) == NEW.email.lower()
    (seen,) = list_user_requests(session, actor=coordinator).rows
    assert seen.status == "Approved"


def test_a_rejected_request_shows_the_coordinator_the_reason(session, staff, fanshaws):
    coordinator = make_actor(session, fanshaws)
    request = request_user(
        session, actor=coordinator, first_name="Carly", surname="Hughes", email=NEW.email
    )
    reject_user_request(
        session, actor=staff, request_id=request.id, reason="Carly left the centre in May."
    )
    (seen,) = list_user_requests(session, actor=coordinator).rows
    assert (seen.status, seen.reason) == ("Rejected", "Carly left the centre in May.")
    assert session.scalar(select(User).where(User.email == NEW.email.lower())) is None
    with pytest.raises(InvalidInput, match="already rejected"):
        approve_user_request(session, actor=staff, request_id=request.id)


def test_a_coordinator_sees_only_their_own_centres_requests(session, staff, fanshaws):
    request_user(
        session,
        actor=make_actor(session, fanshaws),
        first_name="A",
        surname="B",
        email="a@b.example",
    )
    northgate = make_actor(session, make_centre(session, "Northgate College"))
    assert list_user_requests(session, actor=northgate).total == 0


def test_the_same_request_twice_is_refused_while_it_waits(session, fanshaws):
    coordinator = make_actor(session, fanshaws)
    request_user(session, actor=coordinator, first_name="A", surname="B", email="a@b.example")
    with pytest.raises(InvalidInput, match="already waiting"):
        request_user(session, actor=coordinator, first_name="A", surname="B", email="A@b.example")


def test_a_centre_user_who_is_not_coordinator_cannot_request_users(session, fanshaws):
    user = make_actor(session, fanshaws, role=Role.CENTRE_USER)
    with pytest.raises(PermissionDenied):
        request_user(session, actor=user, first_name="A", surname="B", email="a@b.example")
    with pytest.raises(PermissionDenied):
        list_user_requests(session, actor=user)


@pytest.mark.parametrize(
    "call",
    [
        lambda s, a, ids: add_user(s, actor=a, centre_id=ids["centre"], new=NEW),
        lambda s, a, ids: change_role(s, actor=a, user_id=ids["user"], role=Role.STAFF),
        lambda s, a, ids: disable_user(s, actor=a, user_id=ids["user"]),
        lambda s, a, ids: enable_user(s, actor=a, user_id=ids["user"]),
        lambda s, a, ids: unlock_user(s, actor=a, user_id=ids["user"]),
        lambda s, a, ids: list_users(s, actor=a),
        lambda s, a, ids: approve_user_request(s, actor=a, request_id=ids["request"]),
        lambda s, a, ids: reject_user_request(
            s, actor=a, request_id=ids["request"], reason="No thank you."
        ),
    ],
    ids=["add", "role", "disable", "enable", "unlock", "list", "approve", "reject"],
)
def test_a_coordinator_calling_a_staff_user_function_is_refused(session, fanshaws, call):
    coordinator = make_actor(session, fanshaws)
    user = make_user(session, centres=(fanshaws,))
    request = request_user(
        session, actor=coordinator, first_name="A", surname="B", email="a@b.example"
    )
    ids = {"centre": fanshaws.id, "user": user.id, "request": request.id}
    with pytest.raises(PermissionDenied):
        call(session, coordinator, ids)


def _demo_coordinator_acting_for_riverside(db_url) -> Actor:
    seed_demo(get_engine(db_url), DemoSize(certificates=60, centres=3, fanshaws_batches=3))
    with session_scope(db_url) as session:
        user = session.scalar(select(User).where(User.email == "coordinator@fanshaws.example"))
        riverside = session.scalar(select(Centre).where(Centre.name.startswith("Riverside")))
        set_active_centre(session, user_id=user.id, centre_id=riverside.id)
        return actor_for(session, user=user)


def test_the_demo_coordinator_of_fanshaws_is_a_plain_user_at_riverside(db_url):
    actor = _demo_coordinator_acting_for_riverside(db_url)
    assert (actor.centre_name, actor.role) == ("Riverside Motor Academy", Role.CENTRE_USER)


def test_a_coordinator_acting_for_a_centre_they_do_not_coordinate_cannot_request_users(db_url):
    actor = _demo_coordinator_acting_for_riverside(db_url)
    # Even told they are coordinator (an actor kept from before), core asks the database.
    for acting in (actor, replace(actor, role=Role.COORDINATOR.value)):
        with session_scope(db_url) as session, pytest.raises(PermissionDenied):
            request_user(session, actor=acting, first_name="A", surname="B", email="a@b.example")


def test_a_coordinator_acting_for_a_centre_they_do_not_coordinate_cannot_read_its_requests(
    db_url,
):
    actor = _demo_coordinator_acting_for_riverside(db_url)
    for acting in (actor, replace(actor, role=Role.COORDINATOR.value)):
        with session_scope(db_url) as session, pytest.raises(PermissionDenied):
            list_user_requests(session, actor=acting)


def test_the_role_is_per_centre_one_user_coordinates_one_and_is_a_user_of_another(
    session, fanshaws
):
    northgate = make_centre(session, "Northgate College")
    user = make_user(session, centres=(fanshaws,))
    session.add(Membership(user_id=user.id, centre_id=northgate.id, role=Role.CENTRE_USER.value))
    session.flush()
    assert actor_for(session, user=user).role == Role.COORDINATOR
    set_active_centre(session, user_id=user.id, centre_id=northgate.id)
    assert actor_for(session, user=user).role == Role.CENTRE_USER


def test_staff_change_a_role_at_one_centre_only(session, staff, fanshaws):
    northgate = make_centre(session, "Northgate College")
    user = make_user(session, centres=(fanshaws, northgate))
    change_role(
        session, actor=staff, user_id=user.id, role=Role.CENTRE_USER, centre_id=northgate.id
    )
    roles = dict(
        session.execute(
            select(Membership.centre_id, Membership.role).where(Membership.user_id == user.id)
        ).all()
    )
    assert roles == {fanshaws.id: Role.COORDINATOR, northgate.id: Role.CENTRE_USER}
