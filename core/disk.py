"""A full disk, said so: which path could not be written, and how much room is left there.

A full disk surfaces inside whatever library was writing: an OSError (ENOSPC, EDQUOT
over a quota, EFBIG over the process's file size limit) from dlt's files, an IO Error
quoting the OS from DuckDB, "database or disk is full" or just "disk I/O error" from
the SQLite of Dagster's event log. The run stops with this message instead.
"""

from __future__ import annotations

import errno
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
# The OS's words for the same, as libraries that raise no OSError quote them.
FULL_MESSAGES = ("no space left on device", "disk quota exceeded", "database or disk is full", "file too large")
# SQLite says only "disk I/O error" when a write finds no room: a disk this empty is why.
NEARLY_FULL = 1 << 20


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def _full_oserror(error: BaseException) -> OSError | None:
    return next((c for c in _causes(error) if isinstance(c, OSError) and c.errno in FULL_ERRNOS), None)


def free_bytes(path: Path) -> int | None:
    """Free space on the file system holding `path` (or its nearest existing parent)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return shutil.disk_usage(candidate).free
    return None


def is_disk_full(error: BaseException) -> bool:
    """Whether an error, or one it came from, is a write that found no room."""
    return _full_oserror(error) is not None or any(
        message in str(cause).lower() for cause in _causes(error) for message in FULL_MESSAGES
    )


def full_path(error: BaseException, written: Iterable[Path]) -> Path | None:
    """The path a full disk kept `error`'s write from, or None when `error` is something
    else: the failing call's file if it names one, else the one of `written` (the places
    the run writes) with the least room."""
    found = _full_oserror(error)
    if found is not None and found.filename:
        return Path(found.filename)
    candidates = [(free_bytes(Path(path)), Path(path)) for path in written]
    known = [(free, path) for free, path in candidates if free is not None]
    if not known:
        return None
    free, fullest = min(known, key=lambda item: item[0])
    if found is not None or is_disk_full(error):
        return fullest
    if free < NEARLY_FULL and any("disk i/o error" in str(cause).lower() for cause in _causes(error)):
        return fullest
    return None


def nearly_full(written: Iterable[Path]) -> Path | None:
    """The one of `written` on a disk with (next to) no room left, if any."""
    for path in map(Path, written):
        free = free_bytes(path)
        if free is not None and free < NEARLY_FULL:
            return path
    return None


def _size(count: int | None) -> str:
    if count is None:
        return "unknown space"
    if count < 1024:
        return f"{count} bytes"
    for unit in ("KB", "MB", "GB"):
        count /= 1024
        if count < 1024 or unit == "GB":
            break
    return f"{count:,.1f} {unit}"


def disk_full_message(error: BaseException, path: Path) -> str:
    """What to tell the person running cdp about `error`, a full disk at `path`."""
    found = _full_oserror(error)
    if found is not None and found.errno == errno.EFBIG:
        return (f"cannot write {path}: the file size limit of this process was reached "
                f"(ulimit -f; {_size(free_bytes(path))} free on its disk). Raise the limit and run again.")
    return (f"cannot write {path}: the disk is full ({_size(free_bytes(path))} free there). Free some space on "
            "that disk, or point CDP_WAREHOUSE, DAGSTER_HOME or TMPDIR at a larger one, and run again.")
