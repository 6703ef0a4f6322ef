"""Search at scale: 1,000,000 certificates across 100 centres.

Times each kind of search at the query layer (a centre user's search, page 1 with its
count), a CSV export of about 10,000 rows, the Search page's whole rerun (AppTest), and
in a real browser the time from pressing Search to the results drawn (median:
`search_press_to_results_ms`), against a bare Streamlit page that runs one query
(`search_browser_vs_bare_ratio`, target at most 1.6).

    python benchmarks/search.py [--certificates N] [--runs N] [--browser-runs N]
                                [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from benchmarks.common import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    metric,
    p95,
    paired_runs,
    prepare,
    print_table,
    serve_streamlit,
    stop_server,
    temporary_database,
)
from core.db import get_engine, session_scope  # noqa: E402
from core.demo import DEMO_PASSWORD, DemoSize, seed_demo  # noqa: E402
from core.models import Certificate, Role  # noqa: E402
from core.search import SearchCriteria, search_certificates, search_csv  # noqa: E402
from core.users import Actor  # noqa: E402

# The Search page with every widget the guide asks for (the form, the pager and page
# size, ticks on the rows, the export buttons) against a text box, a button and a table.
BROWSER_RATIO_TARGET = 1.6
COORDINATOR = Actor(
    user_id=1, email="coordinator@fanshaws.example", role=Role.COORDINATOR.value, centre_id=1
)
STAFF = Actor(user_id=4, email="staff@imi.example", role=Role.STAFF.value, centre_id=None)


def build(url: str, certificates: int) -> None:
    started = time.perf_counter()
    seed_demo(get_engine(url), DemoSize(certificates=certificates, centres=100))
    with get_engine(url).begin() as connection:
        connection.execute(text("ANALYZE"))
    print(
        f"built {certificates:,} certificates over 100 centres in "
        f"{time.perf_counter() - started:.0f} s ({url.split(':')[0]})"
    )


def sample_criteria(url: str, runs: int) -> dict[str, list[SearchCriteria]]:
    """Searches a centre user would type, drawn from their centre's own certificates."""
    with session_scope(url) as session:
        rows = session.execute(
            select(
                Certificate.number,
                Certificate.candidate_number,
                Certificate.first_name_key,
                Certificate.surname_key,
                Certificate.birth_date,
            ).where(Certificate.centre_id == 1)
        ).all()
    picks = random.Random(7).sample(rows, runs)
    return {
        "certificate number": [SearchCriteria(certificate_number=r[0]) for r in picks],
        "candidate ID": [SearchCriteria(candidate_id=r[1]) for r in picks],
        "surname prefix (3 letters)": [SearchCriteria(surname=r[3][:3]) for r in picks],
        "first name + surname": [SearchCriteria(first_name=r[2][:3], surname=r[3]) for r in picks],
        "date of birth": [SearchCriteria(date_of_birth=r[4].isoformat()) for r in picks],
    }


def time_searches(url: str, criteria: list[SearchCriteria]) -> list[float]:
    timings = []
    for item in [criteria[0], *criteria]:  # the first one warms the caches
        started = time.perf_counter()
        with session_scope(url) as session:
            search_certificates(session, actor=COORDINATOR, criteria=item)
        timings.append((time.perf_counter() - started) * 1000)
    return timings[1:]


def csv_export(url: str) -> tuple[int, list[float]]:
    """Export the surname across all centres (as staff) whose count is nearest 10,000."""
    with session_scope(url) as session:
        counts = session.execute(
            select(Certificate.surname_key, func.count()).group_by(Certificate.surname_key)
        ).all()
    surname, rows = min(counts, key=lambda pair: abs(pair[1] - 10_000))
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        with session_scope(url) as session:
            search_csv(session, actor=STAFF, criteria=SearchCriteria(surname=surname))
        timings.append(time.perf_counter() - started)
    return rows, timings


def page_rerun(url: str, runs: int) -> list[float]:
    """The Search page's whole script run with a surname search on screen (AppTest)."""
    from streamlit.testing.v1 import AppTest

    os.environ.update(DATABASE_URL=url)
    from core.config import get_settings

    get_settings.cache_clear()
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    app.session_state["authentication_status"] = True
    app.session_state["username"] = COORDINATOR.email
    app.session_state["signed_in_at"] = time.time()
    app.session_state["search_criteria"] = SearchCriteria(surname="smi")
    app.run()
    app.switch_page("screens/search.py").run()
    assert "Found total" in "".join(m.value for m in app.markdown), "search did not run"
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        app.run()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _press_search(page, surname: str, totals: dict[str, int]) -> float:
    expected_total = totals[surname]
    page.get_by_label("Surname").fill(surname)
    started = time.perf_counter()
    page.get_by_role("button", name="Search", exact=True).first.click()
    page.get_by_text(f"Found total {expected_total:,} records").first.wait_for()
    page.locator('[data-test-script-state="notRunning"]').wait_for(state="attached")
    return (time.perf_counter() - started) * 1000


def browser_runs(url: str, runs: int) -> tuple[list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    prefixes = ["smi", "jon"]
    with session_scope(url) as session:
        totals = {
            p: search_certificates(
                session, actor=COORDINATOR, criteria=SearchCriteria(surname=p)
            ).total
            for p in prefixes
        }
    portal, portal_url = serve_streamlit("streamlit_app.py", url)
    bare, bare_url = serve_streamlit("benchmarks/bare_search_app.py", url)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            portal_page = browser.new_page(viewport={"width": 1400, "height": 1000})
            portal_page.goto(portal_url)
            portal_page.get_by_label("Email address").fill(COORDINATOR.email)
            portal_page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
            portal_page.get_by_role("button", name="Sign in").click()
            portal_page.get_by_text("Centre user home").first.wait_for()
            portal_page.get_by_role("link", name="Search").first.click()
            portal_page.get_by_label("Surname").wait_for()
            bare_page = browser.new_page(viewport={"width": 1400, "height": 1000})
            bare_page.goto(bare_url)
            bare_page.get_by_label("Surname").wait_for()
            times = paired_runs(
                runs,
                lambda run: _press_search(portal_page, prefixes[run % 2], totals),
                lambda run: _press_search(bare_page, prefixes[run % 2], totals),
            )
            browser.close()
    finally:
        stop_server(portal)
        stop_server(bare)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--browser-runs", type=int, default=15)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = temporary_database(args.database_url)
    prepare(url)
    build(url, args.certificates)

    searches = {
        name: time_searches(url, items) for name, items in sample_criteria(url, args.runs).items()
    }
    print_table(
        "Search, query layer (a centre user's page 1 with its count)", list(searches.items())
    )
    rows, csv_times = csv_export(url)
    print(f"\nCSV export of {rows:,} rows: median {statistics.median(csv_times):.2f} s")
    rerun = page_rerun(url, max(10, args.runs // 2))
    print_table("Search page, whole rerun (AppTest)", [("rerun with a surname search", rerun)])
    portal, bare = browser_runs(url, args.browser_runs)
    print_table(
        "Browser: press Search until the results are drawn",
        [("portal Search page", portal), ("bare Streamlit page, one query", bare)],
    )
    ratio = statistics.median(portal) / statistics.median(bare)
    print(f"\nportal / bare: {ratio:.2f} (target: at most {BROWSER_RATIO_TARGET})")

    names = {
        "certificate number": "search_certificate_number_p95_ms",
        "candidate ID": "search_candidate_id_p95_ms",
        "surname prefix (3 letters)": "search_surname_p95_ms",
        "first name + surname": "search_first_and_surname_p95_ms",
        "date of birth": "search_dob_p95_ms",
    }
    for label, name in names.items():
        metric(name, p95(searches[label]), "ms")
    metric("search_csv_10000_s", statistics.median(csv_times) * 10_000 / rows, "s")
    metric("search_page_rerun_ms", statistics.median(rerun), "ms")
    metric("search_browser_vs_bare_ratio", ratio, "ratio")
    metric("search_press_to_results_ms", statistics.median(portal), "ms")


if __name__ == "__main__":
    main()
