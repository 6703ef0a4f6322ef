"""Browser tests: `make run`'s server on a free port with its own SQLite database, and
Debian's chromium driven by playwright (never a browser playwright downloads)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urljoin

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import select

from benchmarks.common import CHROMIUM, CHROMIUM_ARGS
from core import tasks
from core.config import get_settings
from core.db import session_scope
from core.demo import DEMO_STAFF_EMAIL, DEMO_STAFF_TOTP_SECRET
from core.exports import ExportSelection, request_export
from core.models import User
from core.search import SearchCriteria
from core.users import Actor, actor_for

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
DEMO_PASSWORD = "demo-password-1"
METRICS_TOKEN = "e2e-metrics-token"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_healthy(url: str, server: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"`make run` exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError("the app did not answer in time")


@pytest.fixture(scope="session")
def live_database(tmp_path_factory) -> str:
    """The throwaway database the live server uses (for `python -m core.cli` beside it)."""
    return f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'portal.db'}"


@pytest.fixture(scope="session")
def live_signing_cert(tmp_path_factory) -> Path:
    """Where `make run` makes the live server's signing certificate (as it would under
    data/runtime), for tests that sign or check PDFs beside it."""
    return tmp_path_factory.mktemp("e2e-signing") / "signing-cert.pem"


@contextmanager
def make_run(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """`make run` on env's PORT with env, its output in log_path, until the block ends;
    the address it serves."""
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            ["make", "run", f"PORT={env['PORT']}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://localhost:{env['PORT']}"
        try:
            _wait_until_healthy(url, server)
            yield url
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, live_database, live_signing_cert) -> Iterator[str]:
    """`make run` exactly as a user runs it, on a throwaway database."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": live_database,
        "EXPORTS_URL": str(tmp_path_factory.mktemp("e2e-exports")),
        "SIGNING_CERT_PATH": str(live_signing_cert),
        "PORT": str(port),
        "METRICS_TOKEN": METRICS_TOKEN,
    }
    for name in ("TEST_DATABASE_URL", "PUBLIC_URL"):  # make run derives PUBLIC_URL from PORT
        env.pop(name, None)
    with make_run(env, tmp_path_factory.mktemp("e2e-log") / "server.log") as url:
        yield url  # the PUBLIC_URL make run gives the app and worker


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1300})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def screenshot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


HOME_TITLE = re.compile("^(Centre user|Staff) home$")
# Two-factor secrets of the logins that have one: staff must sign in with a code.
TOTP_SECRETS = {DEMO_STAFF_EMAIL: DEMO_STAFF_TOTP_SECRET}
_last_steps: dict[str, int] = {}  # secret -> the last time-step answered with


def next_code(secret: str) -> str:
    """A code of `secret` the portal has not accepted yet. It accepts a step once, and
    the current step or the next: two sign-ins a 30 seconds, then wait for a new step."""
    while True:
        now = int(time.time() // 30)
        step = max(now, _last_steps.get(secret, -1) + 1)
        if step <= now + 1:
            _last_steps[secret] = step
            return pyotp.TOTP(secret).generate_otp(step)
        time.sleep((now + 1) * 30 - time.time() + 0.2)


def answer_code_step(page: Page, secret: str, *, remember: bool = False) -> None:
    """The second step of signing in: a real code from the secret."""
    page.get_by_label("Code", exact=True).fill(next_code(secret))
    if remember:
        page.get_by_text("Remember this browser").click()
    page.get_by_role("button", name="Verify").click()


def sign_in(
    page: Page, url: str, email: str, password: str = DEMO_PASSWORD, secret: str | None = None
) -> None:
    """Sign in and wait for Home; answers the code step for logins with a second factor
    (the demo staff login's published secret, or `secret`)."""
    page.goto(url)
    fill_sign_in_form(page, email, password)
    secret = secret or TOTP_SECRETS.get(email)
    if secret:
        answer_code_step(page, secret)
    page.get_by_text(HOME_TITLE).first.wait_for()
    _wait_for_sign_in_cookie(page)


def fill_sign_in_form(page: Page, email: str, password: str) -> None:
    """Type and submit as soon as the form is drawn, as a quick user would (a fresh
    server's first page can take half a minute on a machine busy with workers)."""
    page.get_by_label("Email address").wait_for(timeout=60_000)
    page.get_by_label("Email address").fill(email)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _wait_for_sign_in_cookie(page: Page, seconds: float = 15) -> None:
    """The cookie is set by the response to the page's ticket post, a moment after
    sign-in (the page is signed in meanwhile)."""
    deadline = time.monotonic() + seconds
    while not any(c["name"] == "dc_portal_session" for c in page.context.cookies()):
        if time.monotonic() > deadline:
            raise AssertionError("the sign-in cookie was never written")
        page.wait_for_timeout(200)


def download_link(page: Page, label: str, row: str | None = None) -> Locator:
    """A download link drawn as a button (st.link_button) by its label; with `row`, the
    one in the Document Downloads row that holds that text (the file name)."""
    scope = page
    if row is not None:
        scope = page.locator('[class*="st-key-downloads_row_"]').filter(has_text=row)
    return scope.locator('[data-testid="stLinkButton"] a').filter(has_text=label).first


def fetch_download(page: Page, href: str) -> tuple[str, bytes] | None:
    """Fetch a download address with the tab's cookies (the HttpOnly one included):
    (file name, bytes), or None when the portal answers 404."""
    response = page.request.get(urljoin(page.url, href))
    if response.status == 404:
        return None
    assert response.ok, response.status
    disposition = response.headers["content-disposition"]
    return re.search(r'filename="([^"]+)"', disposition).group(1), response.body()


def confirm_log_out(page: Page) -> None:
    """Press Log out on the Log out page and wait for the signed-out page's own reload
    (its script posts to /auth/logout, whose answer deletes the cookie, then opens the
    page afresh): a navigation of the test's own before then would be cut short by it."""
    page.evaluate("window.dcBeforeLogOut = true")
    page.get_by_role("button", name="Log out").click()
    deadline = time.monotonic() + 60
    while not _is_a_new_document(page):
        assert time.monotonic() < deadline, "the signed-out page never opened afresh"
        page.wait_for_timeout(100)
    page.wait_for_load_state()
    page.get_by_role("button", name="Sign in").wait_for()


def _is_a_new_document(page: Page) -> bool:
    try:
        return page.evaluate("window.dcBeforeLogOut === undefined")
    except PlaywrightError:  # the old document is being replaced
        return False


def log_out(page: Page) -> None:
    """Log out through the menu, as a user does."""
    page.get_by_role("link", name="Logout").click()
    confirm_log_out(page)


def wait_until_idle(page: Page) -> None:
    """Wait until the app has finished its script run (and a moment for drawing)."""
    page.locator('[data-test-script-state="notRunning"]').wait_for(state="attached")
    page.wait_for_timeout(300)


def tick_first_row(page: Page, table_index: int = 0) -> None:
    """Tick the first row of a st.dataframe (a canvas grid: click its check box)."""
    wait_until_idle(page)
    grid = page.locator('[data-testid="stDataFrame"]').nth(table_index)
    grid.wait_for()
    page.wait_for_timeout(700)  # the grid is a canvas: let it finish drawing
    box = grid.bounding_box()
    for _ in range(25):  # a busy machine may still be swapping the last run's grid
        if box is not None:
            break
        page.wait_for_timeout(200)
        box = grid.bounding_box()
    page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)
    page.wait_for_timeout(300)
    wait_until_idle(page)


def click_view_of_first_row(page: Page) -> None:
    """The grid is a canvas: point at the first row's View cell, as a mouse does before
    it clicks (the grid finds the cell under the pointer as it moves), then click."""
    wait_until_idle(page)
    grid = page.locator('[data-testid="stDataFrame"]').first
    expect(grid.get_by_test_id("glide-cell-1-0")).to_have_text("View")  # drawn
    page.wait_for_timeout(700)
    box = grid.bounding_box()
    x, y = box["x"] + 33 + 25, box["y"] + 35 + 17  # the first column after the ticks
    page.mouse.move(x, y)
    page.wait_for_timeout(300)
    page.mouse.click(x, y)


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option of a st.selectbox by its label, as a keyboard user would."""
    box = page.get_by_label(label)
    box.click()
    box.fill(option)
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    wait_until_idle(page)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep a screenshot of the page as it was when a browser test failed."""
    report = yield
    page = item.funcargs.get("page") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and page is not None:
        screenshot(page, f"failed-{item.name}")
    return report


def open_and_close_document_card(page: Page, shows: str, shot: str) -> None:
    """With one row ticked: View Certificate Details, check the card, screenshot, Close."""
    page.get_by_role("button", name="View Certificate Details").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("DC Certificate Number").first).to_be_visible()
    expect(dialog.get_by_text(shows).first).to_be_visible()
    close = page.locator(".st-key-card_close button")
    expect(close).to_be_visible()
    screenshot(page, shot)
    close.click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    wait_until_idle(page)


# Accessibility ----------------------------------------------------------------------------

# axe-core's rules for WCAG 2.0, 2.1 and 2.2 at levels A and AA (best practices are not
# asked for). No rule is turned off and no node left out.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
_AXE = Axe()


def accessibility_violations(page: Page, where: str) -> list[str]:
    """axe-core's WCAG A and AA violations on the page as it is now, one line each
    (rule, impact, the first nodes and why), prefixed with `where`."""
    results = _AXE.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    found = []
    for violation in results.response["violations"]:
        for node in violation["nodes"][:3]:
            checks = node["any"] + node["all"] + node["none"]
            why = checks[0]["message"] if checks else violation["help"]
            found.append(
                f"{where}: {violation['id']} ({violation['impact']}) {node['html'][:120]} "
                f"| {why[:160]}"
            )
    return found


def tab_to(page: Page, target: Locator, presses: int = 80) -> None:
    """Press Tab (only Tab) until `target` has the keyboard focus, as a keyboard user
    moves through the page."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}")


# The live server's own data -----------------------------------------------------------


@contextmanager
def live_settings(database: str) -> Iterator[None]:
    """Core calls made inside use the live server's database and queue, so that work
    queued here (an export) is done by its worker."""
    before = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = database
    get_settings.cache_clear()
    tasks.reconnect()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = before
        get_settings.cache_clear()
        tasks.reconnect()


def live_actor(database: str, email: str) -> Actor:
    with session_scope(database) as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        return actor_for(session, user=user)


def export_search(database: str, email: str, surname: str, file_name: str) -> int:
    """An export of a surname search's results, requested as `email` would from Search
    and made by the live server's worker; returns its id."""
    actor = live_actor(database, email)
    with live_settings(database), session_scope(database) as session:
        return request_export(
            session,
            actor=actor,
            selection=ExportSelection(criteria=SearchCriteria(surname=surname)),
            file_name=file_name,
        )
