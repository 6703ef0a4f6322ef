"""Ways a signed certificate PDF gets changed after it was issued."""

from __future__ import annotations

import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter


def changed_by_a_new_revision(pdf: bytes) -> bytes:
    """A later revision appended after the signature (the document's language), as an
    editing tool saves a change: the signed bytes are all still there."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    writer.encrypt("")
    writer.root["/Lang"] = generic.TextStringObject("fr")
    writer.update_root()
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def changed_inside(pdf: bytes) -> bytes:
    """One byte of the signed content flipped (inside a stream, before the signature)."""
    changed = bytearray(pdf)
    at = pdf.index(b"stream", len(pdf) // 4) + 40
    changed[at] ^= 0x01
    return bytes(changed)
