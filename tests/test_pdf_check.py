"""A PDF uploaded to Verify is read in a process of its own, within CPU and memory
limits: a PDF bomb costs that process, not the app, and whatever goes wrong the answer
is that the file could not be checked."""

from __future__ import annotations

import threading
import uuid
import zlib
from pathlib import Path

import pytest

from core import config
from core.db import session_scope
from core.errors import InvalidInput
from core.pdf_check import COULD_NOT_CHECK
from core.verify import NOT_A_PDF, verify_upload

BOMB_MB = 200  # pypdf stops at 75 MB decompressed: LimitReachedError


def pdf_with_page_content(content_stream: bytes, filters: str = "/FlateDecode") -> bytes:
    """A one-page PDF, xref and all, whose page draws `content_stream`."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> "
        b"/Contents 4 0 R >>",
        f"<< /Length {len(content_stream)} /Filter {filters} >>\nstream\n".encode()
        + content_stream
        + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n"
    out += f"{trailer}startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def decompression_bomb(megabytes: int = BOMB_MB, unit: bytes = b" ") -> bytes:
    """A page whose content stream inflates to `megabytes` MB of `unit` repeated (built
    a MB at a time)."""
    packer = zlib.compressobj(9)
    chunk = unit * (1_000_000 // len(unit))
    stream = b"".join(packer.compress(chunk) for _ in range(megabytes)) + packer.flush()
    return pdf_with_page_content(stream)


def nesting_bomb(depth: int = 200_000) -> bytes:
    """A page whose content holds an array nested `depth` deep."""
    return pdf_with_page_content(b"[" * depth + b"]" * depth + b" Tj", filters="[]")


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _peak_growth_mb(work) -> tuple[float, object]:
    """Run `work` while sampling this process's memory; its peak growth and result."""
    start, peak, done = _rss_mb(), [0.0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss_mb() - start)
            done.wait(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        result = work()
    except Exception as error:  # the answer is checked by the caller
        result = error
    finally:
        done.set()
        sampler.join()
    return peak[0], result


def _uploaded(db_url: str, data: bytes):
    with session_scope(db_url) as session:
        return verify_upload(session, data=data, client=f"test-{uuid.uuid4().hex}")


@pytest.mark.parametrize("bomb", [decompression_bomb, nesting_bomb], ids=["inflates", "nested"])
def test_a_pdf_bomb_leaves_the_app_memory_flat_and_could_not_be_checked(db_url, bomb):
    data = bomb()
    assert len(data) < 1_000_000
    growth, answer = _peak_growth_mb(lambda: _uploaded(db_url, data))
    assert isinstance(answer, InvalidInput), answer
    assert answer.message == COULD_NOT_CHECK
    assert growth < 30, f"the app process grew by {growth:.0f} MB"


def test_a_pdf_needing_more_memory_than_allowed_could_not_be_checked(db_url, monkeypatch):
    """Within pypdf's own limit (60 of its 75 MB) but over the memory allowance."""
    monkeypatch.setenv("PDF_CHECK_MEMORY_MB", "32")
    config.get_settings.cache_clear()
    with pytest.raises(InvalidInput, match="could not be checked"):
        _uploaded(db_url, decompression_bomb(60))


def test_a_pdf_needing_more_cpu_time_than_allowed_could_not_be_checked(db_url, monkeypatch):
    """Six million text operators take far more than a CPU second to read."""
    monkeypatch.setenv("PDF_CHECK_SECONDS", "1")
    config.get_settings.cache_clear()
    with pytest.raises(InvalidInput, match="could not be checked"):
        _uploaded(db_url, decompression_bomb(50, unit=b"(A) Tj\n"))


@pytest.mark.parametrize(
    "data",
    [b"", "Siân, not a certificate".encode(), b"\x89PNG\r\n\x1a\n" + b"\0" * 100],
    ids=["empty", "text", "an image"],
)
def test_a_file_that_is_not_a_pdf_says_it_is_not_a_pdf(db_url, data):
    with pytest.raises(InvalidInput) as refused:
        _uploaded(db_url, data)
    assert refused.value.message == NOT_A_PDF


def test_a_damaged_pdf_could_not_be_checked(db_url):
    with pytest.raises(InvalidInput, match="could not be checked"):
        _uploaded(db_url, b"%PDF-1.7 not really")


def test_a_readable_unsigned_pdf_is_not_signed_by_us(db_url):
    result = _uploaded(db_url, pdf_with_page_content(b"BT (Hello) Tj ET", filters="[]"))
    assert (result.signed, result.trustworthy, result.certificate) == (False, False, None)
