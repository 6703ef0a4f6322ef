"""Export files and uploaded claims files through fsspec: a folder under data/ by
default, any fsspec URL (such as s3://bucket/prefix) at scale, so that every app machine
serves the same downloads.
Names are made by the portal from ids; a name typed by a user never becomes a path."""

from __future__ import annotations

import re
from typing import IO

import fsspec
from fsspec.core import url_to_fs

from core.config import get_settings

# Export zips (<export id>-<attempt>.zip) and uploaded claims files (claims-<random>.csv).
_OUR_NAMES = re.compile(r"^([0-9]+-[0-9]+\.zip|claims-[0-9a-f]{32}\.csv)$")


def _location(name: str) -> tuple[fsspec.AbstractFileSystem, str]:
    if not _OUR_NAMES.match(name):
        raise ValueError(f"not an export file name: {name!r}")
    fs, root = url_to_fs(get_settings().exports_url)
    fs.makedirs(root, exist_ok=True)
    return fs, f"{root.rstrip('/')}/{name}"


def open_export_file(name: str, mode: str = "rb") -> IO[bytes]:
    fs, path = _location(name)
    return fs.open(path, mode)


def export_file_exists(name: str) -> bool:
    fs, path = _location(name)
    return fs.exists(path)


def delete_export_file(name: str) -> None:
    fs, path = _location(name)
    if fs.exists(path):
        fs.rm(path)


class AppendOnly:
    """A file handle that zipfile treats as a stream (object stores cannot seek back),
    so a zip is written straight through, entry by entry."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle

    def write(self, data: bytes) -> int:
        return self._handle.write(data)

    def flush(self) -> None:
        self._handle.flush()

    def close(self) -> None:
        """Nothing: zipfile never closes a file it was handed; the handle's owner does."""
