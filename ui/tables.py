"""How lists of certificates look in Print Batches and in Search (display only)."""

from __future__ import annotations

import pandas as pd

from core.certificates import CertificateRow
from core.text import uk_date


def _columns(rows: list[CertificateRow], names: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {label: [_value(row, name) for row in rows] for name, label in names.items()}
    )


def _value(row: CertificateRow, name: str) -> str:
    if name == "issue_date":
        return uk_date(row.issue_date)
    if name == "has_pdf":
        return "Yes" if row.has_pdf else "Card only"
    return getattr(row, name)


def batch_certificates_frame(rows: list[CertificateRow], printed: bool = True) -> pd.DataFrame:
    """A batch's certificates; while the batch is not Complete, none is printed yet and
    the PDF column says so."""
    frame = _columns(
        rows,
        {
            "number": "Certificate Number",
            "candidate_number": "Candidate Number",
            "full_name": "Name",
            "qualification_number": "Qualification Number",
            "qualification_title": "Qualification",
            "grade": "Grade",
            "issue_date": "Issue Date",
            "has_pdf": "PDF",
        },
    )
    if not printed:
        frame["PDF"] = "Not printed yet"
    return frame


def search_results_frame(rows: list[CertificateRow]) -> pd.DataFrame:
    """The guide's Search columns, names first (a phone shows only the first few), and
    the Centre when core gives it (to staff)."""
    centre = {"centre": "Centre"} if rows and rows[0].centre is not None else {}
    return _columns(
        rows,
        {
            "surname": "Surname",
            "first_name": "First Name",
            "number": "Certificate Number",
            "candidate_number": "Candidate ID",
            **centre,
            "qualification_title": "Qualification",
            "issue_date": "Issue Date",
        },
    )
