"""Settings: defaults, the environment, production refusals, and the README lists them."""

from pathlib import Path

import pytest

from core.config import DEFAULT_SECRET, load_settings, setting_help


def test_defaults_use_an_embedded_sqlite_database():
    settings = load_settings({})
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith(
        "data/portal.db"
    )


def test_environment_overrides_a_default_with_its_type():
    settings = load_settings({"LOCKOUT_MINUTES": "30", "SMTP_STARTTLS": "true"})
    assert (settings.lockout_minutes, settings.smtp_starttls) == (30, True)


def test_production_refuses_the_default_secret():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_settings({"APP_ENV": "production", "SECRET_KEY": DEFAULT_SECRET})


def test_production_starts_with_its_own_secret():
    assert load_settings({"APP_ENV": "production", "SECRET_KEY": "x" * 40}).is_production


def test_every_setting_is_documented_in_the_readme():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    missing = [name for name in setting_help() if f"`{name}`" not in readme]
    assert missing == []
