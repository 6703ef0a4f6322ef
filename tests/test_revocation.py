"""Revocation: staff only, with a reason, audited; exports leave a revoked certificate
out with the reason, and reprints of it are refused."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from core.basket import add_to_basket, basket_token, order_form
from core.checkout import place_order
from core.db import session_scope
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.exports import (
    NOT_INCLUDED,
    ExportSelection,
    find_download,
    get_export,
    read_download,
    request_export,
)
from core.models import AuditEvent, Role
from core.revocation import find_for_revocation, revoke_certificate
from tests.factories import make_actor, make_batch, make_centre, make_certificate
from tests.ordering import checkout
from tests.queue import run_queued_tasks

REASON = "Issued in error: the candidate did not complete the unit"


@pytest.fixture
def fanshaws(db_url) -> dict:
    with session_scope(db_url) as session:
        centre = make_centre(session, "Fanshaws")
        batch = make_batch(session, centre)
        kept = make_certificate(session, centre, batch=batch)
        withdrawn = make_certificate(session, centre, batch=batch)
        return {
            "centre": make_actor(session, centre),
            "staff": make_actor(session, role=Role.STAFF),
            "batch": batch.id,
            "kept": kept.id,
            "withdrawn": (withdrawn.id, withdrawn.number),
        }


def _revoke(db_url, actor, number, reason=REASON):
    with session_scope(db_url) as session:
        return revoke_certificate(session, actor=actor, number=number, reason=reason)


def test_staff_revoke_a_certificate_with_a_reason_and_it_is_audited(db_url, fanshaws):
    card = _revoke(db_url, fanshaws["staff"], fanshaws["withdrawn"][1])
    assert card.revoked and card.revoked_reason == REASON
    with session_scope(db_url) as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate_revoked"))
        assert event.user_id == fanshaws["staff"].user_id
        assert event.detail["after"] == {"revoked": True, "reason": REASON}


def test_a_centre_user_may_not_revoke_or_look_up(db_url, fanshaws):
    number = fanshaws["withdrawn"][1]
    with pytest.raises(PermissionDenied):
        _revoke(db_url, fanshaws["centre"], number)
    with pytest.raises(PermissionDenied), session_scope(db_url) as session:
        find_for_revocation(session, actor=fanshaws["centre"], number=number)


def test_revoking_needs_a_reason_and_a_known_number(db_url, fanshaws):
    with pytest.raises(InvalidInput, match="Say why"):
        _revoke(db_url, fanshaws["staff"], fanshaws["withdrawn"][1], reason=" ")
    with pytest.raises(NotFound, match="no certificate with that number"):
        _revoke(db_url, fanshaws["staff"], "016559933-01-0000")
    with session_scope(db_url) as session:
        card = find_for_revocation(
            session, actor=fanshaws["staff"], number=fanshaws["withdrawn"][1]
        )
    assert not card.revoked


def test_a_certificate_is_revoked_once(db_url, fanshaws):
    _revoke(db_url, fanshaws["staff"], fanshaws["withdrawn"][1])
    with pytest.raises(InvalidInput, match="already revoked"):
        _revoke(db_url, fanshaws["staff"], fanshaws["withdrawn"][1], reason="Again")


def test_a_later_export_leaves_a_revoked_certificate_out_with_the_reason(db_url, fanshaws):
    _revoke(db_url, fanshaws["staff"], fanshaws["withdrawn"][1])
    actor = fanshaws["centre"]
    with session_scope(db_url) as session:
        export_id = request_export(
            session,
            actor=actor,
            selection=ExportSelection(batch_ids=(fanshaws["batch"],)),
            file_name="batch",
        )
    run_queued_tasks()
    with session_scope(db_url) as session:
        row = get_export(session, actor=actor, export_id=export_id)
        download = find_download(session, actor=actor, export_id=export_id)
    assert (row.status, row.total, row.skipped) == ("Finished", 1, 1)
    assert "1 not included: revoked by the awarding body" in row.skipped_text
    archive = zipfile.ZipFile(io.BytesIO(read_download(download)))
    assert len([name for name in archive.namelist() if name.endswith(".pdf")]) == 1
    listing = archive.read(NOT_INCLUDED).decode()
    assert f"{fanshaws['withdrawn'][1]}" in listing and REASON in listing


def test_a_certificate_revoked_after_the_export_was_asked_for_is_left_out(db_url, fanshaws):
    actor = fanshaws["centre"]
    with session_scope(db_url) as session:
        export_id = request_export(
            session,
            actor=actor,
            selection=ExportSelection(batch_ids=(fanshaws["batch"],)),
            file_name="batch",
        )
    _revoke(db_url, fanshaws["staff"], fanshaws["withdrawn"][1])
    run_queued_tasks()
    with session_scope(db_url) as session:
        download = find_download(session, actor=actor, export_id=export_id)
    archive = zipfile.ZipFile(io.BytesIO(read_download(download)))
    assert fanshaws["withdrawn"][1] not in " ".join(
        name for name in archive.namelist() if name.endswith(".pdf")
    )
    assert REASON in archive.read(NOT_INCLUDED).decode()


def test_an_export_of_only_revoked_certificates_is_refused(db_url, fanshaws):
    _revoke(db_url, fanshaws["staff"], fanshaws["withdrawn"][1])
    with pytest.raises(InvalidInput, match="revoked"), session_scope(db_url) as session:
        request_export(
            session,
            actor=fanshaws["centre"],
            selection=ExportSelection(certificate_ids=(fanshaws["withdrawn"][0],)),
            file_name="one",
        )


def test_a_reprint_of_a_revoked_certificate_is_refused(db_url, fanshaws):
    _revoke(db_url, fanshaws["staff"], fanshaws["withdrawn"][1])
    certificate_id = fanshaws["withdrawn"][0]
    with session_scope(db_url) as session:
        form = order_form(
            session, actor=fanshaws["centre"], certificate_id=certificate_id, product="reprint"
        )
    assert "has been revoked" in form.refused
    with pytest.raises(InvalidInput, match="has been revoked"), session_scope(db_url) as session:
        add_to_basket(
            session,
            actor=fanshaws["centre"],
            certificate_id=certificate_id,
            product="reprint",
            quantity=1,
            reason="Lost",
        )


def test_an_order_placed_after_revocation_is_refused(db_url, fanshaws):
    actor, certificate_id = fanshaws["centre"], fanshaws["withdrawn"][0]
    with session_scope(db_url) as session:
        add_to_basket(
            session,
            actor=actor,
            certificate_id=certificate_id,
            product="reprint",
            quantity=1,
            reason="Lost",
        )
    _revoke(db_url, fanshaws["staff"], fanshaws["withdrawn"][1])
    with session_scope(db_url) as session:
        token = basket_token(session, actor=actor)
    with pytest.raises(InvalidInput, match="has been revoked"), session_scope(db_url) as session:
        place_order(session, actor=actor, checkout=checkout(), token=token)
