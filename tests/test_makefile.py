"""`make run` as a new user runs it: the right email links, and only the app's packages."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _planned(target: str, tmp_path: Path, *args: str, **env: str) -> str:
    """What `make` would run for `target` in a fresh virtual environment (dry run)."""
    environ = {key: value for key, value in os.environ.items() if key != "PUBLIC_URL"}
    result = subprocess.run(
        ["make", "-n", target, f"VENV={tmp_path / 'venv'}", *args],
        cwd=ROOT,
        env={**environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_run_points_email_links_at_the_port_it_serves_on(tmp_path):
    assert "PUBLIC_URL=http://localhost:8600 " in _planned("run", tmp_path, "PORT=8600")


def test_a_public_url_that_is_set_wins(tmp_path):
    planned = _planned("run", tmp_path, "PORT=8600", PUBLIC_URL="https://certs.example")
    assert "PUBLIC_URL=https://certs.example " in planned


def test_run_installs_the_app_and_test_keeps_the_test_tools(tmp_path):
    assert "requirements-dev.txt" not in _planned("run", tmp_path)
    assert "-r requirements-dev.txt" in _planned("test", tmp_path)


def test_run_makes_a_signing_certificate_when_none_exists(tmp_path):
    planned = _planned("run", tmp_path)
    assert "-m core.cli make-signing-cert --if-missing" in planned
    assert planned.index("make-signing-cert") < planned.index("honcho start")


def test_test_runs_every_check_before_the_suite(tmp_path):
    planned = _planned("test", tmp_path)
    checks = ["ruff check", "deptry .", "lint-imports", "mypy", "bandit"]
    positions = [planned.index(f"/bin/{check}") for check in checks]
    assert positions == sorted(positions)
    assert max(positions) < planned.index("-m pytest")


def test_run_starts_the_procfile_from_the_environment_it_was_given(tmp_path):
    """`.ci/run` starts the app from a clean runtime-only environment: `make run VENV=…`
    must run every Procfile process from that environment, not from .venv."""
    venv = tmp_path / "venv"
    assert f"VENV={venv} " in _planned("run", tmp_path)
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, command = line.split(":", 1)
        assert command.strip().startswith("${VENV:-.venv}/bin/"), f"{name} ignores VENV"


def test_the_environment_can_also_be_chosen_from_the_environment(tmp_path):
    result = subprocess.run(
        ["make", "-n", "run"],
        cwd=ROOT,
        env={**os.environ, "VENV": str(tmp_path / "elsewhere")},
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"{tmp_path / 'elsewhere'}/bin/python -m core.cli migrate" in result.stdout
