"""Text fields with a length limit that never lose what was typed or pasted.

Streamlit's own `max_chars` ignores a paste longer than the limit without a word: the
field stays empty, and the form then asks for what the user just pasted ("Give the
export a file name"). So no field passes `max_chars`: every limited field is drawn here,
takes whatever is typed, and past its limit says so in words under it. Core refuses the
over-long value on submit with the same limit ("… is limited to 100 characters"), and
the text stays in the field to be shortened.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator


def too_long(label: str, limit: int, length: int) -> str:
    return f"{label}: at most {limit:,} characters, and this is {length:,}. Shorten it."


def text_field(
    label: str,
    limit: int,
    *,
    where: DeltaGenerator | None = None,
    area: bool = False,
    **kwargs: Any,
) -> str:
    """A text input (a text area with `area`) of at most `limit` characters, drawn in
    `where` (a column, say); other keyword arguments go to Streamlit's widget."""
    place = where or st
    value = (place.text_area if area else place.text_input)(label, **kwargs)
    if len(value) > limit:
        place.error(too_long(label, limit, len(value)), icon=":material/short_text:")
    return value
