"""Certificate PDFs for exports: digital copies that must not be printed.

The layout comes from data/certificate/template.toml (artwork, logo, positions, fonts),
not from code. Speed decides the shape (measurements in docs/benchmarks.md): a new fpdf2
document with an embedded TTF font costs about 30 ms, a page of a many-page document
about 0.5 ms. So a chunk of certificates is drawn as the pages of one document, which
fpdf2 encrypts (AES-128, an owner password, permissions that refuse printing and
changing; opening needs no password) and which is then cut into one file per
certificate from fpdf2's own serialized objects, without parsing or encrypting again.
Each file is written with an empty signature that a `Sealer` (core.signing) fills.

Every text line shrinks to fit its width, then wraps (inside a word only when the word
alone is wider than the line) within the height the template gives it; a certificate
whose text still does not fit, or holds a letter the font cannot print, is not drawn:
`render_each` answers it with the reason, and draws the others.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
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
from fpdf.fonts import TTFFont
from fpdf.output import OutputProducer, PDFCatalog, PDFInfo
from PIL import Image

from core.config import ROOT
from core.text import uk_date

log = logging.getLogger(__name__)
TEMPLATE = ROOT / "data" / "certificate" / "template.toml"
PT = 25.4 / 72  # millimetres in a point
LEADING = 1.15  # a wrapped line's rows are this many font sizes apart
SHRINK_STEP = 0.92
# What a field is called in the reason a certificate could not be drawn.
FIELD_NAMES = {
    "full_name": "name",
    "qualification_title": "qualification title",
    "centre": "centre's name",
    "number": "certificate number",
    "verify_url": "verification address",
}
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


class CannotDraw(ValueError):
    """A certificate that cannot be printed as it is; the message says why, in words."""


class _MissingLetters(ValueError):
    def __init__(self, letters: str) -> None:
        super().__init__(letters)
        self.letters = letters


@dataclass(frozen=True)
class NotDrawn:
    """A certificate `render_each` could not draw, and why."""

    reason: str


@dataclass(frozen=True)
class PlacedText:
    """One row of text as drawn: baseline start (x, y) and width in millimetres."""

    text: str
    x: float
    y: float
    size: float
    bold: bool
    width: float


def _reason(error: Exception) -> str:
    if isinstance(error, CannotDraw):
        return str(error)
    log.exception("a certificate could not be drawn")
    return f"it could not be drawn ({type(error).__name__})"


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
        renderer has a sealer; raises if any certificate cannot be drawn."""
        document = self._document()
        for certificate in certificates:
            self._page(document, self._prepared(document, certificate))
        return self._files(document, certificates)

    def render_each(self, certificates: list[CertificateContent]) -> list[bytes | NotDrawn]:
        """Like `render`, but a certificate that cannot be drawn is answered with the
        reason (NotDrawn) and the others are drawn all the same."""
        try:
            document = self._document()
            results: list[bytes | NotDrawn | None] = []
            drawn = []
            for certificate in certificates:
                try:
                    prepared = self._prepared(document, certificate)
                except Exception as error:
                    results.append(NotDrawn(_reason(error)))
                    continue
                self._page(document, prepared)
                results.append(None)
                drawn.append(certificate)
            files = iter(self._files(document, drawn) if drawn else [])
            return [result or next(files) for result in results]
        except Exception as error:
            if len(certificates) == 1:
                return [NotDrawn(_reason(error))]
            return [self.render_each([certificate])[0] for certificate in certificates]

    def placed_text(self, certificate: CertificateContent) -> list[PlacedText]:
        """Where each row of the certificate's text goes (raises CannotDraw)."""
        return self._prepared(self._document(), certificate)[1]

    def _files(
        self, document: _ChunkDocument, certificates: list[CertificateContent]
    ) -> list[bytes]:
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

    def _prepared(
        self, document: FPDF, certificate: CertificateContent
    ) -> tuple[Image.Image, list[PlacedText]]:
        """Everything that can fail, before a page is added: the QR code and where each
        row of text goes."""
        fields = certificate.fields()
        rows = [row for line in self.layout["text"] for row in self._rows(document, line, fields)]
        return qr_image(certificate.verify_url), rows

    def _page(self, document: FPDF, prepared: tuple[Image.Image, list[PlacedText]]) -> None:
        qr_code, rows = prepared
        document.add_page()
        document.image(self._images["artwork"], x=0, y=0, w=document.w, h=document.h)
        self._mark(document)
        logo = self.layout["logo"]
        document.image(self._images["logo"], x=logo["x"], y=logo["y"], w=logo["w"])
        document.set_text_color(*self.layout["ink"])
        for row in rows:
            document.set_font("Body", "B" if row.bold else "", row.size)
            document.text(row.x, row.y, row.text)
        qr = self.layout["qr"]
        document.image(qr_code, x=qr["x"], y=qr["y"], w=qr["size"], h=qr["size"])

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
            font = document.current_font
            assert isinstance(font, TTFFont), "the template's fonts are TrueType"
            cmap = font.cmap
            if missing := "".join(sorted({c for c in text if ord(c) not in cmap})):
                raise _MissingLetters(missing)
            if len(self._widths) >= WIDTHS_KEPT:
                self._widths.clear()
            width = self._widths[key] = document.get_string_width(text)
        return width

    def _rows(self, document: FPDF, line: dict, fields: dict[str, str]) -> list[PlacedText]:
        """A template line's rows: at its size if it fits, else shrunk to fit its width
        (down to its smallest size), else wrapped within its height, shrinking further
        as needed; CannotDraw when even that fails."""
        names = _field_names(line["text"])
        if names and not any(fields[name] for name in names):
            return []
        size, bold = line["size"], bool(line.get("bold"))
        document.set_font("Body", "B" if bold else "", size)
        text = " ".join(line["text"].format_map(fields).split())
        what = next((FIELD_NAMES[name] for name in names if name in FIELD_NAMES), "text")
        fit = line.get("fit", self.layout["fit"])
        try:
            width = self._width(document, text)
            if width <= fit:
                return [self._placed(document, line, text, line["y"], size, width)]
            smallest = line.get("min_size", size * self.layout["min_size_ratio"])
            if size * fit / width >= smallest:
                return [self._placed(document, line, text, line["y"], size * fit / width, fit)]
            return self._wrapped(document, line, text, fit, smallest, what)
        except _MissingLetters as missing:
            raise CannotDraw(
                f"its {what} holds letters the certificate's font cannot print ({missing.letters})"
            ) from None

    def _wrapped(
        self, document: FPDF, line: dict, text: str, fit: float, smallest: float, what: str
    ) -> list[PlacedText]:
        """Rows centred on the line's baseline, at the largest size whose rows fit the
        line's height (one row's height unless the template gives more)."""
        size = line["size"]
        height = line.get("height", size * PT)
        current = size
        while True:
            rows = self._broken(document, text, fit, current / size)
            lead = current * PT * LEADING
            if (len(rows) - 1) * lead + current * PT <= height:
                first = line["y"] - (len(rows) - 1) * lead / 2
                return [
                    self._placed(document, line, row, first + index * lead, current, width)
                    for index, (row, width) in enumerate(rows)
                ]
            if current <= smallest:
                raise CannotDraw(f"its {what} is too long to print, even small and wrapped")
            current = max(smallest, current * SHRINK_STEP)

    def _broken(
        self, document: FPDF, text: str, fit: float, scale: float
    ) -> list[tuple[str, float]]:
        """`text` in rows no wider than `fit` at `scale` times the font's size: broken
        between words, and inside a word only when it alone is wider than a row."""
        space = self._width(document, " ") * scale
        rows: list[tuple[str, float]] = []
        row, row_width = "", 0.0
        for word in text.split(" "):
            pieces = self._pieces(document, word, fit, scale)
            for index, (piece, width) in enumerate(pieces):
                if row and row_width + space + width > fit:
                    rows.append((row, row_width))
                    row, row_width = "", 0.0
                row, row_width = (
                    (f"{row} {piece}", row_width + space + width)
                    if row
                    else (
                        piece,
                        width,
                    )
                )
                if index < len(pieces) - 1:  # a piece of a long word fills its row
                    rows.append((row, row_width))
                    row, row_width = "", 0.0
        return [*rows, (row, row_width)] if row else rows

    def _pieces(
        self, document: FPDF, word: str, fit: float, scale: float
    ) -> list[tuple[str, float]]:
        width = self._width(document, word) * scale
        if width <= fit:
            return [(word, width)]
        pieces: list[tuple[str, float]] = []
        piece, piece_width = "", 0.0
        for letter in word:
            letter_width = self._width(document, letter) * scale
            if piece and piece_width + letter_width > fit:
                pieces.append((piece, piece_width))
                piece, piece_width = "", 0.0
            piece, piece_width = piece + letter, piece_width + letter_width
        return [*pieces, (piece, piece_width)]

    def _placed(
        self, document: FPDF, line: dict, text: str, y: float, size: float, width: float
    ) -> PlacedText:
        x = line["x"] if line.get("align") == "L" else (document.w - width) / 2
        return PlacedText(text, x, y, size, bool(line.get("bold")), width)


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
