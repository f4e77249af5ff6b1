"""Rewrite the warehouse into a fresh file, so no deleted value stays in it.

DuckDB marks deleted rows and leaves their bytes in place, and a table rewritten in the
same file leaves its old blocks free but unwiped: after a DELETE and a CHECKPOINT the
forgotten email is still in the file. A person's rows are spread over every row group
of the large tables, so every one of those would be rewritten anyway; copying the whole
database into a new file (`COPY FROM DATABASE`, which keeps every table's, view's and
constraint's definition) costs about that and leaves nothing behind. The requests it
finishes are marked `compacted` inside the new file, which then replaces the old one by
an atomic rename: a run killed before the rename leaves the old file (still `erased`)
and a half-written copy that the next run deletes and writes again.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from core.sql import literal, quote
from core.warehouse_lock import DEFAULT_LOCK_WAIT_SECONDS, connect
from privacy.store import COMPACTED, ERASED, REQUESTS

FRESH_ALIAS = "cdp_privacy_fresh"


def fresh_path(warehouse: Path) -> Path:
    return warehouse.with_name(f".{warehouse.name}.privacy-fresh")


def _remove(path: Path) -> None:
    for leftover in (path, Path(f"{path}.wal")):
        leftover.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_fresh(warehouse: Path, fresh: Path, lock_wait: float) -> int:
    """Copy every object of the warehouse into `fresh`, mark the erased requests compacted
    there; returns how many."""
    with connect(warehouse, wait_seconds=lock_wait, what="privacy") as con:
        con.sql("checkpoint")
        name, version = con.sql(
            "select database_name, tags['storage_version'] from duckdb_databases() where database_name = current_database()"
        ).fetchall()[0]
        # the same storage version as the warehouse: a client that could read it reads the copy
        storage = f" (storage_version {literal(version.rstrip('+'))})" if version else ""
        con.sql(f"attach {literal(str(fresh))} as {FRESH_ALIAS}{storage}")
        con.sql(f"copy from database {quote(name)} to {FRESH_ALIAS}")
        count = con.sql(f"""update {FRESH_ALIAS}.{REQUESTS} set status = '{COMPACTED}', compacted_at = now()::timestamp
                            where status = '{ERASED}' returning request_id""").fetchall()
        con.sql(f"checkpoint {FRESH_ALIAS}")
        con.sql(f"detach {FRESH_ALIAS}")
    return len(count)


def compact(warehouse: Path, lock_wait: float = DEFAULT_LOCK_WAIT_SECONDS) -> int:
    """Replace the warehouse with a fresh copy of itself; returns the requests it finished."""
    fresh = fresh_path(warehouse)
    _remove(fresh)
    compacted = _write_fresh(warehouse, fresh, lock_wait)
    if Path(f"{fresh}.wal").exists():
        raise RuntimeError(f"{fresh}.wal remained after the copy was checkpointed; the warehouse was left as it was")
    shutil.copymode(warehouse, fresh)
    _fsync(fresh)
    _replace(fresh, warehouse)
    return compacted


def _replace(fresh: Path, warehouse: Path) -> None:
    # the warehouse was checkpointed and closed: a write-ahead log beside it now would be
    # another writer's, and would be replayed onto the new file
    if Path(f"{warehouse}.wal").exists():
        raise RuntimeError(f"{warehouse}.wal appeared while the warehouse was copied; the warehouse was left as it was")
    os.replace(fresh, warehouse)
    _fsync(warehouse.parent)


def needs_compaction(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.sql(f"select count(*) from {REQUESTS} where status = '{ERASED}'").fetchall()[0][0])
