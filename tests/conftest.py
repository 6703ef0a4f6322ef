"""One migrated throwaway database per backend per test process: SQLite always,
PostgreSQL when TEST_DATABASE_URL is set. Tables are emptied after every test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session

from core import config, tasks
from core.db import get_engine, migrate, session_scope
from core.models import Base
from core.signing import make_signing_cert

# Open Badges signing keys (BADGE_KEYS_DIR), and two centres with API keys.
pytest_plugins = ["tests.badge_keys", "tests.api_world"]

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def _create_postgres_database() -> tuple[str, callable]:
    admin_url = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"dc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        get_engine(url).dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    url = admin_url.set(database=name).render_as_string(hide_password=False)
    return url, drop


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory) -> Iterator[str]:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "portal.db"
        url, drop = f"sqlite:///{path}", lambda: get_engine(url).dispose()
    else:
        url, drop = _create_postgres_database()
    migrate(url)
    yield url
    drop()


def _empty_all_tables(url: str) -> None:
    tasks.huey.flush()
    engine = get_engine(url)
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(scope="session")
def signing_cert_path(tmp_path_factory) -> Path:
    """One self-signed signing certificate for the whole run (as `make run` makes one)."""
    return make_signing_cert(tmp_path_factory.mktemp("signing") / "signing-cert.pem")


@pytest.fixture
def settings_env(monkeypatch, database_url, tmp_path, signing_cert_path) -> Iterator[None]:
    """Point the app's settings at the test database (and no SMTP server), its task
    queue beside it, its export files in the test's own folder, and the session's
    signing certificate."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SIGNING_CERT_PATH", str(signing_cert_path))
    monkeypatch.setenv("SMTP_HOST", "")
    monkeypatch.setenv("APP_ENV", "test")
    monkeypatch.setenv("EXPORTS_URL", str(tmp_path / "exports"))
    config.get_settings.cache_clear()
    tasks.reconnect()
    yield
    config.get_settings.cache_clear()
    tasks.reconnect()


@pytest.fixture
def db_url(database_url, settings_env) -> Iterator[str]:
    yield database_url
    _empty_all_tables(database_url)


@pytest.fixture
def session(db_url) -> Iterator[Session]:
    """A unit of work that commits when the test ends (like a page's)."""
    with session_scope(db_url) as unit:
        yield unit
