"""Export files and uploaded claims files through fsspec: a folder under data/ by
default, any fsspec URL (such as s3://bucket/prefix) at scale, so that every app machine
serves the same downloads.
Names are made by the portal from ids; a name typed by a user never becomes a path."""

from __future__ import annotations

import re
from collections.abc import Iterator
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


def export_file_size(name: str) -> int:
    fs, path = _location(name)
    return int(fs.size(path))


def read_export_range(name: str, start: int, end: int, chunk: int = 256 * 1024) -> Iterator[bytes]:
    """Bytes `start` to `end` (inclusive) of a stored file, a chunk at a time: a download
    never holds more than one chunk in memory, whatever the storage."""
    fs, path = _location(name)
    with fs.open(path, "rb", block_size=chunk) as handle:
        handle.seek(start)
        left = end - start + 1
        while left > 0:
            data = handle.read(min(chunk, left))
            if not data:
                return
            left -= len(data)
            yield data


def presigned_export_url(name: str, *, seconds: int, download_as: str) -> str | None:
    """A short-lived address the browser can fetch the file from directly (object
    stores such as S3), named `download_as`; None when the storage has none (folders)."""
    fs, path = _location(name)
    protocols = (fs.protocol,) if isinstance(fs.protocol, str) else fs.protocol
    if seconds <= 0 or "s3" not in protocols:
        return None
    return fs.sign(
        path,
        expiration=seconds,
        ResponseContentDisposition=f'attachment; filename="{download_as}"',
    )


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
