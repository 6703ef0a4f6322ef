"""Reading a PDF someone uploaded, in a process of its own.

A PDF can be built to cost far more than its size: a 176 KB file that decompresses to
hundreds of megabytes, objects nested thousands deep. So an uploaded PDF is never read
in the app process. `read_uploaded_pdf` runs this module as a child process
(`python -m core.pdf_check`) that first lowers its own priority and limits its CPU time
and memory (`resource.setrlimit`), then reads the bytes from stdin with pyHanko (the
signature) and pypdf (the text) and answers one line of JSON. The parent waits at most
a few seconds more than the CPU limit. Whatever goes wrong in the child, from a
LimitReachedError to running out of memory, being killed at the CPU limit or a timeout,
the app only ever hears "could not be checked".

This module imports only what reading needs (no settings, no database), so that a child
starts in about half a second.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import resource
import struct
import subprocess
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import SignatureCoverageLevel, async_validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from core.errors import InvalidInput

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent
FIELD_NAME = "AwardingBodySignature"
TEXT_PAGES = 2  # the certificate's details are on its first page
MAX_TEXT_CHARS = 100_000
CHILD_NICENESS = 10  # a visitor's upload waits behind signed-in users' pages
COULD_NOT_CHECK = (
    "This file could not be checked: it is damaged, or not a PDF we can read. Upload the "
    "certificate's PDF as you received it, or verify it by certificate number instead."
)


class UncheckableFile(InvalidInput):
    """The uploaded file could not be read within the limits."""

    def __init__(self) -> None:
        super().__init__(COULD_NOT_CHECK)


@dataclass(frozen=True)
class SignatureCheck:
    signed: bool  # carries a signature of ours (our field, made with our certificate)
    intact: bool  # signed by our certificate, nothing changed since


@dataclass(frozen=True)
class PdfReading:
    signature: SignatureCheck
    text: str  # the first pages' text, for the details the certificate states


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


def signature_of(
    data: bytes,
    ours: asn1_x509.Certificate,
    run: Callable[[Coroutine[Any, Any, PdfSignatureStatus]], PdfSignatureStatus] = asyncio.run,
) -> SignatureCheck:
    """Whether a PDF carries the awarding body's signature, untouched: the signed bytes
    unchanged, the signer our certificate, and nothing added after the signature. A
    signature made with another certificate is not ours, whatever name it carries. A
    file pyHanko cannot open at all raises (the caller says it could not be checked)."""
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    if reader.encrypted:
        reader.decrypt("")
    signatures = [sig for sig in reader.embedded_signatures if sig.field_name == FIELD_NAME]
    if not signatures:
        return SignatureCheck(signed=False, intact=False)
    # Past this point the file is ours in name; a signature broken in any way pyHanko
    # can meet means changed after signing.
    try:
        if signatures[0].signer_cert.dump() != ours.dump():
            return SignatureCheck(signed=False, intact=False)
        status = run(_validated(signatures[0], ours))
    except Exception:
        return SignatureCheck(signed=True, intact=False)
    intact = (
        status.intact
        and status.valid
        and status.trusted
        and status.signing_cert.dump() == ours.dump()
        and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    )
    return SignatureCheck(signed=True, intact=intact)


def text_of(data: bytes) -> str:
    """The text of the first pages (a file pypdf cannot read raises)."""
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        reader.decrypt("")
    text = "\n".join(page.extract_text() or "" for page in reader.pages[:TEXT_PAGES])
    return text[:MAX_TEXT_CHARS]


# The parent: ask a child, within limits ------------------------------------------------


def read_uploaded_pdf(
    data: bytes, *, ours: asn1_x509.Certificate, cpu_seconds: int, memory_mb: int
) -> PdfReading:
    """Read an uploaded PDF in a child process limited to `cpu_seconds` of CPU time and
    `memory_mb` more memory than it needs to start; UncheckableFile if it fails,
    whatever the reason."""
    der = ours.dump()
    payload = struct.pack(">I", len(der)) + der + data
    try:
        finished = subprocess.run(
            [sys.executable, "-m", "core.pdf_check", str(cpu_seconds), str(memory_mb)],
            input=payload,
            capture_output=True,
            cwd=ROOT,
            timeout=cpu_seconds * 2 + 15,  # starting Python on a busy machine, then the work
            check=False,
        )
    except (subprocess.TimeoutExpired, OSError) as error:
        log.warning("an uploaded PDF could not be checked: %s", type(error).__name__)
        raise UncheckableFile() from None
    if finished.returncode != 0:
        reason = finished.stderr.decode(errors="replace").strip().splitlines()[-1:] or [
            f"ended by signal {-finished.returncode}"
            if finished.returncode < 0
            else f"exit {finished.returncode}"
        ]
        log.warning("an uploaded PDF could not be checked: %s", reason[0][:200])
        raise UncheckableFile()
    answer = json.loads(finished.stdout)
    return PdfReading(SignatureCheck(answer["signed"], answer["intact"]), answer["text"])


# The child ------------------------------------------------------------------------------


def _virtual_memory_bytes() -> int:
    """This process's address space now (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def limit_this_process(cpu_seconds: int, memory_mb: int) -> None:
    """From here on: a lower priority, `cpu_seconds` more CPU time (then the kernel ends
    the process) and `memory_mb` more address space (then allocations fail)."""
    os.nice(CHILD_NICENESS)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = int(usage.ru_utime + usage.ru_stime) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (used + cpu_seconds, used + cpu_seconds + 1))
    memory = _virtual_memory_bytes() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))


def _child(cpu_seconds: int, memory_mb: int) -> None:
    limit_this_process(cpu_seconds, memory_mb)
    payload = sys.stdin.buffer.read()
    (size,) = struct.unpack(">I", payload[:4])
    ours = asn1_x509.Certificate.load(payload[4 : 4 + size])
    data = payload[4 + size :]
    signature = signature_of(data, ours)
    answer = {"signed": signature.signed, "intact": signature.intact, "text": text_of(data)}
    sys.stdout.write(json.dumps(answer))


if __name__ == "__main__":
    sys.setrecursionlimit(5_000)  # a deeply nested file ends in RecursionError, not a crash
    _child(int(sys.argv[1]), int(sys.argv[2]))
