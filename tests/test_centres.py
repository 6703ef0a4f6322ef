"""Staff keep the centres: number, name, email and the addresses Centre Credits use."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from core.addresses import AddressInput
from core.centres import CentreInput, centre_form, create_centre, list_centres, update_centre
from core.checkout import addresses_on_file
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.models import AuditEvent, Centre, Role
from tests.factories import make_actor, make_centre, make_user

BILLING = AddressInput("Accounts", "", "1 High Street", "", "Hertford", "sg13 8as")
DELIVERY = AddressInput("Exams Office", "", "2 Low Road", "", "Hertford", "SG13 8AT")
NEW_CENTRE = CentreInput(
    "c00777", "Riverside Motor Academy", "Exams@Riverside.example", BILLING, DELIVERY
)


@pytest.fixture
def staff(session):
    return make_actor(session, role=Role.STAFF)


def test_staff_create_a_centre_whose_addresses_centre_credits_orders_use(session, staff):
    centre = create_centre(session, actor=staff, centre=NEW_CENTRE)
    coordinator = make_actor(session, centre)
    billing, delivery = addresses_on_file(session, actor=coordinator)
    assert (centre.number, centre.email) == ("C00777", "exams@riverside.example")
    assert billing == ["Accounts", "1 High Street", "Hertford", "SG13 8AS", "United Kingdom"]
    assert delivery[0] == "Exams Office"


def test_editing_a_centre_is_audited_with_before_and_after(session, staff):
    centre = create_centre(session, actor=staff, centre=NEW_CENTRE)
    changed = replace(NEW_CENTRE, name="Riverside Academy", delivery=replace(DELIVERY, town="Ware"))
    update_centre(session, actor=staff, centre_id=centre.id, centre=changed)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "centre_updated"))
    assert (event.user_id, event.centre_id) == (staff.user_id, centre.id)
    assert event.detail["before"]["name"] == "Riverside Motor Academy"
    assert event.detail["after"]["name"] == "Riverside Academy"
    assert "Ware" in event.detail["after"]["delivery"]


def test_edit_form_shows_the_centre_as_saved(session, staff):
    centre = create_centre(session, actor=staff, centre=NEW_CENTRE)
    form = centre_form(session, actor=staff, centre_id=centre.id)
    assert (form.number, form.billing.first_names, form.billing.postcode) == (
        "C00777",
        "Accounts",
        "SG13 8AS",
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"number": "C 1"}, "letters, digits and hyphens"),
        ({"name": "  "}, "centre's name"),
        ({"email": "not-an-address"}, "Centre email"),
        ({"billing": replace(BILLING, first_names="")}, "Billing address: enter the addressee"),
        ({"delivery": replace(DELIVERY, postcode="ABC")}, "not a UK postcode"),
    ],
)
def test_a_centre_with_bad_details_is_refused_and_nothing_is_saved(
    session, staff, changes, message
):
    with pytest.raises(InvalidInput, match=message):
        create_centre(session, actor=staff, centre=replace(NEW_CENTRE, **changes))
    assert session.scalar(select(Centre)) is None


def test_a_centre_number_already_in_use_is_refused(session, staff):
    make_centre(session, "Fanshaws").number = "C00777"
    with pytest.raises(InvalidInput, match="already in use"):
        create_centre(session, actor=staff, centre=NEW_CENTRE)


def test_centres_are_found_by_the_start_of_number_or_name_and_count_their_users(session, staff):
    fanshaws = make_centre(session, "Fanshaws")
    make_centre(session, "Northgate College")
    make_user(session, centres=(fanshaws,))
    assert [row.name for row in list_centres(session, actor=staff, search="fan").rows] == [
        "Fanshaws"
    ]
    assert [
        row.users for row in list_centres(session, actor=staff, search=fanshaws.number).rows
    ] == [1]
    assert list_centres(session, actor=staff, search="%").total == 0


def test_an_unknown_centre_is_not_found(session, staff):
    with pytest.raises(NotFound):
        update_centre(session, actor=staff, centre_id=999, centre=NEW_CENTRE)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CENTRE_USER])
def test_centre_users_cannot_create_edit_or_list_centres(session, role):
    fanshaws = make_centre(session)
    actor = make_actor(session, fanshaws, role=role)
    with pytest.raises(PermissionDenied):
        create_centre(session, actor=actor, centre=NEW_CENTRE)
    with pytest.raises(PermissionDenied):
        update_centre(session, actor=actor, centre_id=fanshaws.id, centre=NEW_CENTRE)
    with pytest.raises(PermissionDenied):
        list_centres(session, actor=actor)
    with pytest.raises(PermissionDenied):
        centre_form(session, actor=actor, centre_id=fanshaws.id)
