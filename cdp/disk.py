"""A full disk, said so: which path could not be written, and how much room is left there.

A full disk surfaces as an OSError (ENOSPC, or EDQUOT over a quota, or EFBIG over the
process's file size limit), inside whatever library was writing: dlt's extract files,
DuckDB's database (an IOException quoting the OS message), Dagster's SQLite event log
("database or disk is full"). The run stops, with this message instead of a traceback.
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
# The OS's words for the same, as libraries that do not raise OSError quote them.
FULL_MESSAGES = ("no space left on device", "disk quota exceeded", "database or disk is full", "file too large")


def _causes(error: BaseException):
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def is_disk_full(error: BaseException) -> bool:
    """Whether an error, or one it came from, is a write that found no room."""
    for cause in _causes(error):
        if isinstance(cause, OSError) and cause.errno in FULL_ERRNOS:
            return True
        if any(message in str(cause).lower() for message in FULL_MESSAGES):
            return True
    return False


def free_bytes(path: Path) -> int | None:
    """Free space on the file system holding `path` (or its nearest existing parent)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return shutil.disk_usage(candidate).free
    return None


def _size(count: int | None) -> str:
    if count is None:
        return "unknown space"
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:,.0f} {unit}" if unit == "bytes" else f"{count:,.1f} {unit}"
        count /= 1024
    return f"{count} GB"


def disk_full_message(error: BaseException, written: Path) -> str:
    """What to tell the person running cdp: the path that could not be written (the
    failing call's file, else `written`), the free space there, and what to do."""
    path = written
    for cause in _causes(error):
        if isinstance(cause, OSError) and cause.errno in FULL_ERRNOS and cause.filename:
            path = Path(cause.filename)
            if cause.errno == errno.EFBIG:
                return (f"cannot write {path}: the file size limit of this process was reached "
                        f"(ulimit -f; {_size(free_bytes(path))} free on its disk). Raise the limit and run again.")
            break
    return (f"cannot write {path}: the disk is full ({_size(free_bytes(path))} free there). "
            "Free some space on that disk (or point CDP_WAREHOUSE, DAGSTER_HOME or TMPDIR at a larger one) "
            "and run again.")
