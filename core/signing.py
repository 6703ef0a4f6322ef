"""Tamper evidence: every exported certificate PDF carries a PAdES signature made with
the awarding body's signing certificate (SIGNING_CERT_PATH), and an uploaded PDF can be
checked against it.

Speed decides the shape (measured, see benchmarks/signing.py). pyHanko signing an
encrypted PDF as an incremental update cost 18-28 ms, three quarters of it ASN.1
encoding that is the same for every certificate. So pyHanko builds the CMS signature
once per process (`CmsTemplate`), and the renderer writes each PDF with its signature
field and an empty slot (`PdfSealer.signature_dictionary`): sealing one fills the byte
range, hashes the file, puts the new digest into the signed attributes, signs them
(one ECDSA or RSA operation) and writes the container into the slot. Nothing in a
file is parsed again, and the encryption and no-printing permissions are the file's
own. pyHanko checks uploaded PDFs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from core.certificate_pdf import AWARDING_BODY, CertificateRenderer
from core.config import get_settings
from core.errors import PortalError
from core.pdf_check import FIELD_NAME, SignatureCheck, signature_of

log = logging.getLogger(__name__)

T = TypeVar("T")
REASON = "Issued by the awarding body; any change after issue breaks this signature"
DIGEST = "sha256"
# The byte range is written into the file after the file is whole, in room kept for it.
BYTE_RANGE_SLOT = b"/ByteRange [0 0 0 0]".ljust(64)
CONTENTS_SLOT = b"/Contents <"
# An ECDSA signature's DER size varies by a few bytes between signatures.
CONTAINER_SLACK = 64
SEQUENCE, SET, OCTET_STRING, EXPLICIT_0 = 0x30, 0x31, 0x04, 0xA0


class SigningUnavailable(PortalError):
    """The signing certificate is missing; the message says how to make one."""


Key = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


class HeldKeySigner(signers.Signer):
    """A pyHanko signer that holds its loaded private key (SimpleSigner parses it again
    for every signature)."""

    def __init__(
        self, key: Key, certificate: asn1_x509.Certificate, chain: list[asn1_x509.Certificate]
    ) -> None:
        # The registry holds the rest of the chain only: pyHanko adds the signer's own
        # certificate to the signature anyway.
        super().__init__(
            signing_cert=certificate, cert_registry=SimpleCertificateStore.from_certs(chain)
        )
        self.key = key

    def sign_now(self, data: bytes) -> bytes:
        """The raw signature of `data` (SHA-256 where the algorithm takes a digest)."""
        if isinstance(self.key, ed25519.Ed25519PrivateKey):
            return self.key.sign(data)
        if isinstance(self.key, ec.EllipticCurvePrivateKey):
            return self.key.sign(data, ec.ECDSA(hashes.SHA256()))
        return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        if digest_algorithm != DIGEST:
            raise ValueError(f"only {DIGEST} is used, not {digest_algorithm}")
        return self.sign_now(data)


def _der(tag: int, body: bytes) -> bytes:
    """A DER element: tag, definite length, body."""
    size = len(body)
    if size < 0x80:
        return bytes((tag, size)) + body
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + body


def _split_once(whole: bytes, part: bytes) -> tuple[bytes, bytes]:
    before, found, after = whole.partition(part)
    if not found or part in after:
        raise ValueError("pyHanko's CMS container changed shape")
    return before, after


@dataclass(frozen=True)
class CmsTemplate:
    """pyHanko's CMS signature container for this signer, taken apart once: from one
    signature to the next only the message digest (in the signed attributes) and the
    signature value change, and the enclosing lengths with them."""

    content_info_head: bytes  # content type: signed data
    signed_data_head: bytes  # version, digest algorithms, content info, certificates
    signer_info_head: bytes  # version, signer's identifier, digest algorithm
    attributes_before: bytes  # the signed attributes up to the message digest
    attributes_after: bytes
    signature_algorithm: bytes
    sign: Callable[[bytes], bytes]

    @classmethod
    def made_by(cls, signer: HeldKeySigner) -> CmsTemplate:
        marker = hashlib.sha256(b"the message digest goes here").digest()
        made = _run(signer.async_sign(marker, DIGEST, use_pades=True))
        content_info = cms.ContentInfo.load(made.dump())
        signed_data = content_info["content"]
        (signer_info,) = signed_data["signer_infos"]
        attributes = signer_info["signed_attrs"].dump()
        attributes_before, attributes_after = _split_once(attributes, marker)
        signer_info_head, rest = _split_once(signer_info.contents, attributes)
        signature_algorithm, signature = _split_once(rest, signer_info["signature"].dump())
        signed_data_head, _ = _split_once(signed_data.contents, signed_data["signer_infos"].dump())
        if signature:  # unsigned attributes would follow the signature
            raise ValueError("pyHanko's CMS container changed shape")
        return cls(
            content_info_head=content_info["content_type"].dump(),
            signed_data_head=signed_data_head,
            signer_info_head=signer_info_head,
            attributes_before=attributes_before,
            attributes_after=attributes_after,
            signature_algorithm=signature_algorithm,
            sign=signer.sign_now,
        )

    def container_for(self, digest: bytes) -> bytes:
        """The DER CMS container signing a document with this SHA-256 digest."""
        attributes = self.attributes_before + digest + self.attributes_after
        # Signed as a SET OF, held in the signer info as [0] IMPLICIT.
        signature = self.sign(bytes((SET,)) + attributes[1:])
        signer_info = _der(
            SEQUENCE,
            self.signer_info_head
            + attributes
            + self.signature_algorithm
            + _der(OCTET_STRING, signature),
        )
        signed_data = _der(SEQUENCE, self.signed_data_head + _der(SET, signer_info))
        return _der(SEQUENCE, self.content_info_head + _der(EXPLICIT_0, signed_data))


def _pdf_date(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("D:%Y%m%d%H%M%SZ")


class PdfSealer:
    """Signs PDFs written with its signature dictionary: the renderer puts the dictionary
    (with an empty byte range and container) in the file, `seal` fills both."""

    field_name = FIELD_NAME

    def __init__(self, signer: HeldKeySigner) -> None:
        self.signer = signer
        self.template = CmsTemplate.made_by(signer)
        self.hex_size = 2 * (len(self.template.container_for(bytes(32))) + CONTAINER_SLACK)

    def signature_dictionary(
        self, encrypted: Callable[[str], bytes], signed_at: dt.datetime
    ) -> bytes:
        """The /Sig dictionary, its strings written by `encrypted` as they must be in
        its object (the container itself is never encrypted)."""
        return b"".join(
            [
                b"<<\n/Type /Sig\n/Filter /Adobe.PPKLite\n/SubFilter /ETSI.CAdES.detached\n",
                b"/Name %s\n" % encrypted(AWARDING_BODY),
                b"/Reason %s\n" % encrypted(REASON),
                b"/M %s\n" % encrypted(_pdf_date(signed_at)),
                BYTE_RANGE_SLOT,
                b"\n",
                CONTENTS_SLOT,
                b"0" * self.hex_size,
                b">\n>>",
            ]
        )

    def seal(self, pdf: bytes) -> bytes:
        """The PDF signed: the whole file but the container is covered. Its signature
        dictionary must be the last in the file."""
        sealed = bytearray(pdf)
        start = sealed.rindex(CONTENTS_SLOT) + len(CONTENTS_SLOT) - 1  # at the "<"
        end = start + self.hex_size + 2
        slot = sealed.rindex(BYTE_RANGE_SLOT, 0, start)
        byte_range = b"/ByteRange [0 %d %d %d]" % (start, end, len(sealed) - end)
        sealed[slot : slot + len(BYTE_RANGE_SLOT)] = byte_range.ljust(len(BYTE_RANGE_SLOT))
        with memoryview(sealed) as view:
            digest = hashlib.sha256(view[:start])
            digest.update(view[end:])
        container = self.template.container_for(digest.digest()).hex().encode()
        if len(container) > self.hex_size:
            raise ValueError("the signature container outgrew its slot")
        sealed[start + 1 : start + 1 + len(container)] = container
        return bytes(sealed)


def _read_key_and_certificates(
    path: Path, password: str
) -> tuple[Key, x509.Certificate, list[x509.Certificate]]:
    data = path.read_bytes()
    secret = password.encode() or None
    if path.suffix.lower() in {".p12", ".pfx"}:
        key, certificate, chain = pkcs12.load_key_and_certificates(data, secret)
    else:
        key = serialization.load_pem_private_key(data, secret)
        certificate, *chain = x509.load_pem_x509_certificates(data)
    if certificate is None or not isinstance(key, Key):
        raise ValueError(f"{path} holds no certificate, or no RSA, EC or Ed25519 private key")
    return key, certificate, list(chain)


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def load_sealer(path: Path, password: str = "") -> PdfSealer:
    """The sealer for a key and certificate file: PEM (key and certificates in one
    file) or PKCS#12 (.p12, .pfx)."""
    key, certificate, chain = _read_key_and_certificates(path, password)
    return PdfSealer(HeldKeySigner(key, _asn1(certificate), [_asn1(item) for item in chain]))


@lru_cache(maxsize=4)
def _sealer_for(path: str, password: str) -> PdfSealer:
    if not Path(path).is_file():
        log.error("no signing certificate at %s (SIGNING_CERT_PATH)", path)
        raise SigningUnavailable(
            "PDFs cannot be signed: the signing certificate (SIGNING_CERT_PATH) is missing. "
            "Make a self-signed one with `python -m core.cli make-signing-cert`."
        )
    return load_sealer(Path(path), password)


def current_sealer() -> PdfSealer:
    """The awarding body's sealer from the settings, made once per process."""
    settings = get_settings()
    return _sealer_for(settings.signing_cert_path, settings.signing_cert_password)


def signing_renderer() -> CertificateRenderer:
    """The renderer exports and candidates' downloads use: encrypted with the owner
    password from the settings, signed by the awarding body."""
    return CertificateRenderer(get_settings().pdf_owner_password, current_sealer())


_thread_loops = threading.local()


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Run pyHanko's async work to the end. Its own sync wrappers call asyncio.run,
    which makes and closes an event loop per call and fails in a thread that runs
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
        future: Future[T] = elsewhere.submit(_run, work)
        return future.result()


# Making a self-signed certificate (demos and tests) -------------------------------------


def make_signing_cert(path: Path, *, days: int = 3650, rsa_key: bool = False) -> Path:
    """A self-signed ECDSA P-256 (or RSA 2048) certificate for the awarding body, with its
    key, in one PEM file (for demos and tests; production uses the awarding body's own)."""
    key = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if rsa_key
        else ec.generate_private_key(ec.SECP256R1())
    )
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


def check_signature(data: bytes, sealer: PdfSealer | None = None) -> SignatureCheck:
    """Whether a PDF (one of ours, in this process) carries the awarding body's
    signature, untouched. Files from outside are read by core.pdf_check in a process
    of their own."""
    return signature_of(data, (sealer or current_sealer()).signer.signing_cert, run=_run)
