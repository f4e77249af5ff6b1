"""Publish the `cdp` schema as a read-only DuckDB file, swapped in atomically.

BI tools never read the warehouse a run is writing: DuckDB allows one writing process
per file, so a reader could block a run or fail on its lock. Instead each successful
run copies the warehouse file, drops everything but the `cdp` tables from the copy,
records their row counts in `cdp._manifest` inside it, and renames it over
`published/cdp_published.duckdb`. A reader that opened the old file keeps reading the
old snapshot; the next one opens the new snapshot. Neither sees a half-built table.

A file copy, not a table-by-table copy: at 1M people copying the tables into a new file
took 21 s (DuckDB compresses every row again), copying the file and dropping the rest
a few seconds, at the price of a file that keeps the dropped tables' space.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from core.settings import PUBLISHED_NAME, Settings
from core.sql import literal, quote

PUBLISHED_SCHEMA = "cdp"


@dataclass(frozen=True)
class Published:
    path: Path
    tables: dict[str, int]
    published_at: datetime


def _copy_warehouse(warehouse: Path, target: Path) -> None:
    """A byte copy of the warehouse file holds every committed table once its write-ahead
    log is folded in; dbt's connection does that when it closes, this makes sure."""
    if Path(f"{warehouse}.wal").exists():
        with duckdb.connect(str(warehouse)) as con:
            con.sql("checkpoint")
    shutil.copyfile(warehouse, target)


def _keep_only_published_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Drop every other schema, and the views (they name the warehouse's catalog)."""
    schemas = con.sql(
        "select schema_name from duckdb_schemas() where database_name = current_database() and not internal"
    ).fetchall()
    for (schema,) in schemas:
        if schema != PUBLISHED_SCHEMA:
            con.sql(f"drop schema {quote(schema)} cascade")
    relations = con.sql(
        "select 'view', schema_name, view_name from duckdb_views() where database_name = current_database() and not internal "
        "union all select 'table', schema_name, table_name from duckdb_tables() "
        f"where database_name = current_database() and schema_name <> {literal(PUBLISHED_SCHEMA)}"
    ).fetchall()
    for kind, schema, name in relations:
        con.sql(f"drop {kind} {quote(schema)}.{quote(name)}")


def publish(settings: Settings, run_id: str) -> Published:
    """Snapshot every `cdp` table of the warehouse."""
    target_dir = settings.published_dir
    target_dir.mkdir(parents=True, exist_ok=True)
    for stale in target_dir.glob(".publishing_*"):  # left by a run killed while publishing
        stale.unlink()
    staging = target_dir / f".publishing_{run_id}.duckdb"
    _copy_warehouse(settings.warehouse, staging)
    published_at = datetime.now(timezone.utc).replace(tzinfo=None)
    with duckdb.connect(str(staging)) as con:
        _keep_only_published_tables(con)
        names = [row[0] for row in con.sql(
            "select table_name from duckdb_tables() where database_name = current_database() "
            f"and schema_name = {literal(PUBLISHED_SCHEMA)} order by 1"
        ).fetchall()]
        counts = {name: con.sql(f"select count(*) from {PUBLISHED_SCHEMA}.{quote(name)}").fetchall()[0][0] for name in names}
        con.sql(f"create table {PUBLISHED_SCHEMA}._manifest "
                "(table_name varchar, row_count bigint, published_at timestamp, run_id varchar)")
        con.executemany(f"insert into {PUBLISHED_SCHEMA}._manifest values (?, ?, ?, ?)",
                        [(n, c, published_at, run_id) for n, c in counts.items()])
        con.sql("checkpoint")
    # rename is atomic within a folder: a reader opens either the old file or the new one
    os.replace(staging, target_dir / PUBLISHED_NAME)
    manifest = {"published_at": published_at.isoformat(), "run_id": run_id, "tables": counts}
    manifest_tmp = target_dir / ".manifest.json.tmp"
    manifest_tmp.write_text(json.dumps(manifest, indent=2))
    os.replace(manifest_tmp, target_dir / "manifest.json")
    return Published(target_dir / PUBLISHED_NAME, counts, published_at)
