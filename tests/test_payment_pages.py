"""The money path's pages: the test gateway exists only while payments are test ones,
and the browser is only ever sent to a path of the portal itself."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from pathlib import Path

import pytest

from core import config
from core.errors import InvalidInput
from core.links import portal_path, same_origin_path
from core.models import Role
from core.payments.base import PayerAddress, PaymentRequest
from core.payments.gateway import answer_path, check_card, read_request
from core.payments.opayo import OpayoForm, encrypt
from ui.navigation import screens_for, signed_out_screens
from web.scripts import GO_TO, SIGN_OUT, script_tag

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


@pytest.mark.parametrize(
    "target",
    [
        "javascript:alert(document.cookie)//",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example",
        "//evil.example/checkout",
        "https://evil.example",
        "https://evil.example/checkout?crypt=@00",
        "http:evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\\/evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r/evil.example",
        " /checkout",
        "/checkout ",
        "/check\x00out",
        "/check\x7fout",
        "/%2F%2Fevil.example",
        "/%2fevil.example",
        "%2F%2Fevil.example",
        "/%5Cevil.example",
        "/%255Cevil.example",
        "javascript%3Aalert(1)",
        "/%09/evil.example",
        "/\u2028/evil.example",
        "/ｅvil",
        "checkout",
        "",
    ],
)
def test_only_a_path_of_the_portal_itself_is_accepted_as_a_place_to_send_the_browser(target):
    with pytest.raises(InvalidInput):
        same_origin_path(target)


@pytest.mark.parametrize(
    "target",
    ["/checkout", "/checkout?crypt=@0A1B", "/portal/test-gateway?VPSProtocol=4.00&Crypt=@FF", "/"],
)
def test_a_path_of_the_portal_is_accepted_as_it_is(target):
    assert same_origin_path(target) == target


def test_the_answer_goes_to_the_checkout_of_public_url_whatever_the_request_says():
    settings = config.load_settings({"PUBLIC_URL": "https://certificates.example/portal/"})
    assert portal_path(settings, "checkout?crypt=@00") == "/portal/checkout?crypt=@00"


@pytest.mark.parametrize(
    "return_url", ["javascript:alert(document.cookie)//", "https://evil.example/checkout"]
)
@pytest.mark.parametrize("card", [("4929 0000 0000 6", "12/39", "123"), ("4111", "12/39", "1")])
def test_the_test_gateway_sends_the_browser_to_our_checkout_not_the_requests_address(
    return_url, card
):
    settings = config.load_settings({"PUBLIC_URL": "https://certificates.example/portal"})
    password = settings.opayo_encryption_password
    fields = {"VendorTxCode": "DC1-abc", "Amount": "25.88", "Currency": "GBP"}
    crypt = encrypt({**fields, "SuccessURL": return_url, "FailureURL": return_url}, password)
    request = read_request(crypt, password)
    decision = check_card(*card, today=dt.date(2026, 12, 6))
    assert answer_path(request, decision, settings).startswith("/portal/checkout?crypt=%40")


def test_live_payments_post_to_the_opayo_page_of_the_settings():
    settings = config.load_settings(
        {"PAYMENT_MODE": "live", "OPAYO_ENCRYPTION_PASSWORD": "Kq7-vX2p#L9w!Tz4"}
    )
    payer = PayerAddress("Delia", "Buchanan", "1 Card Street", "", "Leeds", "LS1 4AP", "GB")
    request = PaymentRequest(4, "abc", 2588, "Order 4", "d@b.example", payer, payer)
    start = OpayoForm(settings).start(request)
    assert start.redirect_url == settings.opayo_form_url
    assert (start.form_fields["TxType"], start.form_fields["Vendor"]) == ("PAYMENT", "imiportal")


@pytest.mark.parametrize("page", ["http://opayo.example/vspform", "javascript:alert(1)", "/x"])
def test_an_opayo_page_that_is_not_https_stops_the_app(page):
    with pytest.raises(config.SettingsError, match="OPAYO_FORM_URL"):
        config.load_settings({"OPAYO_FORM_URL": page})


def test_only_the_portals_page_scripts_write_the_browsers_location():
    """Every address the app sends a browser to goes through web.scripts.script_tag."""
    root = Path(__file__).resolve().parent.parent
    writes = re.compile(r"(window\.|document\.|\b)location(\.href|\.assign|\.replace|\s*=)")
    writers = [
        str(path.relative_to(root))
        for folder in ("core", "screens", "ui", "web")
        for path in sorted((root / folder).rglob("*.py"))
        if path.exists() and writes.search(path.read_text())
    ]
    assert writers == ["web/scripts.py"]


@pytest.mark.parametrize("script", [GO_TO, SIGN_OUT])
@pytest.mark.parametrize(
    "target", ["javascript:alert(document.cookie)//", "//evil.example", "https://evil.example"]
)
def test_a_page_script_refuses_to_send_the_browser_off_the_site(script, target):
    with pytest.raises(InvalidInput):
        script_tag(script, url=target, next=target)
