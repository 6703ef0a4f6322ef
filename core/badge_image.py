"""Open Badges as images: a badge picture of a qualification, "baked" with its signed
credential (Open Badges 3.0 section 5.3.1: one uncompressed iTXt chunk with keyword
`openbadgecredential` holding the compact JWS), so that the image alone carries what any
verifier needs; and reading that credential back out of an uploaded image.

Pillow writes and reads the chunk (PngInfo.add_itxt); it writes the text chunks before
the image data, so a reader finds the credential without decoding a single pixel."""

from __future__ import annotations

import io
import textwrap
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont, PngImagePlugin, UnidentifiedImageError

from core.certificate_pdf import AWARDING_BODY
from core.config import ROOT
from core.errors import InvalidInput

KEYWORD = "openbadgecredential"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SIZE = 600
# Pixels decoded at most to look for a credential written after the image data (other
# issuers may put it there): a bigger upload is not a badge, and decoding it would only
# cost memory.
MAX_PIXELS_DECODED = 4_000_000
GREEN = "#0b6e4f"  # the portal's primary colour (.streamlit/config.toml)
PALE = "#e6f2ed"
WHITE = "#ffffff"
FONTS = ROOT / "data" / "fonts"


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONTS / name), size)


def _lines(
    title: str, number: str, tags: tuple[str, ...]
) -> list[tuple[str, ImageFont.FreeTypeFont, int]]:
    """Each line of the badge with its font and the space above it."""
    title_font = _font(30, bold=True)
    return [
        ("IMI", _font(60, bold=True), 0),
        (" · ".join(tags).upper(), _font(22, bold=True), 6),
        *[(line, title_font, 18 if i == 0 else 4) for i, line in enumerate(_wrap(title))],
        (number, _font(26), 22),
        (AWARDING_BODY.removeprefix("the "), _font(17), 14),
    ]


def _wrap(title: str) -> list[str]:
    return textwrap.wrap(title, width=24, max_lines=4, placeholder="…")


@lru_cache(maxsize=256)
def achievement_image(title: str, number: str, tags: tuple[str, ...]) -> bytes:
    """The badge picture of a qualification (a PNG, SIZE pixels square): a roundel in
    the portal's green with the awarding body, the qualification's kind and level, its
    title (up to four lines) and its number, centred."""
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, SIZE - 4, SIZE - 4), fill=PALE)
    draw.ellipse((24, 24, SIZE - 24, SIZE - 24), fill=GREEN)
    draw.ellipse((40, 40, SIZE - 40, SIZE - 40), outline=PALE, width=3)
    lines = _lines(title, number, tags)
    heights = [space + sum(font.getmetrics()) for _, font, space in lines]
    y = (SIZE - sum(heights)) / 2
    for (text, font, space), height in zip(lines, heights, strict=True):
        draw.text((SIZE / 2, y + space), text, font=font, fill=WHITE, anchor="ma")
        y += height
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def bake(png: bytes, token: str) -> bytes:
    """The image with the credential (its compact JWS) in one uncompressed iTXt chunk,
    any credential it held before replaced."""
    with Image.open(io.BytesIO(png)) as image:
        info = PngImagePlugin.PngInfo()
        for key, value in image.info.items():
            if isinstance(key, str) and isinstance(value, str) and key != KEYWORD:
                info.add_itxt(key, value)
        info.add_itxt(KEYWORD, token, zip=False)
        out = io.BytesIO()
        image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def unbake(data: bytes) -> str:
    """The credential baked into a PNG; InvalidInput saying why when there is none."""
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            found = image.info.get(KEYWORD)
            if found is None and image.width * image.height <= MAX_PIXELS_DECODED:
                image.load()  # chunks after the image data are read with it
                found = image.info.get(KEYWORD)
    except Image.DecompressionBombError:
        raise InvalidInput("That image is far too large to be a badge.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise InvalidInput("That image cannot be read as a PNG.") from None
    if not found:
        raise InvalidInput("That image has no Open Badge credential baked into it.")
    return str(found)


def credential_text(data: bytes) -> str:
    """What an uploaded Open Badge file says: the credential baked into a PNG image, or
    the text of a JSON or JWT file."""
    if data.startswith(PNG_SIGNATURE):
        return unbake(data)
    return data.decode("utf-8", "replace")
