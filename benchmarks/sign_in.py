"""Sign-in: from the click on Sign in until Home is drawn, in a real browser.

The portal as the Procfile serves it (st.App under uvicorn: sign-in gate, lockout
counted in the database, bcrypt, the sign-in ticket posted for the HttpOnly cookie,
session, header, Home) against a bare Streamlit page that looks the user up and runs
one bcrypt check: each run is a fresh browser context (no cookie), as a user arriving
in the morning.

    python benchmarks/sign_in.py [--runs N] [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    metric,
    paired_runs,
    prepare,
    print_table,
    serve_portal,
    serve_streamlit,
    stop_server,
    temporary_database,
)
from core.db import get_engine  # noqa: E402
from core.demo import DEMO_PASSWORD, DemoSize, is_empty, seed_demo  # noqa: E402

EMAIL = "coordinator@fanshaws.example"


def click_to_home_ms(browser, address: str) -> float:
    """One sign-in in a fresh context: the form is filled, then the click is timed until
    Home is drawn and the script has finished."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(address)
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
    started = time.perf_counter()
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Centre user home").first.wait_for()
    page.locator('[data-test-script-state="notRunning"]').wait_for(state="attached")
    elapsed = (time.perf_counter() - started) * 1000
    context.close()
    return elapsed


def browser_runs(url: str, runs: int) -> tuple[list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    portal, portal_address = serve_portal(url)
    bare, bare_address = serve_streamlit("benchmarks/bare_sign_in_app.py", url)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            times = paired_runs(
                runs,
                lambda _: click_to_home_ms(browser, portal_address),
                lambda _: click_to_home_ms(browser, bare_address),
            )
            browser.close()
    finally:
        stop_server(portal)
        stop_server(bare)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default SQLite)")
    args = parser.parse_args()
    url = temporary_database(args.database_url)
    prepare(url)
    if is_empty(get_engine(url)):
        seed_demo(get_engine(url), DemoSize(certificates=2_400, centres=3))
    portal, bare = browser_runs(url, args.runs)
    print_table(
        f"Browser: click Sign in until Home is drawn ({url.split(':')[0]})",
        [("portal sign-in", portal), ("bare page, one bcrypt check", bare)],
    )
    ratio = statistics.median(portal) / statistics.median(bare)
    print(f"\nportal / bare: {ratio:.2f}")
    metric("sign_in_click_to_home_ms", statistics.median(portal), "ms")
    metric("sign_in_bare_ms", statistics.median(bare), "ms")
    metric("sign_in_vs_bare_ratio", ratio, "ratio")


if __name__ == "__main__":
    main()
