"""Pure helpers for how the portal reads and writes text, dates and money."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

from unidecode import unidecode

from core.errors import InvalidInput

DATE_FORMS_HELP = "30-September-1981, 30/09/1981 or 1981-09-30"
_DATE_FORMATS = ("%d-%B-%Y", "%d-%b-%Y", "%d/%m/%Y", "%Y-%m-%d")


def search_key(name: str) -> str:
    """How names are matched: accents, case, spaces and punctuation fold away
    (Siân -> sian, O'Brien -> obrien, Nowak-Łukasiewicz -> nowaklukasiewicz)."""
    return re.sub(r"[^a-z0-9]", "", unidecode(name or "").lower())


@lru_cache(maxsize=4096)
def later_name_parts(name: str) -> tuple[str, ...]:
    """The search keys of a surname's parts after the first, split at spaces and hyphens
    (Nowak-Łukasiewicz -> (lukasiewicz,); van der Berg -> (der, berg); O'Brien -> ())."""
    parts = [search_key(part) for part in re.split(r"[\s\-\u2010-\u2015]+", name or "")]
    keys = [part for part in parts if part]
    return tuple(dict.fromkeys(keys[1:]))


def prefix_upper_bound(prefix: str) -> str:
    """The smallest key greater than every key that starts with `prefix` (for a range)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def parse_date_of_birth(text: str) -> dt.date:
    """A date in one of the forms the guide accepts, or InvalidInput naming them."""
    cleaned = (text or "").strip()
    for form in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(cleaned, form).date()
        except ValueError:
            continue
    raise InvalidInput(f"That date of birth is not a date. Use {DATE_FORMS_HELP}.")


MAX_ID = 2**31 - 1  # the largest id either database holds in an integer column


def parse_id(raw: object, what: str) -> int:
    """A record id typed or carried in an address: plain ASCII digits in the columns'
    range, else InvalidInput naming `what` (the input itself is never echoed)."""
    text = str(raw or "").strip()
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ID:
        raise InvalidInput(f"That {what} number is not valid. Check the address or the list.")
    return int(text)


_REFUSED_CATEGORIES = {"Cc", "Cs", "Cn"}  # control, surrogate, unassigned or noncharacter


def clean_text(value: str, what: str, max_length: int | None = 200) -> str:
    """Text a user typed, stripped, refused with a clear message if it holds characters
    no name or reference has (NUL and other control characters, noncharacters) or is
    longer than `max_length` (None: the caller checks the length)."""
    text = (value or "").strip()
    if any(
        unicodedata.category(char) in _REFUSED_CATEGORIES and char not in "\n\r\t" for char in text
    ):
        raise InvalidInput(f"{what} holds a character that cannot be used. Retype it.")
    if max_length is not None and len(text) > max_length:
        raise InvalidInput(f"{what} is limited to {max_length} characters.")
    return text


def uk_date(value: dt.date | dt.datetime | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def uk_datetime(value: dt.datetime | None) -> str:
    return value.strftime("%d/%m/%Y %H:%M") if value else ""


def money(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    pounds, pennies = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{pennies:02d}"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: str) -> bool:
    """Whether a spreadsheet would run this text as a formula (it starts = + - @)."""
    return value[:1] in FORMULA_STARTS


def safe_csv_cell(value: object) -> object:
    """Neutralise a spreadsheet formula: a text cell starting with = + - @ gets a quote."""
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


def excel_csv(header: Sequence[str], rows: Iterable[Iterable[object]]) -> bytes:
    """A CSV file Excel opens as it should: UTF-8 with a BOM (names such as Siân), and
    every cell starting = + - @ made harmless."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows((safe_csv_cell(value) for value in row) for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def like_prefix(text: str) -> str | None:
    """A LIKE pattern (escape character backslash) for values starting with `text`,
    whatever the case when compared with a lowered column; None when nothing is typed."""
    text = " ".join((text or "").split()).lower()
    if not text:
        return None
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
