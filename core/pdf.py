"""PDF documents made with fpdf2. The document card may be printed (the guide's PRINT);
certificate PDFs, which may not, come with exports."""

from __future__ import annotations

from fpdf import FPDF

from core.certificates import DocumentCard
from core.config import ROOT
from core.text import uk_date

FONTS = ROOT / "data" / "fonts"


def _document(title: str) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_author("Institute of the Motor Industry")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    return pdf


def card_fields(card: DocumentCard) -> list[tuple[str, str]]:
    """The document card's rows, in the guide's order (shared by screen and PDF)."""
    return [
        ("DC Certificate Number", card.number),
        ("Fullname", card.full_name),
        ("Candidate Number", card.candidate_number),
        ("Qualification Number", card.qualification_number),
        ("Qualification", card.qualification_title),
        ("Grade", card.grade),
        ("Issue Date", uk_date(card.issue_date)),
        ("Centre", card.centre),
        ("Expiry Date", uk_date(card.expiry_date)),
        ("Description1", card.description),
        ("Times verified", f"{card.times_verified:,} on the public Verify page"),
    ]


def document_card_pdf(card: DocumentCard) -> bytes:
    """A one-page, print-friendly document card."""
    pdf = _document(f"Certificate details {card.number}")
    pdf.set_font("DejaVu", "B", 18)
    pdf.cell(0, 14, "CERTIFICATE DETAILS", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(
        0,
        6,
        "Institute of the Motor Industry · Digital Certificates",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    for label, value in card_fields(card):
        pdf.set_font("DejaVu", "B", 11)
        pdf.cell(60, 10, label, border="B")
        pdf.set_font("DejaVu", "", 11)
        pdf.multi_cell(0, 10, value or "—", border="B", new_x="LMARGIN", new_y="NEXT")
    if not card.has_pdf:
        pdf.ln(6)
        pdf.set_font("DejaVu", "", 9)
        pdf.multi_cell(
            0,
            5,
            "Issued before 1 November 2017: this document card is the "
            "digital record; no PDF certificate exists.",
        )
    return bytes(pdf.output())
