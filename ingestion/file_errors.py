"""A file that cannot be read: the error the readers raise, and what to call its causes."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import BinaryIO

# What reading a file can raise when the file (not the machine) is at fault: a `.gz` cut
# short or corrupt, an I/O error, a file gone or locked between the listing and the read.
READ_ERRORS = (OSError, EOFError, zlib.error)


class UnreadableFile(Exception):
    """A file that cannot be read (on): why, and the first line (and byte offset, in the
    decompressed text for a `.gz`) that could not be read, where known."""

    def __init__(self, reason: str, line: int | None = None, byte_offset: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.byte_offset = byte_offset


def describe_read_error(error: BaseException) -> str:
    """A reading error in words a person can act on."""
    if isinstance(error, EOFError):
        return f"truncated gzip file: {error}"
    if isinstance(error, (gzip.BadGzipFile, zlib.error)):
        return f"corrupt gzip file: {error}"
    if isinstance(error, OSError) and error.strerror:
        return f"cannot read the file: {error.strerror}"
    return f"{type(error).__name__}: {error}"


def open_binary(path: Path) -> BinaryIO:
    try:
        return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")
    except READ_ERRORS as error:
        raise UnreadableFile(describe_read_error(error)) from error
