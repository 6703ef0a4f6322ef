"""An employer verifies a certificate, signed out: the address in its PDF's QR code says
Valid; the same PDF changed after signing gets the tamper warning. The candidate's own
page and the staff Revoke screen, on a desktop and a phone."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from core import config
from core.candidate_links import candidate_pdf, create_candidate_link
from core.certificates import PDF_FROM
from core.db import session_scope
from core.models import Certificate
from tests.e2e.conftest import screenshot, sign_in, wait_until_idle
from tests.e2e.test_phone_browser import IPHONE
from tests.tamper import changed_by_a_new_revision

pytestmark = pytest.mark.browser
expect.set_options(timeout=20_000)  # a busy machine draws the first page slowly


@pytest.fixture
def signed_pdf(live_server, live_database, live_signing_cert, monkeypatch, tmp_path) -> dict:
    """A demo candidate's signed PDF, made beside the live server (its database, its
    signing certificate, its address), and the candidate's own link."""
    for name, value in (
        ("DATABASE_URL", live_database),
        ("SIGNING_CERT_PATH", str(live_signing_cert)),
        ("PUBLIC_URL", live_server),
    ):
        monkeypatch.setenv(name, value)
    config.get_settings.cache_clear()
    with session_scope() as session:
        certificate_id, number = session.execute(
            select(Certificate.id, Certificate.number)
            .where(Certificate.issue_date >= PDF_FROM, Certificate.expiry_date.is_(None))
            .order_by(Certificate.id.desc())
        ).first()
        link = create_candidate_link(session, certificate_id=certificate_id)
    pdf = candidate_pdf(token=link.split("token=")[1])
    untouched, changed = tmp_path / "certificate.pdf", tmp_path / "changed.pdf"
    untouched.write_bytes(pdf)
    changed.write_bytes(changed_by_a_new_revision(pdf))
    yield {"pdf": pdf, "untouched": untouched, "changed": changed, "link": link, "number": number}
    config.get_settings.cache_clear()


def _qr_payload(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    reader.decrypt("")
    qr = next(image for image in reader.pages[0].images if image.image.size[0] < 100)
    big = qr.image.resize((qr.image.size[0] * 8,) * 2, Image.NEAREST)
    return zxingcpp.read_barcodes(big)[0].text


def _banner(page: Page, kind: str, text: str):
    return page.get_by_test_id(kind).get_by_text(text, exact=True)


def _upload(page: Page, path: Path) -> None:
    page.get_by_role("tab", name="Upload a PDF").click()
    uploads = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    uploads.first.set_input_files(str(path))  # the PDF tab's (the Open Badge tab has one too)
    wait_until_idle(page)


def test_the_qr_address_says_valid_signed_out_and_a_changed_pdf_is_flagged(signed_pdf, page: Page):
    address = _qr_payload(signed_pdf["pdf"])
    assert "/verify?code=" in address
    page.goto(address)
    expect(_banner(page, "stAlertContentSuccess", "Valid")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Awarding body", exact=True)).to_be_visible()
    expect(page.get_by_label("Password")).to_have_count(0)
    wait_until_idle(page)
    screenshot(page, "70-verify")

    _upload(page, signed_pdf["changed"])
    expect(_banner(page, "stAlertContentError", "Changed after signing")).to_be_visible()
    screenshot(page, "71-verify-changed-pdf")

    page.goto(address.split("?")[0])
    _upload(page, signed_pdf["untouched"])
    expect(_banner(page, "stAlertContentSuccess", "Signature intact")).to_be_visible()
    screenshot(page, "72-verify-untouched-pdf")


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, user_agent=IPHONE, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def test_on_a_phone_the_verify_and_candidate_pages_fit(signed_pdf, phone: Page):
    phone.goto(_qr_payload(signed_pdf["pdf"]))
    expect(_banner(phone, "stAlertContentSuccess", "Valid")).to_be_visible()
    wait_until_idle(phone)
    screenshot(phone, "73-phone-verify")
    phone.goto(signed_pdf["link"])
    expect(phone.get_by_role("link", name="Download your certificate (PDF)")).to_be_visible()
    wait_until_idle(phone)
    screenshot(phone, "74-phone-my-certificate")


def test_the_candidate_page_and_the_staff_revoke_screen(signed_pdf, live_server, page: Page):
    page.goto(signed_pdf["link"])
    expect(page.get_by_text("Verification address").first).to_be_visible()
    wait_until_idle(page)
    screenshot(page, "75-my-certificate")
    sign_in(page, live_server, "staff@imi.example")
    page.goto(f"{live_server}/revoke-certificate")
    page.get_by_label("Certificate number").fill(signed_pdf["number"])
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_label("Reason for revoking")).to_be_visible()
    wait_until_idle(page)
    screenshot(page, "76-revoke")


def test_a_file_that_is_not_a_pdf_uploaded_to_verify_says_so_in_words(
    live_server: str, page: Page, tmp_path
):
    photo = tmp_path / "certificate.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 200)
    page.goto(f"{live_server}/verify")
    _upload(page, photo)
    expect(page.get_by_text("That file is not a PDF.")).to_be_visible()
    screenshot(page, "85-verify-not-a-pdf")
