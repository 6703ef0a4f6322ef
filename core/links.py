"""Where the portal may send a browser: only to a path of its own site.

Every address the app writes into `window.location` passes `same_origin_path` first (in
ui.ordering.go_to), so an address carried in a request (a payment request's SuccessURL,
a query parameter) can never become `javascript:`, `data:` or another site. Browsers
read an address loosely: they drop tabs and newlines inside it, treat a backslash as a
slash, and decode some escapes; so the check is strict and runs on every decoding."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from core.config import Settings
from core.errors import InvalidInput

NOT_OURS = "That address is not a page of this portal."
# A path of this site: one slash, then printable ASCII without a backslash; never a
# second slash or a backslash at the start (//host and /\host name another site).
_PATH = re.compile(r"/(?![/\\])[!-\[\]-~]*")


def _is_path(value: str) -> bool:
    if not _PATH.fullmatch(value):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def same_origin_path(target: str) -> str:
    """`target` unchanged if it is a path of this site, else InvalidInput."""
    decoded, seen = target, set()
    while decoded not in seen:  # every decoding a browser or server might apply
        if not _is_path(decoded):
            raise InvalidInput(NOT_OURS)
        seen.add(decoded)
        decoded = unquote(decoded)
    return target


def same_origin_path_or(target: str | None, default: str = "/") -> str:
    """`target` if it is a path of this site, else `default`: for an address a request
    carries that may simply be wrong (where to go after signing out)."""
    try:
        return same_origin_path((target or "").strip())
    except InvalidInput:
        return default


def portal_path(settings: Settings, page: str) -> str:
    """The path of one of the portal's pages (with its query), under PUBLIC_URL's own
    path: `portal_path(settings, "checkout?crypt=…")`."""
    base = urlsplit(settings.public_url).path.rstrip("/")
    return same_origin_path(f"{base}/{page}")
