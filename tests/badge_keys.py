"""Open Badges signing keys for tests: one folder of keys made once per run (RSA keys
take a while to make), pointed at by BADGE_KEYS_DIR for the test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import config
from core.badges import make_badge_key


@pytest.fixture(scope="session")
def made_badge_keys(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("badge-keys")
    make_badge_key(folder)
    return folder


@pytest.fixture
def badge_keys_dir(monkeypatch, made_badge_keys, tmp_path, settings_env) -> Iterator[Path]:
    """A copy of the run's keys for this test (a test may rotate them)."""
    folder = tmp_path / "badge-keys"
    shutil.copytree(made_badge_keys, folder)
    monkeypatch.setenv("BADGE_KEYS_DIR", str(folder))
    monkeypatch.setenv("PUBLIC_URL", "https://certificates.example")
    config.get_settings.cache_clear()
    yield folder
    config.get_settings.cache_clear()
