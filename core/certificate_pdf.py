"""Certificate PDFs for exports: digital copies that must not be printed.

The layout comes from data/certificate/template.toml (artwork, logo, positions, fonts),
not from code. Speed decides the shape (measurements in the README): a new fpdf2
document with an embedded TTF font costs about 30 ms, a page of a many-page document
about 0.5 ms. So a chunk of certificates is drawn as the pages of one document, which
pypdf then splits into one file per certificate, each AES-128 encrypted with an owner
password and permissions that refuse printing and changing (opening needs no password).
"""

from __future__ import annotations

import datetime as dt
import io
import tomllib
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from string import Formatter

import segno
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.constants import UserAccessPermissions

from core.config import ROOT
from core.text import uk_date

TEMPLATE = ROOT / "data" / "certificate" / "template.toml"
AWARDING_BODY = "Institute of the Motor Industry"
# Reading, copying text and accessibility only: no printing, no changes, no forms.
# Bits 1 and 2 stay 0 as the PDF standard says: pyHanko (signing, after encryption)
# derives the file key from the standard's bits and could not open the file otherwise.
PERMISSIONS = (
    UserAccessPermissions.EXTRACT
    | UserAccessPermissions.EXTRACT_TEXT_AND_GRAPHICS
    | UserAccessPermissions.R7
    | UserAccessPermissions.R8
    | sum(UserAccessPermissions[f"R{bit}"] for bit in range(13, 33))
)
QR_BORDER = 2
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

    def __init__(self, owner_password: str, template: Path = TEMPLATE) -> None:
        self.owner_password = owner_password
        self.folder = template.parent
        with template.open("rb") as handle:
            self.layout = tomllib.load(handle)

    @cached_property
    def _images(self) -> dict[str, str]:
        """Artwork and logo by path: fpdf2 then embeds each once per document."""
        names = {"artwork": self.layout["artwork"], "logo": self.layout["logo"]["image"]}
        return {key: str(self.folder / name) for key, name in names.items()}

    def render(self, certificates: list[CertificateContent]) -> list[bytes]:
        """One encrypted single-page PDF per certificate, in order."""
        document = self._document()
        for certificate in certificates:
            self._page(document, certificate)
        reader = PdfReader(io.BytesIO(bytes(document.output())))
        return [
            self._single(page, certificate)
            for page, certificate in zip(reader.pages, certificates, strict=True)
        ]

    def _document(self) -> FPDF:
        document = FPDF(orientation="L", format="A4")
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
        width = document.get_string_width(mark["text"])
        with document.rotation(angle=mark["angle"], x=mark["x"], y=mark["y"]):
            document.text(mark["x"] - width / 2, mark["y"], mark["text"])
        document.set_text_color(180, 30, 30)
        document.set_font("Body", "B", mark["footer_size"])
        width = document.get_string_width(mark["text"])
        document.text((document.w - width) / 2, mark["footer_y"], mark["text"])

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
        width = document.get_string_width(text)
        if width > line.get("fit", document.w):  # a long title: smaller, never cut
            document.set_font_size(size * line["fit"] / width)
            width = line["fit"]
        document.text((document.w - width) / 2, line["y"], text)

    def _single(self, page, certificate: CertificateContent) -> bytes:
        writer = PdfWriter()
        writer.add_page(page)
        writer.add_metadata(
            {"/Title": f"Certificate {certificate.number}", "/Author": AWARDING_BODY}
        )
        writer.encrypt(
            user_password="",
            owner_password=self.owner_password,
            permissions_flag=PERMISSIONS,
            algorithm="AES-128",
        )
        output = io.BytesIO()
        writer.write(output)
        return output.getvalue()
