"""The load benchmark's client (benchmarks/load.py) against `make run`'s server: it must
still sign in and search through Streamlit's websocket protocol, so that the benchmark
cannot rot into timing failed requests. The expected totals come from the same demo
data seeded into a database of the test's own (the demo data is deterministic)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from benchmarks.load import ProtocolError, StreamlitUser, check_search, run_phase
from core.auth import find_user
from core.db import get_engine, migrate, session_scope
from core.demo import DEMO_PASSWORD, seed_demo
from core.search import SearchCriteria, search_certificates
from core.users import actor_for

FANSHAWS = ["coordinator@fanshaws.example", "user@fanshaws.example"]
PREFIXES = ["obr", "smi", "jon"]


def run(coroutine: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run the client in a thread of its own: playwright's sync API, used by the browser
    tests of the same worker, leaves an event loop running in the main thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine())).result()


@pytest.fixture(scope="module")
def expected_totals(tmp_path_factory) -> dict[str, int]:
    url = f"sqlite:///{tmp_path_factory.mktemp('load') / 'demo.db'}"
    migrate(url)
    seed_demo(get_engine(url))
    with session_scope(url) as session:
        actor = actor_for(session, user=find_user(session, FANSHAWS[1]))
        totals = {
            prefix: search_certificates(
                session, actor=actor, criteria=SearchCriteria(surname=prefix)
            ).total
            for prefix in PREFIXES
        }
    get_engine(url).dispose()
    assert all(totals.values()), totals  # otherwise the check below proves little
    return totals


def test_signed_in_search_draws_its_results_through_the_protocol(
    live_server: str, expected_totals: dict[str, int]
):
    async def one_user() -> list[int | None]:
        user = StreamlitUser(live_server)
        await user.open()
        await user.sign_in(FANSHAWS[1], DEMO_PASSWORD)
        await user.open_search()
        found = []
        for prefix in PREFIXES:
            elapsed, run = await user.search(prefix)
            check_search(run, expected_totals[prefix])
            assert elapsed > 0
            found.append(run.found_total())
        await user.close()
        return found

    assert run(one_user) == [expected_totals[p] for p in PREFIXES]


def test_two_users_search_every_five_seconds_without_errors(
    live_server: str, expected_totals: dict[str, int]
):
    accounts = [(email, DEMO_PASSWORD) for email in FANSHAWS]
    result = run(lambda: run_phase(live_server, accounts, expected_totals, duration=6))
    assert result.errors == []
    assert len(result.sign_in_ms) == 2
    assert len(result.search_ms) >= 3


def test_a_failed_sign_in_is_an_error_not_a_fast_request(live_server: str):
    async def wrong_account() -> None:
        user = StreamlitUser(live_server)
        await user.open()
        try:
            await user.sign_in("nobody@fanshaws.example", "not-the-password")
        finally:
            await user.close()

    with pytest.raises(ProtocolError, match="sign-in failed"):
        run(wrong_account)
    nobody = [("nobody@fanshaws.example", "x")]
    result = run(lambda: run_phase(live_server, nobody, {"smi": 1}, duration=1))
    assert result.search_ms == [] and len(result.errors) == 1
