"""Tamper evidence: every exported PDF is signed (PAdES) by the awarding body's
certificate, after encryption, keeping the no-printing permission; a PDF changed after
signing is reported as changed, on its own and on the Verify page."""

from __future__ import annotations

import hashlib
import io
import subprocess
import uuid
import zipfile

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pypdf import PdfReader
from pypdf.constants import UserAccessPermissions

from core import config
from core.candidate_links import candidate_pdf, create_candidate_link
from core.certificate_pdf import CertificateRenderer
from core.cli import main
from core.db import session_scope
from core.exports import (
    ExportSelection,
    find_download,
    list_exports,
    read_download,
    request_export,
)
from core.models import Certificate
from core.signing import _run, check_signature, load_sealer, make_signing_cert
from core.verify import verify_upload
from tests.factories import (
    certificate_content,
    make_actor,
    make_candidate,
    make_centre,
    make_certificate,
)
from tests.queue import run_queued_tasks
from tests.tamper import changed_by_a_new_revision, changed_inside


@pytest.fixture
def exported(db_url) -> dict:
    """The PDF of one certificate, exported as a centre user exports it."""
    with session_scope(db_url) as session:
        centre = make_centre(session, "Fanshaws")
        candidate = make_candidate(session, first_name="Zoë", surname="Nowak-Łukasiewicz")
        certificate = make_certificate(session, centre, candidate=candidate)
        actor = make_actor(session, centre)
        link = create_candidate_link(session, certificate_id=certificate.id)
        certificate_id = certificate.id
    with session_scope(db_url) as session:
        export_id = request_export(
            session,
            actor=actor,
            selection=ExportSelection(certificate_ids=(certificate_id,)),
            file_name="one",
        )
    run_queued_tasks()
    with session_scope(db_url) as session:
        download = find_download(session, actor=actor, export_id=export_id)
    archive = zipfile.ZipFile(io.BytesIO(read_download(download)))
    return {
        "pdf": archive.read(archive.namelist()[0]),
        "id": certificate_id,
        "token": link.split("token=")[1],
    }


def test_an_exported_pdf_carries_an_intact_signature(exported):
    assert check_signature(exported["pdf"]).intact


def test_a_pdf_with_a_byte_changed_after_signing_is_not_intact(exported):
    check = check_signature(changed_inside(exported["pdf"]))
    assert check.signed and not check.intact


def test_a_pdf_with_a_revision_added_after_signing_is_not_intact(exported):
    changed = changed_by_a_new_revision(exported["pdf"])
    assert len(changed) > len(exported["pdf"])
    assert not check_signature(changed).intact


def test_signing_keeps_the_encryption_and_the_no_printing_permission(exported):
    reader = PdfReader(io.BytesIO(exported["pdf"]))
    assert reader.is_encrypted
    reader.decrypt("")
    permissions = reader.user_access_permissions
    assert not permissions & UserAccessPermissions.PRINT
    assert not permissions & UserAccessPermissions.PRINT_TO_REPRESENTATION
    assert not permissions & UserAccessPermissions.MODIFY
    assert "Digital copy - not valid when printed" in reader.pages[0].extract_text()


def test_a_pdf_signed_with_another_certificate_is_not_intact(tmp_path, signing_cert_path):
    stranger = load_sealer(make_signing_cert(tmp_path / "stranger.pem"))
    forged = CertificateRenderer("x", stranger).render([certificate_content()])[0]
    assert check_signature(forged, stranger).intact
    assert not check_signature(forged, load_sealer(signing_cert_path)).intact


def test_every_file_of_a_chunk_is_signed_intact(signing_cert_path):
    """ECDSA signatures differ in size from one to the next: each still fits its file."""
    sealer = load_sealer(signing_cert_path)
    contents = [certificate_content(number=f"C{index:05d}") for index in range(40)]
    for pdf in CertificateRenderer("owner", sealer).render(contents):
        assert check_signature(pdf, sealer).intact


def test_the_signature_container_is_the_one_pyhanko_makes_for_the_same_digest(tmp_path):
    """RSA signatures are deterministic, so the container put together from the
    template must equal, byte for byte, the one pyHanko builds itself."""
    sealer = load_sealer(make_signing_cert(tmp_path / "rsa.pem", rsa_key=True))
    for text in (b"one certificate", b"another"):
        digest = hashlib.sha256(text).digest()
        made = _run(sealer.signer.async_sign(digest, "sha256", use_pades=True))
        assert sealer.template.container_for(digest) == made.dump()


def test_poppler_reads_the_signature_as_valid_over_the_whole_file(exported, tmp_path):
    """A second reader, independent of pyHanko (poppler, on NSS), checks the signature."""
    path = tmp_path / "certificate.pdf"
    path.write_bytes(exported["pdf"])
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert "Signature Field Name: AwardingBodySignature" in report
    assert "Signature Validation: Signature is Valid." in report
    assert "Total document signed" in report
    path.write_bytes(changed_inside(exported["pdf"]))
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert "Signature Validation: Signature is Valid." not in report


def test_rsa_keys_sign_too(tmp_path):
    sealer = load_sealer(make_signing_cert(tmp_path / "rsa.pem", rsa_key=True))
    pdf = CertificateRenderer("owner", sealer).render([certificate_content()])[0]
    assert check_signature(pdf, sealer).intact


def _uploaded(db_url, data: bytes):
    with session_scope(db_url) as session:
        return verify_upload(session, data=data, client=f"test-{uuid.uuid4().hex}")


def test_an_untouched_upload_is_intact_and_matches_the_register(db_url, exported):
    result = _uploaded(db_url, exported["pdf"])
    assert result.trustworthy
    assert result.certificate.full_name == "Zoë Nowak-Łukasiewicz"


def test_a_changed_upload_is_reported_as_changed(db_url, exported):
    result = _uploaded(db_url, changed_by_a_new_revision(exported["pdf"]))
    assert result.signed and not result.signature_intact and not result.trustworthy


def test_an_upload_that_no_longer_matches_the_register_is_said_to(db_url, exported):
    with session_scope(db_url) as session:
        candidate = session.get(Certificate, exported["id"]).candidate
        candidate.surname = "Nowak"
    result = _uploaded(db_url, exported["pdf"])
    assert result.signature_intact and not result.content_matches


def test_an_upload_signed_by_another_certificate_with_our_name_is_not_signed_by_us(
    db_url, tmp_path
):
    """make_signing_cert gives every certificate the awarding body's name: a stranger's
    signature is not ours, whatever it is called (not "changed after signing")."""
    stranger = load_sealer(make_signing_cert(tmp_path / "stranger.pem"))
    forged = CertificateRenderer("x", stranger).render([certificate_content()])[0]
    result = _uploaded(db_url, forged)
    assert (result.signed, result.signature_intact) == (False, False)


def test_the_candidates_pdf_is_signed_too(db_url, exported):
    pdf = candidate_pdf(token=exported["token"])
    assert check_signature(pdf).intact
    assert _uploaded(db_url, pdf).trustworthy


def test_make_signing_cert_makes_one_and_never_replaces_it(tmp_path, monkeypatch):
    path = tmp_path / "runtime" / "signing-cert.pem"
    monkeypatch.setenv("SIGNING_CERT_PATH", str(path))
    config.get_settings.cache_clear()
    assert main(["make-signing-cert"]) == 0
    made = path.read_bytes()
    assert b"PRIVATE KEY" in made and b"CERTIFICATE" in made
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert main(["make-signing-cert", "--if-missing"]) == 0
    assert main(["make-signing-cert"]) == 1
    assert path.read_bytes() == made
    config.get_settings.cache_clear()


def test_an_export_without_a_signing_certificate_fails_saying_how_to_make_one(
    db_url, monkeypatch, tmp_path
):
    monkeypatch.setenv("SIGNING_CERT_PATH", str(tmp_path / "missing.pem"))
    config.get_settings.cache_clear()
    with session_scope(db_url) as session:
        centre = make_centre(session)
        certificate = make_certificate(session, centre)
        actor = make_actor(session, centre)
        selection = ExportSelection(certificate_ids=(certificate.id,))
    with session_scope(db_url) as session:
        request_export(session, actor=actor, selection=selection, file_name="one")
    run_queued_tasks()
    with session_scope(db_url) as session:
        row = list_exports(session, actor=actor).rows[0]
    assert row.status == "Failed"
    assert "make-signing-cert" in row.reason


def test_keys_in_pkcs12_files_sign_too(tmp_path):
    pem = make_signing_cert(tmp_path / "pem.pem").read_bytes()
    key = serialization.load_pem_private_key(pem, None)
    certificate = x509.load_pem_x509_certificate(pem)
    p12 = tmp_path / "awarding-body.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"body", key, certificate, None, serialization.BestAvailableEncryption(b"secret")
        )
    )
    sealer = load_sealer(p12, "secret")
    pdf = CertificateRenderer("owner", sealer).render([certificate_content()])[0]
    assert check_signature(pdf, sealer).intact
