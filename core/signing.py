"""Tamper evidence: every exported certificate PDF carries a PAdES signature made with
the awarding body's signing certificate (SIGNING_CERT_PATH), and an uploaded PDF can be
checked against it.

Speed decides the shape (measured, see benchmarks/signing.py): pyHanko's SimpleSigner
turns its key into a cryptography key on every signature, twice when it sizes the
signature by a dry run. `HeldKeySigner` keeps the loaded key and the size is reserved
up front, so a signature costs the PDF update and one ECDSA (or RSA) operation.
Signing comes after encryption: pyHanko updates the encrypted file incrementally, with
the same encryption, so its no-printing permissions stay.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import threading
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
    PdfSignatureStatus,
    async_validate_pdf_signature,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from core.certificate_pdf import AWARDING_BODY
from core.config import get_settings
from core.errors import PortalError

log = logging.getLogger(__name__)

T = TypeVar("T")
FIELD_NAME = "AwardingBodySignature"
# Room for the CMS container written as hex: twice its DER size, with room to spare
# for the certificate chain (measured: 1.2 kB with a self-signed P-256 certificate).
RESERVE_OVER_CHAIN = 4096
HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}


class SigningUnavailable(PortalError):
    """The signing certificate is missing; the message says how to make one."""


class HeldKeySigner(signers.Signer):
    """A pyHanko signer that holds its loaded private key (SimpleSigner parses it again
    for every signature)."""

    def __init__(
        self,
        key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey,
        certificate: asn1_x509.Certificate,
        chain: list[asn1_x509.Certificate],
    ) -> None:
        # The registry holds the rest of the chain only: pyHanko adds the signer's own
        # certificate to the signature anyway, and every certificate it adds is copied.
        super().__init__(
            signing_cert=certificate, cert_registry=SimpleCertificateStore.from_certs(chain)
        )
        self.key = key

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        if isinstance(self.key, ed25519.Ed25519PrivateKey):
            return self.key.sign(data)
        digest = HASHES[digest_algorithm]()
        if isinstance(self.key, ec.EllipticCurvePrivateKey):
            return self.key.sign(data, ec.ECDSA(digest))
        return self.key.sign(data, padding.PKCS1v15(), digest)


@dataclass(frozen=True)
class LoadedSigner:
    signer: HeldKeySigner
    pdf_signer: signers.PdfSigner
    bytes_reserved: int
    owner_password: str


def _read_key_and_certificates(path: Path, password: str):
    data = path.read_bytes()
    secret = password.encode() or None
    if path.suffix.lower() in {".p12", ".pfx"}:
        key, certificate, chain = pkcs12.load_key_and_certificates(data, secret)
        return key, certificate, list(chain)
    key = serialization.load_pem_private_key(data, secret)
    certificates = x509.load_pem_x509_certificates(data)
    return key, certificates[0], certificates[1:]


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def load_signer(path: Path, password: str = "", owner_password: str = "") -> LoadedSigner:
    """The signer for a key and certificate file: PEM (key and certificates in one
    file) or PKCS#12 (.p12, .pfx)."""
    key, certificate, chain = _read_key_and_certificates(path, password)
    certificate_asn1 = _asn1(certificate)
    chain_asn1 = [_asn1(item) for item in chain]
    signer = HeldKeySigner(key, certificate_asn1, chain_asn1)
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        name=AWARDING_BODY,
        reason="Issued by the awarding body; any change after issue breaks this signature",
    )
    der_size = sum(len(item.dump()) for item in [certificate_asn1, *chain_asn1])
    return LoadedSigner(
        signer=signer,
        pdf_signer=signers.PdfSigner(metadata, signer=signer),
        bytes_reserved=2 * der_size + RESERVE_OVER_CHAIN,
        owner_password=owner_password,
    )


@lru_cache(maxsize=4)
def _signer_for(path: str, password: str, owner_password: str) -> LoadedSigner:
    if not Path(path).is_file():
        log.error("no signing certificate at %s (SIGNING_CERT_PATH)", path)
        raise SigningUnavailable(
            "PDFs cannot be signed: the signing certificate (SIGNING_CERT_PATH) is missing. "
            "Make a self-signed one with `python -m core.cli make-signing-cert`."
        )
    return load_signer(Path(path), password, owner_password)


def current_signer() -> LoadedSigner:
    """The awarding body's signer from the settings, loaded once per process."""
    settings = get_settings()
    return _signer_for(
        settings.signing_cert_path, settings.signing_cert_password, settings.pdf_owner_password
    )


_thread_loops = threading.local()


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Run pyHanko's async work to the end. Its own sync wrappers call asyncio.run,
    which makes and closes an event loop per signature and fails in a thread that runs
    a loop already (a Streamlit download's callback, playwright in the browser tests).
    So each thread keeps one loop of its own, and a thread that runs a loop already
    hands the work to a short-lived thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        if getattr(_thread_loops, "loop", None) is None:
            _thread_loops.loop = asyncio.new_event_loop()
        return _thread_loops.loop.run_until_complete(work)
    with ThreadPoolExecutor(max_workers=1) as elsewhere:
        return elsewhere.submit(_run, work).result()


def sign_with(loaded: LoadedSigner, data: bytes) -> bytes:
    """Sign an (encrypted) PDF: an incremental update with the same encryption."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    if writer.prev.encrypted:
        writer.encrypt(loaded.owner_password)
    output = io.BytesIO()
    _run(
        loaded.pdf_signer.async_sign_pdf(
            writer, bytes_reserved=loaded.bytes_reserved, output=output
        )
    )
    return output.getvalue()


def sign_pdf(data: bytes) -> bytes:
    """Sign one certificate PDF with the awarding body's certificate."""
    return sign_with(current_signer(), data)


# Making a self-signed certificate (demos and tests) -------------------------------------


def make_signing_cert(path: Path, *, days: int = 3650) -> Path:
    """A self-signed ECDSA P-256 certificate for the awarding body, with its key, in one
    PEM file (for demos and tests; production uses the awarding body's own)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{AWARDING_BODY} certificates"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, AWARDING_BODY),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ) + certificate.public_bytes(serialization.Encoding.PEM)
    path.touch(mode=0o600)
    path.write_bytes(pem)
    return path


# Checking an uploaded PDF --------------------------------------------------------------


async def _validated(
    signature: EmbeddedPdfSignature, ours: asn1_x509.Certificate
) -> PdfSignatureStatus:
    """The signature's status with our certificate as the only trust root (nothing
    fetched from the network)."""
    context = ValidationContext(trust_roots=[ours])
    try:
        return await async_validate_pdf_signature(signature, context)
    finally:
        await context.aclose()


@dataclass(frozen=True)
class SignatureCheck:
    signed: bool  # carries our signature field at all
    intact: bool  # signed by our certificate, nothing changed since


def check_signature(data: bytes, loaded: LoadedSigner | None = None) -> SignatureCheck:
    """Whether a PDF carries the awarding body's signature, untouched: the signed bytes
    unchanged, the signer our certificate, and nothing added after the signature."""
    loaded = loaded or current_signer()
    # A file anyone uploads may be broken in any way pyHanko can meet: whatever it
    # raises, the answer is the same (not signed, or not intact).
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            reader.decrypt("")
        signatures = [sig for sig in reader.embedded_signatures if sig.field_name == FIELD_NAME]
    except Exception:
        return SignatureCheck(signed=False, intact=False)
    if not signatures:
        return SignatureCheck(signed=False, intact=False)
    ours = loaded.signer.signing_cert
    try:
        status = _run(_validated(signatures[0], ours))
    except Exception:
        return SignatureCheck(signed=True, intact=False)
    intact = (
        status.intact
        and status.valid
        and status.trusted
        and status.signing_cert.dump() == ours.dump()
        and status.coverage == status.coverage.ENTIRE_FILE
    )
    return SignatureCheck(signed=True, intact=intact)
