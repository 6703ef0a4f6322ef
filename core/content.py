"""Support and FAQ text, read from editable files in CONTENT_DIR."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from core.config import get_settings


@dataclass(frozen=True)
class Question:
    question: str
    answer: str


def _content_path(name: str) -> Path:
    return Path(get_settings().content_dir) / name


def support_text() -> str:
    """Markdown of the Support page (contact details, how to report a problem)."""
    return _content_path("support.md").read_text(encoding="utf-8")


def faq() -> list[Question]:
    with _content_path("faq.toml").open("rb") as handle:
        data = tomllib.load(handle)
    return [Question(item["question"], item["answer"]) for item in data.get("questions", [])]
