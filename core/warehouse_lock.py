"""One locking policy for everything cdp opens the warehouse with.

DuckDB lets one process write a database file, or any number of processes read it. A
BI tool or a `duckdb` shell left open on the warehouse (instead of the published copy,
docs/bi-access.md) holds a lock that makes the next connection of a run fail at once.
So every connection cdp opens to the warehouse (`connect`), and every program it runs
that opens it itself (dlt, dbt: `retry_while_locked`), waits instead: it tries again
with backoff (half a second, doubling, at most 15 s apart) for up to
`CDP_LOCK_WAIT_SECONDS` (600 by default), saying who it waits for, then stops with
`WarehouseLocked`, which names the process that DuckDB says holds the lock.

Waiting is safe because nothing was written yet: a connection that cannot be opened
changed nothing, and dlt and dbt take the lock before they write.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb

DEFAULT_LOCK_WAIT_SECONDS = 600.0
FIRST_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 15.0
# how often a wait is reported again while it lasts
REPORT_EVERY_SECONDS = 60.0

# DuckDB: 'Could not set lock on file "…": Conflicting lock is held in /usr/bin/python3 (PID 123) by user …'
LOCK_MARKERS = ("could not set lock", "conflicting lock")
_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")

log = logging.getLogger("cdp.warehouse_lock")  # managed by Dagster: orchestration/dagster.yaml
T = TypeVar("T")


class WarehouseLocked(RuntimeError):
    """The warehouse stayed locked by another process for longer than the wait."""

    def __init__(self, path: Path, waited: float, holder: str | None):
        self.path, self.waited, self.holder = path, waited, holder
        who = holder or "another process (DuckDB did not say which)"
        super().__init__(
            f"the warehouse {path} is locked by {who}, and stayed locked for {waited:.0f} s "
            "(CDP_LOCK_WAIT_SECONDS). Close that connection: BI tools and other readers "
            "belong on the published copy (docs/bi-access.md). This step wrote nothing; run again once it is closed."
        )


def lock_error(error: BaseException) -> BaseException | None:
    """The DuckDB lock error in `error`'s chain of causes (dlt and dbt wrap it), if any."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if any(marker in str(current).lower() for marker in LOCK_MARKERS):
            return current
        current = current.__cause__ or current.__context__
    return None


def lock_holder(message: str) -> str | None:
    """'PID 123 (/usr/bin/python3)' from DuckDB's lock error message, if it says."""
    match = _HOLDER.search(message)
    return f"PID {match['pid']} ({match['program']})" if match else None


def retry_while_locked(attempt: Callable[[], T], path: Path, wait_seconds: float, what: str) -> T:
    """`attempt()`, tried again while it fails on the warehouse's lock, for up to
    `wait_seconds`; then WarehouseLocked. Any other error is raised at once."""
    started = time.monotonic()
    delay, reported = FIRST_DELAY_SECONDS, None
    while True:
        try:
            return attempt()
        except WarehouseLocked:  # an inner wait already gave up
            raise
        except Exception as error:
            cause = lock_error(error)
            if cause is None:
                raise
            holder = lock_holder(str(cause))
            waited = time.monotonic() - started
            if waited >= wait_seconds:
                raise WarehouseLocked(path, waited, holder) from error
            if reported is None or waited - reported >= REPORT_EVERY_SECONDS:
                log.warning(f"{what}: the warehouse {path} is locked by {holder or 'another process'}; "
                            f"waiting up to {wait_seconds - waited:.0f} s more")
                reported = waited
            time.sleep(min(delay, wait_seconds - waited))
            delay = min(delay * 2, MAX_DELAY_SECONDS)


def connect(path: Path, read_only: bool = False, wait_seconds: float = DEFAULT_LOCK_WAIT_SECONDS,
            what: str = "cdp") -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse, once no other process's lock is in the way."""
    return retry_while_locked(lambda: duckdb.connect(str(path), read_only=read_only), path, wait_seconds, what)


def wait_until_writable(path: Path, wait_seconds: float, what: str) -> None:
    """Return once this process could open the warehouse for writing (at once when it
    does not exist yet): before starting a program that will open it itself."""
    if path.exists():
        connect(path, wait_seconds=wait_seconds, what=what).close()
