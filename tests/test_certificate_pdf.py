"""Certificate PDFs, signed as exports make them, read back with pypdf: permissions, text,
the QR code's payload, the signature field."""

from __future__ import annotations

import datetime as dt
import io
from itertools import pairwise
from pathlib import Path

import pytest
import zxingcpp
from fpdf import FPDF
from PIL import Image
from pypdf import PasswordType, PdfReader
from pypdf.constants import UserAccessPermissions as Allowed

from core.certificate_pdf import CertificateContent, CertificateRenderer, NotDrawn
from core.signing import load_sealer
from tests.factories import certificate_content

NAMES = ["Siân Jones", "Zoë Nowak-Łukasiewicz", "Seán Ó Súilleabháin"]
OWNER = "owner-secret-for-tests"


def _content(name: str, index: int) -> CertificateContent:
    return certificate_content(
        number=f"01655993{index}-01-1800",
        full_name=name,
        expiry_date=dt.date(2024, 6, 5) if index == 1 else None,
        verify_url=f"https://certificates.example/verify?code=Code{index}xYz",
    )


@pytest.fixture(scope="module")
def renderer(signing_cert_path) -> CertificateRenderer:
    return CertificateRenderer(OWNER, load_sealer(signing_cert_path))


@pytest.fixture(scope="module")
def pdfs(renderer) -> list[PdfReader]:
    files = renderer.render([_content(name, index) for index, name in enumerate(NAMES)])
    return [PdfReader(io.BytesIO(data)) for data in files]


def test_one_single_page_pdf_per_certificate(pdfs):
    assert [len(reader.pages) for reader in pdfs] == [1, 1, 1]


def test_opens_without_a_password_but_refuses_printing_and_changes(pdfs):
    for reader in pdfs:
        assert reader.is_encrypted
        assert reader.decrypt("") == PasswordType.USER_PASSWORD
        encryption = reader.trailer["/Encrypt"].get_object()
        assert encryption["/CF"]["/StdCF"]["/CFM"] == "/AESV2"  # AES-128
        permissions = reader.user_access_permissions
        for refused in (
            Allowed.PRINT,
            Allowed.MODIFY,
            Allowed.ADD_OR_MODIFY,
            Allowed.FILL_FORM_FIELDS,
            Allowed.ASSEMBLE_DOC,
            Allowed.PRINT_TO_REPRESENTATION,
        ):
            assert not permissions & refused
        assert permissions & Allowed.EXTRACT_TEXT_AND_GRAPHICS


def test_the_owner_password_unlocks_it(pdfs):
    reader = PdfReader(io.BytesIO(_raw(pdfs[0])))
    assert reader.decrypt(OWNER) == PasswordType.OWNER_PASSWORD


def test_an_owner_password_with_accented_letters_unlocks_it(signing_cert_path):
    accented = CertificateRenderer("Café-Größe-2026", load_sealer(signing_cert_path))
    reader = PdfReader(io.BytesIO(accented.render([_content(NAMES[0], 0)])[0]))
    assert reader.decrypt("Café-Größe-2026") == PasswordType.OWNER_PASSWORD


def _raw(reader: PdfReader) -> bytes:
    reader.stream.seek(0)
    return reader.stream.read()


@pytest.mark.parametrize("index", range(len(NAMES)))
def test_every_name_and_detail_prints(pdfs, index):
    text = pdfs[index].pages[0].extract_text()
    for shown in (
        NAMES[index],
        "Institute of the Motor Industry",
        "IMI Level 3 Diploma in Light Vehicle Maintenance",
        "603/1465/5",
        "Distinction",
        "06/06/2019",
        f"01655993{index}-01-1800",
        "Fanshaws",
        f"https://certificates.example/verify?code=Code{index}xYz",
        "Digital copy - not valid when printed",
    ):
        assert shown in text
    assert ("Expires 05/06/2024" in text) == (index == 1)


@pytest.mark.parametrize("index", range(len(NAMES)))
def test_the_qr_code_holds_the_verification_address(pdfs, index):
    qr = next(image for image in pdfs[index].pages[0].images if image.image.size[0] < 100)
    big = qr.image.resize((qr.image.size[0] * 8,) * 2, Image.NEAREST)
    assert [found.text for found in zxingcpp.read_barcodes(big)] == [
        f"https://certificates.example/verify?code=Code{index}xYz"
    ]


def test_each_object_of_a_file_lies_where_its_cross_reference_table_says(pdfs):
    for reader in pdfs:
        raw = _raw(reader)
        listed = reader.xref[0]
        assert len(listed) > 20
        for number, offset in listed.items():
            assert raw[offset:].startswith(b"%d 0 obj" % number)


def test_a_file_holds_its_own_certificate_and_nothing_of_the_others_drawn_with_it(pdfs, renderer):
    alone = renderer.render([_content(NAMES[0], 0)])
    objects_alone = len(PdfReader(io.BytesIO(alone[0])).xref[0])
    for index, reader in enumerate(pdfs):
        assert len(reader.xref[0]) == objects_alone
        text = reader.pages[0].extract_text()
        assert [other for other in range(len(NAMES)) if f"01655993{other}-01" in text] == [index]


def test_files_drawn_together_each_have_an_identifier_of_their_own(pdfs):
    identifiers = [reader.trailer["/ID"][1] for reader in pdfs]
    assert len(set(identifiers)) == len(pdfs)


def test_each_file_has_one_signature_field_in_its_form_and_on_its_page(pdfs):
    for reader in pdfs:
        (field,) = reader.trailer["/Root"]["/AcroForm"]["/Fields"]
        field = field.get_object()
        assert (field["/FT"], field["/T"]) == ("/Sig", "AwardingBodySignature")
        assert [annot.get_object() for annot in reader.pages[0]["/Annots"]] == [field]
        assert field["/V"]["/SubFilter"] == "/ETSI.CAdES.detached"


# Long text shrinks, then wraps; what cannot be drawn is said ----------------------------

FONTS = Path(__file__).resolve().parent.parent / "data" / "fonts"
LONG = {
    "a long real name": {
        "full_name": "Maximilian Alexander-Christopher Featherstonehaugh-Montgomery"
    },
    "61 wide letters": {"full_name": "W" * 61},
    "100 + 100 wide letters": {"full_name": f"{'W' * 100} {'M' * 100}"},
    "a 300-character title": {"qualification_title": " ".join(["Maintenance"] * 30)[:300]},
    "a 200-character centre": {"centre": "W" * 200},
}


def _drawn_text(pdf: bytes) -> list[tuple[str, float, float, float, bool]]:
    """Every text the page shows, as pypdf reads it: (text, x mm, baseline y mm from the
    top, size in points, bold), the rotated mark left aside."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    height = float(page.mediabox.height)
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip() and cm[1] == 0:  # not rotated
            bold = "Bold" in str(font["/BaseFont"])
            x, y = tm[4] + cm[4], tm[5] + cm[5]
            found.append((text, x * 25.4 / 72, (height - y) * 25.4 / 72, size, bold))

    page.extract_text(visitor_text=visit)
    return found


def _measured(text: str, size: float, bold: bool) -> float:
    """The text's width in millimetres as fpdf2 measures it, afresh."""
    pdf = FPDF()
    pdf.add_font("Body", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("Body", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_font("Body", "B" if bold else "", size)
    return pdf.get_string_width(text)


@pytest.mark.parametrize("changes", LONG.values(), ids=LONG.keys())
def test_long_text_shrinks_then_wraps_and_stays_inside_the_page(renderer, changes):
    content = certificate_content(**changes)
    (pdf,) = renderer.render([content])
    drawn = _drawn_text(pdf)
    shown = "".join(text for text, *_ in drawn).replace(" ", "")
    for value in changes.values():
        assert value.replace(" ", "") in shown
    for text, x, y, size, bold in drawn:
        assert x >= 10 and x + _measured(text, size, bold) <= 297 - 10, text
        assert 10 <= y <= 210 - 10, text
    # no two rows run into each other (a row that pypdf reads in parts has one box)
    boxes = sorted(
        {(y - 0.75 * size * 25.4 / 72, y + 0.25 * size * 25.4 / 72) for *_, y, size, _ in drawn}
    )
    assert all(above[1] <= below[0] for above, below in pairwise(boxes))


def test_a_certificate_that_cannot_be_drawn_is_answered_with_its_reason_and_the_others_drawn(
    renderer,
):
    contents = [
        certificate_content(number="016559931-01-1800"),
        certificate_content(number="016559932-01-1800", full_name="Taro 山田"),
        certificate_content(number="016559933-01-1800", full_name="W" * 61),
    ]
    first, refused, last = renderer.render_each(contents)
    assert refused == NotDrawn("its name holds letters the certificate's font cannot print (山田)")
    assert [len(PdfReader(io.BytesIO(pdf)).pages) for pdf in (first, last)] == [1, 1]
    assert "016559933-01-1800" in PdfReader(io.BytesIO(last)).pages[0].extract_text()
