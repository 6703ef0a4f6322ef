"""What a new user does first, checked: `make run` in a clean virtual environment that
holds requirements.txt only.

`make run VENV=<a new folder>` makes that environment and installs requirements.txt into
it (pip's cache is used), migrates, makes a signing certificate, loads the demo data and
starts every Procfile process under honcho, exactly as on a fresh machine. This script
then waits until the app answers /_stcore/health and every process has stayed up for
--stay-up seconds. A process that stops, or a Traceback in the log, fails the run.

It drives `make run` and watches honcho's "<name>.1 started" and "stopped" lines, so it
holds whatever commands the Procfile names. The database, signing certificate and
exports live in a temporary folder, removed afterwards with the environment.

Usage: python3 .ci/smoke_run.py [--stay-up 20] [--venv DIR] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTALL_AND_START_SECONDS = 900  # a cold pip cache on a busy machine
STOP_SECONDS = 20


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=3) as answer:
            return answer.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _process_names() -> list[str]:
    """The Procfile's process names (honcho logs each as `<name>.1`)."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    return [line.split(":", 1)[0].strip() for line in lines if re.match(r"^[\w-]+:", line)]


def _problems(log: str, names: list[str]) -> list[str]:
    """What is wrong in honcho's log: a process that never started, one that stopped,
    a Traceback anywhere."""
    problems = [f"{name} never started" for name in names if f"{name}.1 started" not in log]
    problems += [
        f"{m[1]} stopped (rc={m[2]})" for m in re.finditer(r"(\S+) stopped \(rc=(-?\d+)\)", log)
    ]
    if "Traceback" in log:
        problems.append("a Traceback in the log")
    return problems


def _pids(log: str) -> dict[str, int]:
    return {m[1]: int(m[2]) for m in re.finditer(r"(\S+)\.1 started \(pid=(\d+)\)", log)}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _group_alive(make: subprocess.Popen[bytes]) -> bool:
    make.poll()  # reaps make once it exits
    try:
        os.killpg(make.pid, 0)
    except ProcessLookupError:
        return False
    return True


def _stop(make: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the whole group (make, honcho, each process) as a terminal's Ctrl-C
    reaches them all; SIGKILL to whatever is left after STOP_SECONDS."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(make.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    while _group_alive(make) and time.monotonic() < deadline:
        time.sleep(0.5)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(make.pid, signal.SIGKILL)
    make.wait()


def _environment(folder: Path) -> dict[str, str]:
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in {"VIRTUAL_ENV", "PYTHONPATH", "PUBLIC_URL", "PORT", "QUEUE_URL"}
    }
    return environ | {
        "APP_ENV": "development",
        "DATABASE_URL": f"sqlite:///{folder / 'portal.db'}",
        "SIGNING_CERT_PATH": str(folder / "signing-cert.pem"),
        "EXPORTS_URL": str(folder / "exports"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def smoke_run(stay_up: float, venv: Path | None, keep: bool) -> int:
    folder = Path(tempfile.mkdtemp(prefix="smoke-run-"))
    venv = venv or folder / "venv"
    port = _free_port()
    log_path = folder / "make-run.log"
    names = _process_names()
    started = time.monotonic()
    print(f"smoke run: make run VENV={venv} PORT={port} (log: {log_path})", flush=True)
    with log_path.open("wb") as log_file:
        make = subprocess.Popen(
            ["make", "run", f"VENV={venv}", f"PORT={port}"],
            cwd=ROOT,
            env=_environment(folder),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    failure = ""
    try:
        while not _healthy(port):
            if make.poll() is not None:
                failure = f"make run stopped (rc={make.returncode}) before the app answered"
                break
            if time.monotonic() - started > INSTALL_AND_START_SECONDS:
                failure = f"no answer on /_stcore/health after {INSTALL_AND_START_SECONDS} s"
                break
            time.sleep(1)
        if not failure:
            healthy_at = time.monotonic()
            print(f"smoke run: healthy after {healthy_at - started:.0f} s", flush=True)
            while time.monotonic() - healthy_at < stay_up and make.poll() is None:
                time.sleep(1)
            log = log_path.read_text(errors="replace")
            problems = _problems(log, names)
            problems += [
                f"{name} (pid {pid}) is gone" for name, pid in _pids(log).items() if not _alive(pid)
            ]
            if make.poll() is not None:
                problems.append(f"make run stopped (rc={make.returncode})")
            if not _healthy(port):
                problems.append("the app stopped answering /_stcore/health")
            failure = "; ".join(problems)
    finally:
        _stop(make)
    log = log_path.read_text(errors="replace")
    if failure:
        print(f"smoke run FAILED: {failure}\n--- the log's last lines ---", flush=True)
        print("\n".join(log.splitlines()[-60:]), flush=True)
    else:
        took = time.monotonic() - started
        print(
            f"smoke run passed: {', '.join(names)} up {stay_up:.0f} s after the health check, "
            f"no Traceback ({took:.0f} s in all)",
            flush=True,
        )
    if keep:
        print(f"kept {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if failure else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--stay-up", type=float, default=20.0, help="seconds every process must stay up"
    )
    parser.add_argument("--venv", type=Path, help="an existing environment instead of a new one")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    return smoke_run(args.stay_up, args.venv, args.keep)


if __name__ == "__main__":
    sys.exit(main())
