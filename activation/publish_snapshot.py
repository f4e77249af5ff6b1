"""The published DuckDB file: written afresh, or the previous one updated where tables changed.

Writing a table into a file in storage v1.0.0 compresses every row again, which for a
large table costs seconds though it has not changed since the last run. So the previous
published file is copied byte for byte to the staging path, and only the tables whose
fingerprint (activation/publish_fingerprints.py, recorded in `_manifest`) differs from
the warehouse's are dropped and written again. The changed tables are dropped and
checkpointed before they are written, so their new rows reuse the freed blocks rather
than grow the file.

DuckDB does not overwrite freed blocks, so a dropped table's rows may stay in the file's
bytes. The file is therefore written afresh when `cdp.privacy_requests` changed since
the previous publish (a person erased must leave no byte behind: tests/test_privacy.py
reads the raw file), when more than MAX_FREE_SHARE of its blocks are free, when no table
is unchanged, and whenever the previous file cannot be read or lacks fingerprints.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from core.sql import literal, quote

# tables whose change means a person may have been erased: the file is written afresh
PRIVACY_TABLES = ("privacy_requests",)
# above this share of free blocks the file is written afresh, so it does not keep growing
MAX_FREE_SHARE = 0.25
MANIFEST = "_manifest"


def write_snapshot(con: duckdb.DuckDBPyConnection, path: Path, source: str, schema: str, tables: list[str],
                   counts: dict[str, int], prints: dict[str, str], published_at: datetime, run_id: str,
                   storage_version: str, previous: Path | None = None) -> list[str]:
    """Write `source.schema`'s `tables` into the file at `path`, reusing the unchanged
    tables of the file `previous` when it is safe; the tables written."""
    snapshot = "snapshot"
    changed = _update_previous(con, previous, path, snapshot, schema, prints) if previous and prints else None
    if changed is None:
        path.unlink(missing_ok=True)
        con.sql(f"attach {literal(str(path))} as {snapshot} (storage_version {literal(storage_version)})")
        con.sql(f"create schema {snapshot}.{quote(schema)}")
        changed = list(tables)
    for table in changed:
        con.sql(f"create table {snapshot}.{quote(schema)}.{quote(table)} as "
                f"select * from {quote(source)}.{quote(schema)}.{quote(table)}")
    con.sql(f"create table {snapshot}.{quote(schema)}.{MANIFEST} "
            "(table_name varchar, row_count bigint, published_at timestamp, run_id varchar, fingerprint varchar)")
    con.executemany(f"insert into {snapshot}.{quote(schema)}.{MANIFEST} values (?, ?, ?, ?, ?)",
                    [(name, counts[name], published_at, run_id, prints.get(name)) for name in tables])
    con.sql(f"detach {snapshot}")  # checkpointed and closed: the file is complete
    return changed


def _update_previous(con: duckdb.DuckDBPyConnection, previous: Path, path: Path, snapshot: str, schema: str,
                     prints: dict[str, str]) -> list[str] | None:
    """Copy `previous` to `path` and drop from it the tables that changed (and `_manifest`);
    the tables to write, or None when the file must be written afresh."""
    if not previous.is_file():
        return None
    try:
        shutil.copyfile(previous, path)
        con.sql(f"attach {literal(str(path))} as {snapshot}")
        try:
            old = dict(con.sql(f"select table_name, fingerprint from {snapshot}.{quote(schema)}.{MANIFEST}").fetchall())
            present = {row[0] for row in con.sql(
                "select table_name from duckdb_tables() where database_name = ? and schema_name = ?",
                params=[snapshot, schema]).fetchall()} - {MANIFEST}
            free, total = con.sql("select free_blocks, total_blocks from pragma_database_size() "
                                  "where database_name = ?", params=[snapshot]).fetchall()[0]
            unchanged = {t for t, p in prints.items() if p is not None and old.get(t) == p and t in present}
            fresh = (any(old.get(t) != prints.get(t) for t in PRIVACY_TABLES) or not unchanged
                     or free > MAX_FREE_SHARE * total or set(old) != present)
            if fresh:
                con.sql(f"detach {snapshot}")
                return None
            for table in sorted(present - unchanged) + [MANIFEST]:
                con.sql(f"drop table {snapshot}.{quote(schema)}.{quote(table)}")
            con.sql(f"checkpoint {snapshot}")  # the freed blocks are reused by the tables written next
        except duckdb.Error:
            con.sql(f"detach {snapshot}")
            raise
    except (duckdb.Error, OSError):
        # an unreadable or foreign previous file never stops publishing: it is written afresh
        return None
    return [t for t in prints if t not in unchanged]
