"""Country names and their ISO 3166 codes (from the tzdata package's iso3166.tab)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

UNITED_KINGDOM = "United Kingdom"


@cache
def countries() -> dict[str, str]:
    """Name -> two-letter code, sorted by name, the United Kingdom first."""
    table = files("tzdata").joinpath("zoneinfo", "iso3166.tab").read_text(encoding="utf-8")
    pairs = (line.split("\t") for line in table.splitlines() if line and line[0] != "#")
    named = {name.strip(): code for code, name in pairs if code != "GB"}
    return {UNITED_KINGDOM: "GB", **dict(sorted(named.items()))}
