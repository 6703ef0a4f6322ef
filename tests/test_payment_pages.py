"""The money path's pages: the test gateway exists only while payments are test ones,
and the browser is only ever sent to a path of the portal itself."""

from __future__ import annotations

import secrets

from core import config
from core.models import Role
from ui.navigation import screens_for, signed_out_screens

PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(32),
    "PDF_OWNER_PASSWORD": secrets.token_urlsafe(16),
    "OPAYO_ENCRYPTION_PASSWORD": secrets.token_urlsafe(12),
}


def _addresses(monkeypatch, environ: dict[str, str]) -> set[str]:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    config.get_settings.cache_clear()
    try:
        screens = [screen for role in Role for screen in screens_for(role)]
        return {screen.address for screen in screens + signed_out_screens()}
    finally:
        config.get_settings.cache_clear()


def test_production_has_no_test_gateway_page_for_anyone(monkeypatch):
    monkeypatch.delenv("PAYMENT_MODE", raising=False)
    assert "test-gateway" not in _addresses(monkeypatch, PRODUCTION)


def test_live_payments_have_no_test_gateway_page(monkeypatch):
    live = {"PAYMENT_MODE": "live", "OPAYO_ENCRYPTION_PASSWORD": "Kq7-vX2p#L9w!Tz4"}
    assert "test-gateway" not in _addresses(monkeypatch, live)


def test_a_staging_site_with_test_payments_keeps_the_test_gateway(monkeypatch):
    staging = {**PRODUCTION, "PAYMENT_MODE": "test", "ALLOW_TEST_PAYMENTS_IN_PRODUCTION": "true"}
    assert "test-gateway" in _addresses(monkeypatch, staging)
