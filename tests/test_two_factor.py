"""Two-factor sign-in (issue 22): enrolment, the code step, recovery codes, replay,
lockout, remembered browsers, who must use it, staff's reset. Codes are real ones,
computed from the secret with pyotp."""

from __future__ import annotations

import io
import time

import pyotp
import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func, select, update

from core import auth, two_factor
from core.config import get_settings
from core.db import session_scope
from core.errors import InvalidInput, PermissionDenied
from core.mail import deliver_queued_emails
from core.models import AuditEvent, Centre, RecoveryCode, RememberedBrowser, Role, User
from core.users import actor_for, require_staff
from tests.factories import PASSWORD, TOTP_SECRET, make_centre, make_user
from tests.smtp import smtp_server

STEP = two_factor.STEP_SECONDS


@pytest.fixture
def fanshaws(db_url) -> int:
    with session_scope() as session:
        return make_centre(session, "Fanshaws").id


def _user(fanshaws: int, *, two_factor_on: bool, role: Role = Role.CENTRE_USER) -> User:
    with session_scope() as session:
        centre = session.get(Centre, fanshaws)
        return make_user(session, role=role, centres=(centre,), two_factor=two_factor_on)


@pytest.fixture
def enrolled(fanshaws) -> User:
    return _user(fanshaws, two_factor_on=True)


def _code(offset_steps: int = 0, secret: str = TOTP_SECRET) -> str:
    return pyotp.TOTP(secret).at(time.time() + offset_steps * STEP)


def _pending(user: User) -> str:
    accepted = auth.sign_in(email=user.email, password=PASSWORD)
    assert accepted.needs_code
    return accepted.pending


def _failed_logins(user_id: int) -> int:
    with session_scope() as session:
        return session.get(User, user_id).failed_logins


def _events(action: str) -> list[AuditEvent]:
    with session_scope() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_right_password_alone_does_not_sign_in_an_enrolled_user(enrolled):
    accepted = auth.sign_in(email=enrolled.email, password=PASSWORD)
    assert (accepted.needs_code, _events("sign_in")) == (True, [])


def test_a_user_without_two_factor_is_signed_in_by_the_password(fanshaws):
    user = _user(fanshaws, two_factor_on=False)
    assert auth.sign_in(email=user.email, password=PASSWORD).needs_code is False


def test_the_code_from_the_app_completes_the_sign_in(enrolled):
    signed_in = two_factor.finish_sign_in(pending=_pending(enrolled), code=_code())
    assert (signed_in.user_id, signed_in.method) == (enrolled.id, "code")


def test_a_code_is_accepted_once_only(enrolled):
    code = _code()
    two_factor.finish_sign_in(pending=_pending(enrolled), code=code)
    with pytest.raises(InvalidInput, match="used already"):
        two_factor.finish_sign_in(pending=_pending(enrolled), code=code)


def test_an_older_code_is_refused_after_a_newer_one_was_used(enrolled):
    two_factor.finish_sign_in(pending=_pending(enrolled), code=_code(+1))
    with pytest.raises(InvalidInput):
        two_factor.finish_sign_in(pending=_pending(enrolled), code=_code(0))


def test_a_code_from_the_previous_step_is_still_accepted(enrolled):
    assert two_factor.finish_sign_in(pending=_pending(enrolled), code=_code(-1))


def test_a_code_two_steps_old_is_refused(enrolled):
    with pytest.raises(InvalidInput, match="not right"):
        two_factor.finish_sign_in(pending=_pending(enrolled), code=_code(-2))


def test_a_code_typed_with_a_space_is_accepted(enrolled):
    code = _code()
    assert two_factor.finish_sign_in(pending=_pending(enrolled), code=f" {code[:3]} {code[3:]}")


def test_a_forged_pending_step_is_refused(enrolled):
    forged = auth.pending_token(enrolled.id, settings=get_settings()) + "x"
    with pytest.raises(InvalidInput, match="took too long"):
        two_factor.finish_sign_in(pending=forged, code=_code())


def test_the_code_step_expires(enrolled):
    old = auth.pending_token(
        enrolled.id, settings=get_settings(), now=time.time() - auth.SECOND_STEP_MINUTES * 60
    )
    with pytest.raises(InvalidInput, match="took too long"):
        two_factor.finish_sign_in(pending=old, code=_code())


def test_a_password_change_ends_a_waiting_code_step(enrolled):
    pending = _pending(enrolled)
    time.sleep(0.01)
    with session_scope() as session:
        auth.end_sessions(session, user_id=enrolled.id)
    with pytest.raises(InvalidInput, match="took too long"):
        two_factor.finish_sign_in(pending=pending, code=_code())


def test_wrong_codes_count_towards_the_password_lockout(enrolled):
    earlier = get_settings().lockout_attempts - 2  # wrong passwords before this sign-in
    with session_scope() as session:
        session.execute(update(User).where(User.id == enrolled.id).values(failed_logins=earlier))
    pending = _pending(enrolled)
    with pytest.raises(InvalidInput, match="not right"):
        two_factor.finish_sign_in(pending=pending, code="000000")
    with pytest.raises(auth.AccountLocked, match="locked"):
        two_factor.finish_sign_in(pending=pending, code="000001")
    with pytest.raises(auth.AccountLocked):  # even the right code, while locked
        two_factor.finish_sign_in(pending=pending, code=_code())


def test_a_right_password_keeps_the_count_of_earlier_failures_for_an_enrolled_user(enrolled):
    with session_scope() as session:
        session.execute(update(User).where(User.id == enrolled.id).values(failed_logins=2))
    _pending(enrolled)
    assert _failed_logins(enrolled.id) == 2


def test_a_complete_sign_in_clears_the_count(enrolled):
    with session_scope() as session:
        session.execute(update(User).where(User.id == enrolled.id).values(failed_logins=2))
    two_factor.finish_sign_in(pending=_pending(enrolled), code=_code())
    assert _failed_logins(enrolled.id) == 0


def _enrol(user: User, secret: str | None = None) -> tuple[str, list[str]]:
    secret = secret or two_factor.new_secret()
    with session_scope() as session:
        codes = two_factor.enrol(session, user_id=user.id, secret=secret, code=_code(0, secret))
    return secret, codes


def test_enrolment_needs_a_code_from_the_new_secret(fanshaws):
    user = _user(fanshaws, two_factor_on=False)
    with pytest.raises(InvalidInput, match="does not match"), session_scope() as session:
        two_factor.enrol(session, user_id=user.id, secret=two_factor.new_secret(), code="123456")


def test_enrolment_gives_ten_recovery_codes_stored_only_as_digests(fanshaws):
    user = _user(fanshaws, two_factor_on=False)
    _, codes = _enrol(user)
    with session_scope() as session:
        stored = set(session.scalars(select(RecoveryCode.code_hash)))
    assert (len(set(codes)), stored & set(codes), len(stored)) == (10, set(), 10)


def test_the_first_code_of_enrolment_cannot_be_used_again_to_sign_in(fanshaws):
    user = _user(fanshaws, two_factor_on=False)
    secret = two_factor.new_secret()
    first_code = _code(0, secret)  # the same code again, even if a new step has begun since
    with session_scope() as session:
        two_factor.enrol(session, user_id=user.id, secret=secret, code=first_code)
    with pytest.raises(InvalidInput, match="used already"):
        two_factor.finish_sign_in(pending=_pending(user), code=first_code)


def test_a_recovery_code_signs_in_once(fanshaws):
    user = _user(fanshaws, two_factor_on=False)
    _, codes = _enrol(user)
    signed_in = two_factor.finish_sign_in(pending=_pending(user), code=codes[3].upper())
    assert signed_in.method == "recovery code"
    with pytest.raises(InvalidInput):
        two_factor.finish_sign_in(pending=_pending(user), code=codes[3])


def test_new_recovery_codes_end_the_old_ones(fanshaws):
    user = _user(fanshaws, two_factor_on=False)
    _, old = _enrol(user)
    with session_scope() as session:
        two_factor.new_recovery_codes(session, user_id=user.id)
    with pytest.raises(InvalidInput):
        two_factor.finish_sign_in(pending=_pending(user), code=old[0])


def test_the_qr_code_carries_the_secret_and_the_issuer(enrolled):
    uri = two_factor.provisioning_uri(TOTP_SECRET, enrolled.email)
    png = two_factor.qr_png(uri)
    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert found.text == uri and f"secret={TOTP_SECRET}" in uri and "issuer=IMI" in uri


# Remembered browsers


def _remember(user: User) -> str:
    with session_scope() as session:
        return two_factor.remember_browser(session, user_id=user.id)


def test_a_remembered_browser_skips_the_code(enrolled):
    token = _remember(enrolled)
    signed_in = two_factor.finish_with_remembered_browser(pending=_pending(enrolled), token=token)
    assert signed_in.method == "remembered browser"


def test_a_browser_remembered_for_another_user_asks_for_the_code(fanshaws, enrolled):
    other = _user(fanshaws, two_factor_on=True)
    token = _remember(other)
    assert (
        two_factor.finish_with_remembered_browser(pending=_pending(enrolled), token=token) is None
    )


def test_a_remembered_browser_expires(enrolled):
    token = _remember(enrolled)
    with session_scope() as session:
        session.execute(update(RememberedBrowser).values(expires_at=func.current_timestamp()))
    assert (
        two_factor.finish_with_remembered_browser(pending=_pending(enrolled), token=token) is None
    )


def test_a_password_change_forgets_remembered_browsers(enrolled):
    token = _remember(enrolled)
    auth.change_password(
        user_id=enrolled.id,
        current=PASSWORD,
        new="violet-harbour-kettle-42",
        confirm="violet-harbour-kettle-42",
    )
    with session_scope() as session:
        assert not two_factor.is_browser_remembered(session, user_id=enrolled.id, token=token)


def test_sign_out_everywhere_forgets_remembered_browsers_and_ends_sessions(enrolled):
    token = _remember(enrolled)
    signed_in_at = time.time() - 1
    with session_scope() as session:
        two_factor.sign_out_everywhere(session, user_id=enrolled.id)
    with session_scope() as session:
        remembered = two_factor.is_browser_remembered(session, user_id=enrolled.id, token=token)
        alive = auth.is_session_alive(session, user_id=enrolled.id, signed_in_at=signed_in_at)
    assert (remembered, alive) == (False, False)


def test_only_the_digest_of_a_remembered_browser_token_is_stored(enrolled):
    token = _remember(enrolled)
    with session_scope() as session:
        assert session.scalar(select(RememberedBrowser.token_hash)) != token


# Who must use it


def _actor(user_id: int):
    with session_scope() as session:
        return actor_for(session, user=session.get(User, user_id))


def test_staff_without_two_factor_must_enrol_and_can_do_no_staff_work(fanshaws):
    staff = _user(fanshaws, two_factor_on=False, role=Role.STAFF)
    actor = _actor(staff.id)
    with pytest.raises(PermissionDenied, match="two-factor"):
        require_staff(actor)
    assert actor.must_enrol


def test_a_centre_user_without_two_factor_need_not_enrol(fanshaws):
    assert _actor(_user(fanshaws, two_factor_on=False).id).must_enrol is False


def test_a_coordinator_can_require_two_factor_for_everyone_at_their_centre(fanshaws):
    coordinator = _user(fanshaws, two_factor_on=True, role=Role.COORDINATOR)
    user = _user(fanshaws, two_factor_on=False)
    with session_scope() as session:
        two_factor.set_centre_requirement(session, actor=_actor(coordinator.id), required=True)
    (event,) = _events("centre_two_factor_required")
    assert (_actor(user.id).must_enrol, event.user_id) == (True, coordinator.id)


def test_a_centre_user_cannot_set_the_centre_rule(fanshaws):
    user = _user(fanshaws, two_factor_on=False)
    with pytest.raises(PermissionDenied), session_scope() as session:
        two_factor.set_centre_requirement(session, actor=_actor(user.id), required=True)


def test_a_required_second_factor_cannot_be_turned_off(fanshaws):
    staff = _user(fanshaws, two_factor_on=True, role=Role.STAFF)
    with pytest.raises(InvalidInput, match="cannot be turned off"), session_scope() as session:
        two_factor.turn_off(session, user_id=staff.id, code=_code())


def test_an_optional_second_factor_is_turned_off_with_a_code(enrolled):
    with session_scope() as session:
        two_factor.turn_off(session, user_id=enrolled.id, code=_code())
    assert auth.sign_in(email=enrolled.email, password=PASSWORD).needs_code is False


# Staff reset


def test_staff_reset_a_second_factor_audited_and_the_user_emailed(monkeypatch, fanshaws, enrolled):
    staff = _user(fanshaws, two_factor_on=True, role=Role.STAFF)
    _remember(enrolled)
    with smtp_server() as (port, inbox):
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(port))
        get_settings.cache_clear()
        with session_scope() as session:
            two_factor.reset_second_factor(session, actor=_actor(staff.id), user_id=enrolled.id)
        deliver_queued_emails(get_settings())
    (event,) = _events("two_factor_reset")
    (message,) = inbox
    with session_scope() as session:
        left = session.scalar(select(func.count()).select_from(RememberedBrowser))
    assert (event.user_id, event.target, event.detail["before"]) == (
        staff.id,
        f"user:{enrolled.id}",
        {"two_factor": "on"},
    )
    assert (message["To"], "reset" in message["Subject"], left) == (enrolled.email, True, 0)
    assert auth.sign_in(email=enrolled.email, password=PASSWORD).needs_code is False


def test_a_centre_user_cannot_reset_a_second_factor(fanshaws, enrolled):
    other = _user(fanshaws, two_factor_on=False, role=Role.COORDINATOR)
    with pytest.raises(PermissionDenied), session_scope() as session:
        two_factor.reset_second_factor(session, actor=_actor(other.id), user_id=enrolled.id)
