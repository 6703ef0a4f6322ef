"""Settings: defaults, the environment, production refusals, and the docs list them."""

import secrets
from pathlib import Path

import pytest

from core.config import (
    DEFAULT_OPAYO_PASSWORD,
    DEFAULT_PDF_OWNER_PASSWORD,
    DEFAULT_SECRET,
    SettingsError,
    load_settings,
    setting_help,
)

STRONG_SECRET = secrets.token_urlsafe(32)


def test_defaults_use_an_embedded_sqlite_database():
    settings = load_settings({})
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith(
        "data/portal.db"
    )


def test_environment_overrides_a_default_with_its_type():
    settings = load_settings({"LOCKOUT_MINUTES": "30", "SMTP_STARTTLS": "true"})
    assert (settings.lockout_minutes, settings.smtp_starttls) == (30, True)


def test_a_value_of_the_wrong_type_stops_the_app_with_the_setting_named():
    with pytest.raises(SettingsError, match="LOCKOUT_MINUTES"):
        load_settings({"LOCKOUT_MINUTES": "soon"})


@pytest.mark.parametrize("secret", [DEFAULT_SECRET, "a", "a" * 64, "change-me"])
def test_production_refuses_a_default_short_or_repetitive_secret(secret):
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings({"APP_ENV": "production", "SECRET_KEY": secret})


PRODUCTION = {"APP_ENV": "production", "SECRET_KEY": STRONG_SECRET, "PDF_OWNER_PASSWORD": "s3"}
OPAYO_PASSWORD = "Kq7-vX2p#L9w!Tz4"  # 16 characters, as Opayo issues them
PRODUCTION_PAYMENTS = {**PRODUCTION, "OPAYO_ENCRYPTION_PASSWORD": OPAYO_PASSWORD}


def test_production_starts_with_32_random_bytes_as_its_secret():
    assert load_settings(PRODUCTION_PAYMENTS).is_production


def test_production_with_payment_mode_unset_takes_card_payments_live():
    assert load_settings(PRODUCTION_PAYMENTS).payment_mode == "live"


def test_production_with_payment_mode_unset_refuses_the_published_opayo_password():
    with pytest.raises(SettingsError, match="OPAYO_ENCRYPTION_PASSWORD"):
        load_settings(PRODUCTION)


def test_production_refuses_test_payments():
    with pytest.raises(SettingsError, match="ALLOW_TEST_PAYMENTS_IN_PRODUCTION"):
        load_settings({**PRODUCTION_PAYMENTS, "PAYMENT_MODE": "test"})


def test_a_staging_site_may_take_test_payments_when_it_says_so_by_name():
    settings = load_settings(
        {**PRODUCTION_PAYMENTS, "PAYMENT_MODE": "test", "ALLOW_TEST_PAYMENTS_IN_PRODUCTION": "1"}
    )
    assert (settings.is_production, settings.payment_mode) == (True, "test")


@pytest.mark.parametrize("mode", ["live", "test"])
@pytest.mark.parametrize("password", [DEFAULT_OPAYO_PASSWORD, "short-password", ""])
def test_production_refuses_the_default_or_a_short_opayo_password(mode, password):
    with pytest.raises(SettingsError, match="OPAYO_ENCRYPTION_PASSWORD"):
        load_settings(
            {
                **PRODUCTION,
                "PAYMENT_MODE": mode,
                "ALLOW_TEST_PAYMENTS_IN_PRODUCTION": "true",
                "OPAYO_ENCRYPTION_PASSWORD": password,
            }
        )


def test_outside_production_payments_default_to_the_test_gateway():
    assert load_settings({}).payment_mode == "test"


def test_production_refuses_the_default_pdf_owner_password():
    with pytest.raises(SettingsError, match="PDF_OWNER_PASSWORD"):
        load_settings({**PRODUCTION, "PDF_OWNER_PASSWORD": DEFAULT_PDF_OWNER_PASSWORD})


def test_a_pdf_owner_password_the_pdfs_cannot_carry_stops_the_app_with_the_setting_named():
    with pytest.raises(SettingsError, match="PDF_OWNER_PASSWORD"):
        load_settings({"PDF_OWNER_PASSWORD": "Zertifikat-2026-€"})


def test_a_pdf_owner_password_with_accented_letters_is_accepted():
    assert load_settings({"PDF_OWNER_PASSWORD": "Café-Größe-2026"}).pdf_owner_password


@pytest.mark.parametrize("spelling", ["Production", "PRODUCTION", " production "])
def test_production_counts_whatever_its_case(spelling):
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings({"APP_ENV": spelling, "SECRET_KEY": DEFAULT_SECRET})


@pytest.mark.parametrize("unknown", ["prod", "live", "staging", ""])
def test_an_unknown_app_env_is_an_error_not_development(unknown):
    with pytest.raises(SettingsError, match="APP_ENV"):
        load_settings({"APP_ENV": unknown})


def test_https_public_url_marks_the_cookie_secure():
    assert load_settings({"PUBLIC_URL": "https://certificates.example"}).secure_cookies
    assert not load_settings({"PUBLIC_URL": "http://localhost:8501"}).secure_cookies


def test_every_setting_is_documented_in_the_configuration_page():
    readme = (Path(__file__).resolve().parent.parent / "docs" / "configuration.md").read_text()
    missing = [name for name in setting_help() if f"`{name}`" not in readme]
    assert missing == []
