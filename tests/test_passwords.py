"""Passwords (issue 22): guessable ones refused whatever their score, the common list,
and bcrypt at bounded concurrency below the pages' priority."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from zxcvbn import zxcvbn

from core import auth, passwords
from core.config import ROOT, get_settings
from core.db import session_scope
from core.errors import InvalidInput
from core.models import Role, User
from tests.factories import PASSWORD, make_centre, make_user


@pytest.fixture
def lock_test(db_url) -> User:
    """The outsider's test account: Lock Test, lock.test@fanshaws.example, of Fanshaws
    and of Riverside Motor Academy."""
    with session_scope() as session:
        riverside = make_centre(session, "Riverside Motor Academy")
        centres = (make_centre(session, "Fanshaws"), riverside)
        return make_user(
            session,
            email="lock.test@fanshaws.example",
            first_name="Lock",
            surname="Test",
            centres=centres,
        )


def _change_to(user: User, new: str) -> None:
    auth.change_password(user_id=user.id, current=PASSWORD, new=new, confirm=new)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Lock Test 1234", "your first name"),  # the outsider's first example
        ("locktestfanshaws", "your first name"),  # and their second
        ("quiet-LOCK-river-lamp", "your first name"),
        ("marble orchard TEST 77", "your surname"),
        ("l.o.c.k.t.e.s.t-zebra-moon", "your first name"),
        ("sunny fanshaws garden", "your email address"),
        ("walnut Riverside Motor Academy", "your centre's name"),
        ("riverside kettle plum", "your centre's name"),
    ],
)
def test_a_password_holding_the_users_name_email_or_centre_is_refused(lock_test, password, reason):
    with pytest.raises(InvalidInput, match=f"it contains {reason}"):
        _change_to(lock_test, password)


def test_a_name_part_shorter_than_three_letters_does_not_refuse(db_url):
    with session_scope() as session:
        user = make_user(session, first_name="Al", surname="Ng", email="al.ng@example.org")
    _change_to(user, "always-ngaio-kettle-42")  # holds "al" and "ng"; refused for neither


def test_a_generic_word_of_a_centre_name_does_not_refuse(lock_test):
    _change_to(lock_test, "violet academy harbour kettle")


@pytest.mark.parametrize("password", ["Pass Word 1234", "i.love.you.12", "q w e r t y u i o p"])
def test_a_common_password_that_zxcvbn_scores_strong_is_refused(lock_test, password):
    assert zxcvbn(password)["score"] >= auth.MIN_PASSWORD_SCORE  # the score alone passes it
    with pytest.raises(InvalidInput, match="30,000 passwords people use most"):
        _change_to(lock_test, password)


def test_the_common_list_ignores_case_spaces_and_punctuation():
    assert passwords.is_common("Iloveyou 12!")


def test_the_shipped_common_list_holds_30000_passwords_and_says_its_source():
    text = (ROOT / "data" / "common-passwords.txt").read_text()
    entries = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert (len(entries), "zxcvbn" in text, "MIT" in text) == (30_000, True, True)


def test_staff_passwords_are_not_judged_against_every_centre_name(db_url):
    with session_scope() as session:
        make_centre(session, "Harbour")
        staff = make_user(session, role=Role.STAFF, first_name="Priya", surname="Shah")
        assert auth.centre_names_of(session, session.get(User, staff.id)) == []


# Bounded concurrency


@pytest.fixture
def fresh_settings(monkeypatch) -> Iterator[pytest.MonkeyPatch]:
    """Settings read again from the environment the test sets, and after it."""
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


def test_password_checks_run_on_at_most_the_configured_threads(fresh_settings):
    fresh_settings.setenv("PASSWORD_CHECK_WORKERS", "2")
    get_settings.cache_clear()
    digest = passwords.hash_password("a-password-to-check")
    with ThreadPoolExecutor(max_workers=8) as callers:
        list(
            callers.map(
                lambda _: passwords.password_matches_hash(b"a-password-to-check", digest),
                range(8),
            )
        )
    checkers = [t for t in threading.enumerate() if t.name.startswith("password-check")]
    assert len(checkers) == 2


def test_by_default_one_core_is_left_for_the_pages():
    assert passwords.check_workers(get_settings()) == max(1, passwords.cores() - 1)


def test_password_checks_run_below_the_pages_priority(fresh_settings):
    fresh_settings.setenv("PASSWORD_CHECK_NICENESS", "7")
    get_settings.cache_clear()
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    checker = passwords._queued(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
    assert checker == own + 7
