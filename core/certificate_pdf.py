"""Certificate PDFs for exports: digital copies that must not be printed.

The layout comes from data/certificate/template.toml (artwork, logo, positions, fonts),
not from code. Speed decides the shape (measurements in docs/benchmarks.md): a new fpdf2
document with an embedded TTF font costs about 30 ms, a page of a many-page document
about 0.5 ms. So a chunk of certificates is drawn as the pages of one document, which
fpdf2 encrypts (AES-128, an owner password, permissions that refuse printing and
changing; opening needs no password) and which is then cut into one file per
certificate from fpdf2's own serialized objects, without parsing or encrypting again.
Each file is written with an empty signature that a `Sealer` (core.signing) fills.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from string import Formatter
from typing import Any, Protocol

import segno
from fpdf import FPDF
from fpdf.encryption import EncryptionDictionary
from fpdf.enums import AccessPermission, EncryptionMethod
from fpdf.output import OutputProducer, PDFCatalog, PDFInfo
from PIL import Image

from core.config import ROOT
from core.text import uk_date

TEMPLATE = ROOT / "data" / "certificate" / "template.toml"
AWARDING_BODY = "Institute of the Motor Industry"
# Copying text and accessibility only: no printing, no changes, no forms, no assembly.
PERMISSIONS = AccessPermission.COPY | AccessPermission.COPY_FOR_ACCESSIBILITY
QR_BORDER = 2
WIDTHS_KEPT = 4096
_QR_TRANSLATE = bytes.maketrans(b"\x00\x01", b"\xff\x00")  # dark module -> black pixel


@dataclass(frozen=True)
class CertificateContent:
    """What a certificate says, as printed."""

    number: str
    full_name: str
    qualification_title: str
    qualification_number: str
    kind: str
    grade: str
    issue_date: dt.date
    expiry_date: dt.date | None
    centre: str
    verify_url: str

    def fields(self) -> dict[str, str]:
        values = asdict(self)
        values["issue_date"] = uk_date(self.issue_date)
        values["expiry_date"] = uk_date(self.expiry_date)
        return {"awarding_body": AWARDING_BODY, **values}


class Sealer(Protocol):
    """Signs the files: writes their signature dictionary and fills it (core.signing)."""

    field_name: str

    def signature_dictionary(
        self, encrypted: Callable[[str], bytes], signed_at: dt.datetime
    ) -> bytes: ...

    def seal(self, pdf: bytes) -> bytes: ...


def qr_image(data: str) -> Image.Image:
    """The QR code as a small greyscale image, one pixel a module (a fixed mask: choosing
    among the eight costs 4 ms, and any mask reads)."""
    code = segno.make_qr(data, error="m", mask=0, boost_error=False)
    size = len(code.matrix)
    blank = bytes(QR_BORDER)
    rows = [blank + bytes(row) + blank for row in code.matrix]
    quiet = bytes(size + 2 * QR_BORDER)
    pixels = b"".join([quiet] * QR_BORDER + rows + [quiet] * QR_BORDER)
    side = size + 2 * QR_BORDER
    return Image.frombytes("L", (side, side), pixels.translate(_QR_TRANSLATE))


def _field_names(text: str) -> list[str]:
    return [name for _, name, _, _ in Formatter().parse(text) if name]


class CertificateRenderer:
    """Draws certificates from the template; reuse one for many chunks."""

    def __init__(
        self, owner_password: str, sealer: Sealer | None = None, template: Path = TEMPLATE
    ) -> None:
        self.owner_password = owner_password
        self.sealer = sealer
        self.folder = template.parent
        with template.open("rb") as handle:
            self.layout = tomllib.load(handle)
        self._widths: dict[tuple[str, float, str], float] = {}

    @cached_property
    def _images(self) -> dict[str, str]:
        """Artwork and logo by path: fpdf2 then embeds each once per document."""
        names = {"artwork": self.layout["artwork"], "logo": self.layout["logo"]["image"]}
        return {key: str(self.folder / name) for key, name in names.items()}

    def render(self, certificates: list[CertificateContent]) -> list[bytes]:
        """One encrypted single-page PDF per certificate, in order, signed when the
        renderer has a sealer."""
        document = self._document()
        for certificate in certificates:
            self._page(document, certificate)
        chunk = _EncryptedChunk(document, self.sealer)
        files = [
            chunk.single_page_file(page_id, title=f"Certificate {certificate.number}")
            for page_id, certificate in zip(chunk.page_ids, certificates, strict=True)
        ]
        return [self.sealer.seal(file) for file in files] if self.sealer else files

    def _document(self) -> _ChunkDocument:
        document = _ChunkDocument(orientation="L", format="A4")
        document.set_encryption(
            self.owner_password,
            encryption_method=EncryptionMethod.AES_128,
            permissions=PERMISSIONS,
        )
        document.set_auto_page_break(False)
        document.set_author(AWARDING_BODY)
        document.add_font("Body", "", str(self.folder / self.layout["font_regular"]))
        document.add_font("Body", "B", str(self.folder / self.layout["font_bold"]))
        return document

    def _page(self, document: FPDF, certificate: CertificateContent) -> None:
        document.add_page()
        document.image(self._images["artwork"], x=0, y=0, w=document.w, h=document.h)
        self._mark(document)
        logo = self.layout["logo"]
        document.image(self._images["logo"], x=logo["x"], y=logo["y"], w=logo["w"])
        document.set_text_color(*self.layout["ink"])
        fields = certificate.fields()
        for line in self.layout["text"]:
            self._line(document, line, fields)
        qr = self.layout["qr"]
        document.image(
            qr_image(certificate.verify_url), x=qr["x"], y=qr["y"], w=qr["size"], h=qr["size"]
        )

    def _mark(self, document: FPDF) -> None:
        """The visible 'not valid when printed' mark: across the page, and at its foot."""
        mark = self.layout["mark"]
        document.set_text_color(mark["grey"])
        document.set_font("Body", "B", mark["size"])
        width = self._width(document, mark["text"])
        with document.rotation(angle=mark["angle"], x=mark["x"], y=mark["y"]):
            document.text(mark["x"] - width / 2, mark["y"], mark["text"])
        document.set_text_color(180, 30, 30)
        document.set_font("Body", "B", mark["footer_size"])
        width = self._width(document, mark["text"])
        document.text((document.w - width) / 2, mark["footer_y"], mark["text"])

    def _width(self, document: FPDF, text: str) -> float:
        """A text's width in the current font, measured once: most lines are the same on
        every certificate (the marks, the headings, the title and centre of a batch)."""
        key = (document.font_family + document.font_style, document.font_size_pt, text)
        if (width := self._widths.get(key)) is None:
            if len(self._widths) >= WIDTHS_KEPT:
                self._widths.clear()
            width = self._widths[key] = document.get_string_width(text)
        return width

    def _line(self, document: FPDF, line: dict, fields: dict[str, str]) -> None:
        names = _field_names(line["text"])
        if names and not any(fields[name] for name in names):
            return
        size = line["size"]
        document.set_font("Body", "B" if line.get("bold") else "", size)
        text = line["text"].format_map(fields)
        if line.get("align") == "L":
            document.text(line["x"], line["y"], text)
            return
        width = self._width(document, text)
        if width > line.get("fit", document.w):  # a long title: smaller, never cut
            document.set_font_size(size * line["fit"] / width)
            width = line["fit"]
        document.text((document.w - width) / 2, line["y"], text)


class _ChunkDocument(FPDF):
    """A chunk's fpdf2 document with an identifier of its own (fpdf2's default is made
    from the creation time alone, and the encryption key is derived from it)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.permanent_id = secrets.token_hex(16).upper()

    def file_id(self) -> str:
        return f"<{self.permanent_id}><{self.permanent_id}>"

    def encrypted_string(self, text: str, object_id: int) -> bytes:
        """A string as it is written inside object `object_id` of this document."""
        handler = self._security_handler
        assert handler is not None, "set_encryption comes first (CertificateRenderer._document)"
        return handler.encrypt_string(text, object_id).encode()


class _EncryptedChunk:
    """A chunk's document as fpdf2 wrote it, encrypted, cut into one file per page.

    Every object is kept as fpdf2 serialized (and encrypted) it. A page's file holds the
    page, the objects it reaches (content, QR, artwork, logo, fonts: shared objects are
    the same bytes in every file), the encryption dictionary, and its own page tree,
    catalog and info. The files keep the chunk's object numbers and first identifier,
    which the per-object AES keys are derived from, so nothing is parsed or encrypted
    again per file: re-encrypting the shared objects per file (pypdf) was half the cost.
    """

    def __init__(self, document: _ChunkDocument, sealer: Sealer | None) -> None:
        producers: list[OutputProducer] = []

        class Recorded(OutputProducer):  # fpdf2's own, kept for where each object lies
            def bufferize(self) -> bytearray:
                producers.append(self)
                return super().bufferize()

        buffer = bytes(document.output(output_producer_class=Recorded))
        producer = producers[0]
        starts = sorted(producer.offsets.items(), key=lambda item: item[1])
        ends = [start for _, start in starts[1:]] + [buffer.rindex(b"\nxref\n") + 1]
        self.objects = {
            number: buffer[start:end] for (number, start), end in zip(starts, ends, strict=True)
        }
        self.header = buffer[: starts[0][1]]
        self.document = document
        self.page_ids = [page.id for page in document.pages.values()]
        root = document.pages[1].parent
        assert root is not None, "fpdf2 gives every page its parent when it writes the document"
        self.root_id = root.id
        self.catalog_id, self.info_id, self.encryption_id = (
            next(obj.id for obj in producer.pdf_objs if isinstance(obj, kind))
            for kind in (PDFCatalog, PDFInfo, EncryptionDictionary)
        )
        first = self.page_ids[0]
        self.root_template = _one_substitution(
            _one_substitution(self.objects[self.root_id], rb"/Count \d+", b"/Count 1"),
            rb"/Kids \[[^\]]*\]",
            b"/Kids [%d 0 R]",
        )
        self.catalog_template = _one_substitution(
            self.objects[self.catalog_id], rb"\[%d 0 R " % first, b"[%d 0 R "
        )
        self.info_template = _one_substitution(  # the chunk's author and date, a title per file
            self.objects[self.info_id], rb"\n>>\nendobj", b"\n/Title %s\n>>\nendobj"
        )
        self._references_of: dict[int, list[int]] = {}
        self.sealer = sealer
        if sealer:
            self._prepare_signature(sealer)

    def _prepare_signature(self, sealer: Sealer) -> None:
        """A signature field (its widget on the page, in the catalog's form) and its
        signature dictionary, numbered after the chunk's objects: the same in every file
        of the chunk but for the page. The dictionary comes last, as sealing needs."""
        self.field_id, self.signature_id = max(self.objects) + 1, max(self.objects) + 2
        self.catalog_template = _one_substitution(
            self.catalog_template,
            rb"\n>>\nendobj",
            b"\n/AcroForm <<\n/Fields [%d 0 R]\n/SigFlags 3\n>>\n>>\nendobj" % self.field_id,
        )
        name = self.document.encrypted_string(sealer.field_name, self.field_id)
        self.field_template = (
            b"%d 0 obj\n<<\n/Type /Annot\n/Subtype /Widget\n/FT /Sig\n/T %s\n/F 132\n"
            b"/Rect [0 0 0 0]\n/V %d 0 R\n/P %%d 0 R\n>>\nendobj\n"
        ) % (self.field_id, name, self.signature_id)
        dictionary = sealer.signature_dictionary(
            lambda text: self.document.encrypted_string(text, self.signature_id),
            dt.datetime.now(dt.UTC),
        )
        self.signature_object = b"%d 0 obj\n%s\nendobj\n" % (self.signature_id, dictionary)

    def _signature_objects(self, page_id: int) -> dict[int, bytes]:
        return {
            page_id: _one_substitution(
                self.objects[page_id],
                rb"\n>>\nendobj",
                b"\n/Annots [%d 0 R]\n>>\nendobj" % self.field_id,
            ),
            self.field_id: self.field_template % page_id,
            self.signature_id: self.signature_object,
        }

    def single_page_file(self, page_id: int, title: str) -> bytes:
        own = {
            self.root_id: self.root_template % page_id,
            self.catalog_id: self.catalog_template % page_id,
            self.info_id: self.info_template % self.document.encrypted_string(title, self.info_id),
        }
        if self.sealer:
            own |= self._signature_objects(page_id)
        numbers = sorted(self.reached(page_id) | own.keys() | {self.encryption_id})
        body = [self.header]
        offsets = []
        position = len(self.header)
        for number in numbers:
            serialized = own.get(number) or self.objects[number]
            offsets.append(position)
            body.append(serialized)
            position += len(serialized)
        objects = b"".join(body)
        # The trailer's /ID, an identifier the PDF format defines as an MD5: not a secret.
        file_id = hashlib.md5(objects, usedforsecurity=False).hexdigest()
        return objects + self._xref(numbers, offsets, position, file_id)

    def reached(self, page_id: int) -> set[int]:
        """The objects a page refers to, directly or not (never up to the page tree)."""
        found: set[int] = set()
        todo = [page_id]
        while todo:
            number = todo.pop()
            if number not in found and number != self.root_id:
                found.add(number)
                todo += self._references(number)
        return found

    def _references(self, number: int) -> list[int]:
        if number not in self._references_of:
            head = self.objects[number].split(b"stream\n", 1)[0]  # streams are encrypted
            self._references_of[number] = [int(found) for found in _REFERENCE.findall(head)]
        return self._references_of[number]

    def _xref(self, numbers: list[int], offsets: list[int], position: int, own_id: str) -> bytes:
        """The cross-reference table in runs of consecutive numbers, and the trailer:
        the chunk's first identifier (the key depends on it), the file's own second."""
        lines = [b"xref\n0 1\n0000000000 65535 f \n"]
        run_start = 0
        for index in range(1, len(numbers) + 1):
            if index == len(numbers) or numbers[index] != numbers[index - 1] + 1:
                lines.append(b"%d %d\n" % (numbers[run_start], index - run_start))
                lines += [b"%010d 00000 n \n" % offset for offset in offsets[run_start:index]]
                run_start = index
        trailer = (
            f"trailer\n<<\n/Size {numbers[-1] + 1}\n/Root {self.catalog_id} 0 R\n"
            f"/Info {self.info_id} 0 R\n/Encrypt {self.encryption_id} 0 R\n"
            f"/ID [<{self.document.permanent_id}><{own_id.upper()}>]\n>>\n"
            f"startxref\n{position}\n%%EOF\n"
        )
        return b"".join(lines) + trailer.encode()


_REFERENCE = re.compile(rb"(\d+) 0 R(?![A-Za-z])")


def _one_substitution(serialized: bytes, pattern: bytes, replacement: bytes) -> bytes:
    changed, count = re.subn(pattern, replacement, serialized)
    if count != 1:
        raise ValueError(f"fpdf2's output changed: {pattern!r} found {count} times")
    return changed
