"""Load: N simulated users against one running app process.

Each user holds one websocket to the app and speaks Streamlit's own protocol (BackMsg
and ForwardMsg protobufs on `/_stcore/stream`, as the browser does; a browser per user
would measure the browser): it signs in through the login form, opens Search, then
submits the search form every 5 seconds with a surname prefix from its centre's data.
A request is timed from sending its `rerun_script` BackMsg to the `script_finished`
ForwardMsg of that run; a search counts only if its page says "Found total N records"
with the N the database gives, so a failed sign-in is an error, not a fast request.
Each N gets a fresh app process; its memory is the process's resident set with the N
sessions open minus the same process after one warm-up session.

Then a sign-in storm, in the same run: 10 users signed in search every second while 50
others submit the sign-in form at the same moment. It times each of the 50 sign-ins
(submit to signed-in page) and the searchers' reruns that start during the storm, with
the password checks as configured (a queue of one fewer check than the cores, below the
pages' priority) against the old way (every check at once, at the pages' priority), each
in a fresh app process.

    python benchmarks/load.py [--users 1,10,50,100] [--duration SECONDS]
                              [--certificates N] [--database-url URL] [--storm 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402
from websockets.asyncio.client import ClientConnection, connect  # noqa: E402

SEARCH_EVERY_S = 5.0
REQUEST_TIMEOUT_S = 60.0
FOUND_TOTAL = re.compile(r"Found total ([\d,]+) records")
FINISHED = ForwardMsg.ScriptFinishedStatus
# A search reruns only the Search page's results (a fragment run).
SEARCH_DONE = {FINISHED.FINISHED_SUCCESSFULLY, FINISHED.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
LOAD_PASSWORD = "load-password-1"


class ProtocolError(Exception):
    """The app answered, but not with what a signed-in search should draw."""


@dataclass
class Run:
    """What one script run sent back: its widgets, texts and pages."""

    status: int | None = None
    text_inputs: dict[str, str] = field(default_factory=dict)  # label -> widget id
    buttons: dict[str, str] = field(default_factory=dict)  # label -> widget id
    components: dict[str, str] = field(default_factory=dict)  # widget id -> json_args
    pages: dict[str, str] = field(default_factory=dict)  # page name -> script hash
    texts: list[str] = field(default_factory=list)  # markdown bodies and alerts
    errors: list[str] = field(default_factory=list)  # error alerts and exceptions
    query_string: str | None = None

    def read(self, message: ForwardMsg) -> None:
        kind = message.WhichOneof("type")
        if kind == "navigation":
            self.pages = {p.page_name: p.page_script_hash for p in message.navigation.app_pages}
        elif kind == "page_info_changed":
            self.query_string = message.page_info_changed.query_string
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            self._read_element(message.delta.new_element)

    def _read_element(self, element) -> None:
        kind = element.WhichOneof("type")
        if kind == "text_input":
            self.text_inputs[element.text_input.label] = element.text_input.id
        elif kind == "button":
            self.buttons[element.button.label] = element.button.id
        elif kind == "component_instance":
            self.components[element.component_instance.id] = element.component_instance.json_args
        elif kind == "markdown":
            self.texts.append(element.markdown.body)
        elif kind == "alert":
            self.texts.append(element.alert.body)
            if element.alert.format == element.alert.ERROR:
                self.errors.append(element.alert.body)
        elif kind == "exception":
            self.errors.append(f"{element.exception.type}: {element.exception.message}")

    def found_total(self) -> int | None:
        for text in self.texts:
            if match := FOUND_TOTAL.search(text):
                return int(match.group(1).replace(",", ""))
        return None


def _component_answer(json_args: str) -> str | None:
    """What the browser's cookie component answers: every cookie (none here) for
    `getAll`, and `true` once it has written or deleted one."""
    try:
        method = json.loads(json_args).get("method")
    except (ValueError, AttributeError):
        return None
    return {"getAll": "{}", "set": "true", "delete": "true"}.get(method)


class StreamlitUser:
    """One browser tab, without the browser: a websocket speaking BackMsg/ForwardMsg."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.socket: ClientConnection | None = None
        self.pages: dict[str, str] = {}
        self.page_hash = ""
        self.query_string = ""
        self.answers: dict[str, str] = {}  # component widget id -> json value answered
        self.last: Run = Run()
        self.timeout = REQUEST_TIMEOUT_S

    async def open(self) -> None:
        address = self.base_url.replace("http", "ws", 1) + "/_stcore/stream"
        self.socket = await connect(
            address,
            subprotocols=["streamlit"],
            max_size=None,
            open_timeout=60,
            ping_interval=None,  # a browser sends no pings: a busy server must not end it
        )
        await self.rerun()

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()

    async def rerun(
        self, widgets: list[WidgetState] | None = None, page_hash: str | None = None
    ) -> Run:
        """Send one rerun_script, as the browser does on a click, and read every
        ForwardMsg until that run (and any st.rerun it asks for) has finished."""
        if page_hash is not None:
            self.page_hash = page_hash
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query_string
        state.page_script_hash = self.page_hash
        state.context_info.timezone = "UTC"
        state.context_info.locale = "en-GB"
        state.context_info.url = f"{self.base_url}/"
        for widget in widgets or []:
            state.widget_states.widgets.append(widget)
        for widget_id, value in self.answers.items():
            state.widget_states.widgets.add(id=widget_id, json_value=value)
        await self.socket.send(message.SerializeToString())
        run = Run()
        while True:
            data = await asyncio.wait_for(self.socket.recv(), self.timeout)
            reply = ForwardMsg()
            reply.ParseFromString(data)
            if reply.WhichOneof("type") == "new_session":
                run = Run(pages=run.pages, query_string=run.query_string)
            elif reply.WhichOneof("type") == "script_finished":
                if reply.script_finished != FINISHED.FINISHED_EARLY_FOR_RERUN:
                    run.status = reply.script_finished
                    break
            else:
                run.read(reply)
        self.pages = run.pages or self.pages
        if run.query_string is not None:
            self.query_string = run.query_string
        self.last = run
        return run

    async def answer_components(self) -> None:
        """Rerun with the cookie component's answers, as the browser does when the
        component first reports (at most a few rounds)."""
        for _ in range(3):
            new = {
                widget_id: answer
                for widget_id, args in self.last.components.items()
                if (answer := _component_answer(args)) is not None
                and self.answers.get(widget_id) != answer
            }
            if not new:
                return
            self.answers.update(new)
            await self.rerun()

    async def sign_in(self, email: str, password: str) -> float:
        """Fill and submit the login form; the time from submit to the signed-in page."""
        await self.answer_components()
        form = self.last
        if "Email address" not in form.text_inputs or "Sign in" not in form.buttons:
            raise ProtocolError(f"no sign-in form: {form.texts[:3]} {form.errors}")
        widgets = [
            WidgetState(id=form.text_inputs["Email address"], string_value=email),
            WidgetState(id=form.text_inputs["Password"], string_value=password),
            WidgetState(id=form.buttons["Sign in"], trigger_value=True),
        ]
        started = time.perf_counter()
        run = await self.rerun(widgets, page_hash=self.pages.get("Sign in", self.page_hash))
        elapsed = (time.perf_counter() - started) * 1000
        if "Search" not in run.pages or run.errors:
            raise ProtocolError(f"sign-in failed: {run.errors or run.texts[:3]}")
        await self.answer_components()
        return elapsed

    async def open_search(self) -> None:
        run = await self.rerun(page_hash=self.pages["Search"])
        if "Surname" not in run.text_inputs:
            raise ProtocolError(f"no search form: {run.errors or run.texts[:3]}")
        self.search_form = run

    async def search(self, surname: str) -> tuple[float, Run]:
        """Submit the search form with a surname; the time until the run finished."""
        form = self.search_form
        widgets = [
            WidgetState(id=widget_id, string_value=surname if label == "Surname" else "")
            for label, widget_id in form.text_inputs.items()
        ]
        widgets.append(WidgetState(id=form.buttons["Search"], trigger_value=True))
        started = time.perf_counter()
        run = await self.rerun(widgets, page_hash=self.pages["Search"])
        return (time.perf_counter() - started) * 1000, run


def check_search(run: Run, expected: int) -> None:
    if run.status not in SEARCH_DONE or run.errors:
        raise ProtocolError(f"search run ended {run.status}: {run.errors}")
    found = run.found_total()
    if found != expected:
        raise ProtocolError(f"search found {found}, expected {expected}")


# ---- one load phase: N users, sign in, then search every 5 seconds -------------------


@dataclass
class PhaseResult:
    users: int
    sign_in_ms: list[float] = field(default_factory=list)
    search_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rss_idle_mb: float = 0.0
    rss_loaded_mb: float = 0.0
    cpu_s: float = 0.0  # the app process's CPU time while the users searched

    def cpu_ms_per_search(self) -> float:
        return 1000 * self.cpu_s / len(self.search_ms) if self.search_ms else 0.0

    def mb_per_session(self) -> float:
        return (self.rss_loaded_mb - self.rss_idle_mb) / self.users


async def _user(
    base_url: str,
    email: str,
    password: str,
    searches: dict[str, int],
    start: asyncio.Event,
    stop_at: list[float],
    offset: float,
    result: PhaseResult,
    ready: list[StreamlitUser],
) -> None:
    user = StreamlitUser(base_url)
    rng = random.Random(email)
    try:
        await user.open()
        result.sign_in_ms.append(await user.sign_in(email, password))
        await user.open_search()
        ready.append(user)
        await start.wait()
        await asyncio.sleep(offset)
        next_at = time.monotonic()
        while time.monotonic() < stop_at[0]:
            surname = rng.choice(list(searches))
            try:
                elapsed, run = await user.search(surname)
                check_search(run, searches[surname])
                result.search_ms.append(elapsed)
            except ProtocolError as error:
                result.errors.append(f"{email}: {error}")
            next_at += SEARCH_EVERY_S
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    except Exception as error:  # a user that cannot sign in or lost its socket
        result.errors.append(f"{email}: {type(error).__name__}: {error}")
    finally:
        await start.wait()
        while time.monotonic() < stop_at[0]:  # keep the session open for the RSS reading
            await asyncio.sleep(0.5)


async def run_phase(
    base_url: str,
    accounts: list[tuple[str, str]],
    searches: dict[str, int],
    duration: float,
    pid: int | None = None,
) -> PhaseResult:
    """All users sign in (staggered, 0.1 s apart), then search every 5 seconds with
    starts spread over the first 5 seconds, for `duration` seconds."""
    result = PhaseResult(users=len(accounts))
    result.rss_idle_mb = rss_mb(pid) if pid else 0.0
    start, stop_at, ready = asyncio.Event(), [float("inf")], []
    tasks = []
    for index, (email, password) in enumerate(accounts):
        offset = SEARCH_EVERY_S * index / len(accounts)
        tasks.append(
            asyncio.create_task(
                _user(base_url, email, password, searches, start, stop_at, offset, result, ready)
            )
        )
        await asyncio.sleep(0.1)
    deadline = time.monotonic() + 60 + len(accounts)
    while len(ready) + len(result.errors) < len(accounts) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    cpu_before = cpu_s(pid) if pid else 0.0
    stop_at[0] = time.monotonic() + duration
    start.set()
    await asyncio.sleep(max(0.0, duration - 1))
    result.rss_loaded_mb = rss_mb(pid) if pid else 0.0  # every session open, warmed
    await asyncio.gather(*tasks)
    result.cpu_s = cpu_s(pid) - cpu_before if pid else 0.0
    await asyncio.gather(*(user.close() for user in ready), return_exceptions=True)
    return result


# ---- the app process and its data --------------------------------------------------


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def cpu_s(pid: int) -> float:
    """User plus system CPU seconds of the process, all threads."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_environment(options: tuple[str, ...]) -> dict[str, str]:
    """`--server.fileWatcherType auto` as Streamlit's environment variable
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=auto (uvicorn takes no Streamlit options)."""
    pairs = zip(options[::2], options[1::2], strict=True)
    return {
        "STREAMLIT_"
        + re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name[2:].replace(".", "_")).upper(): value
        for name, value in pairs
    }


def start_app(
    url: str,
    log_path: Path,
    options: tuple[str, ...] = (),
    server_kind: str = "st-app",
    settings: dict | None = None,
) -> tuple[subprocess.Popen, str]:
    """The app on a free port, one process: `uvicorn web.app:app` as the Procfile runs it
    (st-app), or the old `streamlit run streamlit_app.py` (streamlit-run); the project's
    .streamlit/config.toml, any extra `--section.option value` pairs and any portal
    `settings` (environment variables) either way."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "WORKER_THREADS": "0", "LOG_LEVEL": "WARNING"}
    env.update(settings or {})
    if server_kind == "st-app":
        env.update(_as_environment(options))
        command = [
            *(str(ROOT / ".venv" / "bin" / "uvicorn"), "web.app:app", "--port", str(port)),
            *("--no-proxy-headers", "--no-access-log", "--ws", "websockets-sansio"),
            *("--ws-per-message-deflate", "false", "--ws-max-size", "209715200"),
        ]
    else:
        command = [
            *(sys.executable, "-m", "streamlit", "run", "streamlit_app.py"),
            *("--server.port", str(port), "--server.headless", "true"),
            *options,
        ]
    log = open(log_path, "w")  # noqa: SIM115
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    address = f"http://127.0.0.1:{port}"
    for _ in range(240):
        if server.poll() is not None:
            raise RuntimeError(f"the app exited; see {log_path}")
        try:
            urllib.request.urlopen(f"{address}/_stcore/health", timeout=1)
            return server, address
        except OSError:
            time.sleep(0.25)
    stop_app(server)
    raise RuntimeError(f"the app did not start; see {log_path}")


def stop_app(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def build(url: str, certificates: int, users: int) -> tuple[list[tuple[str, str]], dict]:
    """Demo data plus `users` centre users of Fanshaws (one account per simulated user,
    as real users would be); the surname prefixes they search with and their totals."""
    from sqlalchemy import func, select

    from core.auth import hash_password
    from core.db import get_engine, migrate, session_scope
    from core.demo import DemoSize, seed_demo
    from core.models import Certificate, Membership, Role, User
    from core.search import SearchCriteria, search_certificates
    from core.users import actor_for

    migrate(url)
    seed_demo(get_engine(url), DemoSize(certificates=certificates, centres=3))
    password_hash = hash_password(LOAD_PASSWORD)
    with session_scope(url) as session:
        for index in range(users):
            user = User(
                email=f"load{index:03d}@fanshaws.example",
                first_name="Load",
                surname=f"User {index:03d}",
                role=Role.CENTRE_USER.value,
                password_hash=password_hash,
                active_centre_id=1,
            )
            session.add(user)
            session.flush()
            session.add(Membership(user_id=user.id, centre_id=1))
        session.commit()
    with session_scope(url) as session:
        prefixes = session.scalars(
            select(func.substr(Certificate.surname_key, 1, 3))
            .where(Certificate.centre_id == 1)
            .distinct()
        )
        picked = random.Random(13).sample(sorted(prefixes), 10)
        actor = actor_for(
            session, user=session.scalars(select(User).where(User.email.like("load%"))).first()
        )
        searches = {
            prefix: search_certificates(
                session, actor=actor, criteria=SearchCriteria(surname=prefix)
            ).total
            for prefix in picked
        }
    accounts = [(f"load{index:03d}@fanshaws.example", LOAD_PASSWORD) for index in range(users)]
    return accounts, searches


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if values else 0.0


# The app as .streamlit/config.toml ships it (both settings below off), against
# Streamlit's own defaults for the two settings the profile of a loaded process blamed
# (see docs/benchmarks.md, Load):
# runner.postScriptGC runs gc.collect(2) after every script run of every session, and
# server.fileWatcherType makes every session re-resolve the path of every imported
# module (thousands: pandas, sqlalchemy, pyarrow) after every run.
# "configured" is the app as the Procfile serves it (st.App under uvicorn);
# "streamlit-run" the same script under the old `streamlit run` server.
VARIANTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "configured": ("st-app", ()),
    "streamlit-run": ("streamlit-run", ()),
    "streamlit-defaults": (
        "st-app",
        ("--server.fileWatcherType", "auto", "--runner.postScriptGC", "true"),
    ),
    "no-post-gc": ("st-app", ("--runner.postScriptGC", "false")),
    "no-watcher": ("st-app", ("--server.fileWatcherType", "none")),
}


def measure(
    url: str,
    variant: str,
    counts: list[int],
    accounts: list,
    searches: dict,
    duration: float,
    logs: Path,
) -> list[PhaseResult]:
    """One fresh app process per N: warm it with one user, then N users."""
    results = []
    for count in counts:
        log = logs / f"app-{variant}-{count}-users.log"
        server_kind, options = VARIANTS[variant]
        server, address = start_app(url, log, options, server_kind)
        try:
            asyncio.run(run_phase(address, accounts[-1:], searches, 6.0))
            time.sleep(1)
            result = asyncio.run(
                run_phase(address, accounts[:count], searches, duration, server.pid)
            )
        finally:
            stop_app(server)
        results.append(result)
        print(
            f"  {variant}, {count} users: {len(result.search_ms)} searches, "
            f"{len(result.errors)} errors, p95 {percentile(result.search_ms, 0.95):.0f} ms, "
            f"RSS {result.rss_idle_mb:.0f} -> {result.rss_loaded_mb:.0f} MB; "
            f"load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        for error in result.errors[:3]:
            print(f"    error: {error}")
    return results


def print_results(variant: str, results: list[PhaseResult]) -> None:
    print(f"\nLoad, {variant}: one app process, users searching every {SEARCH_EVERY_S:.0f} s")
    print(
        f"{'users':>6}{'searches':>10}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'errors':>8}"
        f"{'CPU ms/search':>15}{'sign-in p50 ms':>16}{'RSS 0 MB':>10}{'RSS N MB':>10}"
        f"{'MB/session':>12}"
    )
    for r in results:
        print(
            f"{r.users:>6}{len(r.search_ms):>10}{percentile(r.search_ms, 0.5):>9.0f}"
            f"{percentile(r.search_ms, 0.95):>9.0f}{max(r.search_ms, default=0):>9.0f}"
            f"{len(r.errors):>8}{r.cpu_ms_per_search():>15.1f}"
            f"{statistics.median(r.sign_in_ms or [0]):>16.0f}"
            f"{r.rss_idle_mb:>10.0f}{r.rss_loaded_mb:>10.0f}{r.mb_per_session():>12.2f}"
        )


# ---- a sign-in storm while signed-in users search --------------------------------------

STORM_SEARCHERS = 10
STORM_SEARCH_EVERY_S = 1.0
STORM_IDLE_S = 5.0
STORM_SIGN_IN_TIMEOUT_S = 300.0
# How the app runs password checks: as configured, against every check at once at the
# pages' priority (the portal before issue 22).
STORM_VARIANTS: dict[str, dict[str, str]] = {
    "queued": {},
    "unbounded": {"PASSWORD_CHECK_WORKERS": "64", "PASSWORD_CHECK_NICENESS": "0"},
}


@dataclass
class StormResult:
    variant: str
    sign_in_s: list[float] = field(default_factory=list)
    rerun_idle_ms: list[float] = field(default_factory=list)
    rerun_storm_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    storm_s: float = 0.0


async def _search_on(
    user: StreamlitUser, searches: dict[str, int], phase: list[str], result: StormResult
) -> None:
    """Search every second until told to stop. A rerun counts as idle only if it started
    and ended before the storm; one that overlaps the storm in any way counts as the
    storm's (it was slowed by it)."""
    rng = random.Random(id(user))
    while phase[0] != "stop":
        started_in = phase[0]
        surname = rng.choice(list(searches))
        try:
            elapsed, run = await user.search(surname)
            check_search(run, searches[surname])
        except (ProtocolError, TimeoutError) as error:
            result.errors.append(f"search: {error}")
            continue
        ended_in = phase[0]
        if started_in == ended_in == "idle":
            result.rerun_idle_ms.append(elapsed)
        elif started_in == "storm" or (started_in == "idle" and ended_in != "idle"):
            result.rerun_storm_ms.append(elapsed)
        await asyncio.sleep(STORM_SEARCH_EVERY_S)


async def run_storm(
    base_url: str, searchers: list, crowd: list, searches: dict, variant: str
) -> StormResult:
    """Searchers sign in and search; then every account of `crowd` submits the sign-in
    form at the same moment."""
    result = StormResult(variant)
    signed_in = []
    for email, password in searchers:
        user = StreamlitUser(base_url)
        await user.open()
        await user.sign_in(email, password)
        await user.open_search()
        signed_in.append(user)
    arriving = [StreamlitUser(base_url) for _ in crowd]
    await asyncio.gather(*(user.open() for user in arriving))  # each shows the form
    for user in arriving:  # a sign-in waits its turn: a slow one is measured, not an error
        user.timeout = STORM_SIGN_IN_TIMEOUT_S
    phase = ["warm"]
    tasks = [asyncio.create_task(_search_on(user, searches, phase, result)) for user in signed_in]
    await asyncio.sleep(2)
    phase[0] = "idle"
    await asyncio.sleep(STORM_IDLE_S)
    phase[0] = "storm"
    started = time.perf_counter()
    pairs = zip(arriving, crowd, strict=True)
    outcomes = await asyncio.gather(
        *(user.sign_in(email, password) for user, (email, password) in pairs),
        return_exceptions=True,
    )
    result.storm_s = time.perf_counter() - started
    phase[0] = "stop"
    await asyncio.gather(*tasks)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            result.errors.append(f"sign-in: {type(outcome).__name__}: {outcome}")
        else:
            result.sign_in_s.append(outcome / 1000)
    await asyncio.gather(*(u.close() for u in signed_in + arriving), return_exceptions=True)
    return result


def measure_storm(url: str, accounts: list, searches: dict, size: int, logs: Path) -> list:
    """One fresh app process per way of running password checks."""
    searchers, crowd = accounts[:STORM_SEARCHERS], accounts[STORM_SEARCHERS:][:size]
    results = []
    for variant, settings in STORM_VARIANTS.items():
        log = logs / f"app-storm-{variant}.log"
        server, address = start_app(url, log, settings=settings)
        try:
            asyncio.run(run_phase(address, accounts[-1:], searches, 3.0))  # warm up
            result = asyncio.run(run_storm(address, searchers, crowd, searches, variant))
        finally:
            stop_app(server)
        results.append(result)
        print(
            f"  storm, {variant}: {len(result.sign_in_s)} sign-ins in {result.storm_s:.1f} s, "
            f"{len(result.rerun_storm_ms)} reruns during it, {len(result.errors)} errors; "
            f"load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        for error in result.errors[:3]:
            print(f"    error: {error}")
    return results


def print_storm(results: list[StormResult], size: int) -> None:
    print(
        f"\nSign-in storm: {size} sign-ins submitted at once while {STORM_SEARCHERS} "
        f"signed-in users search every {STORM_SEARCH_EVERY_S:.0f} s"
    )
    print(
        f"{'password checks':<18}{'sign-in p50 s':>14}{'p95 s':>8}{'max s':>8}"
        f"{'rerun idle p95 ms':>19}{'rerun storm p50 ms':>20}{'p95 ms':>9}{'max ms':>9}"
        f"{'errors':>8}"
    )
    for r in results:
        print(
            f"{r.variant:<18}{percentile(r.sign_in_s, 0.5):>14.1f}"
            f"{percentile(r.sign_in_s, 0.95):>8.1f}{max(r.sign_in_s, default=0):>8.1f}"
            f"{percentile(r.rerun_idle_ms, 0.95):>19.0f}"
            f"{percentile(r.rerun_storm_ms, 0.5):>20.0f}"
            f"{percentile(r.rerun_storm_ms, 0.95):>9.0f}{max(r.rerun_storm_ms, default=0):>9.0f}"
            f"{len(r.errors):>8}"
        )
    if len(results) > 1:
        queued, unbounded = results[0], results[1]
        ratio = percentile(unbounded.rerun_storm_ms, 0.95) / max(
            percentile(queued.rerun_storm_ms, 0.95), 1e-9
        )
        print(f"rerun p95 during the storm, {unbounded.variant} / {queued.variant}: {ratio:.1f}x")
    for r in results:
        suffix = "" if r.variant == "queued" else f"_{r.variant}"
        print(
            f"metric rerun_p95_ms_during_{size}_sign_ins{suffix} "
            f"{percentile(r.rerun_storm_ms, 0.95):.2f} ms"
        )
        print(f"metric sign_in_p95_s_{size}_at_once{suffix} {percentile(r.sign_in_s, 0.95):.2f} s")
        print(f"metric sign_in_errors_{size}_at_once{suffix} {len(r.errors)} count")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="1,10,50,100", help="comma-separated user counts")
    parser.add_argument("--duration", type=float, default=60, help="seconds of searching per N")
    parser.add_argument("--certificates", type=int, default=2_400, help="demo data size")
    parser.add_argument("--database-url", help="an empty PostgreSQL database to use instead")
    parser.add_argument(
        "--variants",
        default="configured,streamlit-run",
        help=f"app settings to compare, from: {', '.join(VARIANTS)}",
    )
    parser.add_argument(
        "--storm", type=int, default=50, help="sign-ins submitted at once (0: no storm)"
    )
    args = parser.parse_args()
    counts = [int(n) for n in args.users.split(",")]
    variants = args.variants.split(",")
    logs = Path(tempfile.mkdtemp(prefix="dc-load-"))
    url = args.database_url or f"sqlite:///{logs / 'load.db'}"
    users = max(max(counts) + 1, STORM_SEARCHERS + args.storm + 1)
    accounts, searches = build(url, args.certificates, users)
    print(
        f"{args.certificates:,} demo certificates, {users} load users "
        f"({url.split(':')[0]}); searching every {SEARCH_EVERY_S:.0f} s for "
        f"{args.duration:.0f} s per N; app logs in {logs}; load {os.getloadavg()[0]:.2f}"
    )
    results = {
        variant: measure(url, variant, counts, accounts, searches, args.duration, logs)
        for variant in variants
    }
    storm = measure_storm(url, accounts, searches, args.storm, logs) if args.storm else []
    for variant, rows in results.items():
        print_results(variant, rows)
    if len(variants) > 1:
        first, other = variants[0], variants[1]
        print(f"\np95 {first} / {other}:")
        for a, b in zip(results[first], results[other], strict=True):
            ratio = percentile(a.search_ms, 0.95) / max(percentile(b.search_ms, 0.95), 1e-9)
            print(f"  {a.users:>4} users: {ratio:.1f}x")
    for variant, rows in results.items():
        suffix = "" if variant == "configured" else f"_{variant.replace('-', '_')}"
        for r in rows:
            print(
                f"metric load_p50_ms_{r.users}_users{suffix} {percentile(r.search_ms, 0.5):.2f} ms"
            )
            print(
                f"metric load_p95_ms_{r.users}_users{suffix} {percentile(r.search_ms, 0.95):.2f} ms"
            )
            print(f"metric load_errors_{r.users}_users{suffix} {len(r.errors)} count")
        print(f"metric load_cpu_ms_per_search{suffix} {rows[-1].cpu_ms_per_search():.2f} ms")
        print(f"metric memory_mb_per_session{suffix} {rows[-1].mb_per_session():.2f} MB")
    if storm:
        print_storm(storm, args.storm)


if __name__ == "__main__":
    main()
