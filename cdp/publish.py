"""Publish the `cdp` schema as a read-only DuckDB file, swapped in atomically.

BI tools never read the warehouse a run is writing: DuckDB allows one writing process
per file, so a reader could block a run or fail on its lock. Instead each successful
run copies every `cdp` table into a new file (or, when this run's dbt left most tables
alone, copies the last snapshot's file and replaces the rest), records the row counts in
`cdp._manifest` inside that same file, and renames it over `published/cdp_published.duckdb`.
A reader that opened the old file keeps reading the old snapshot; the next one opens
the new snapshot. Neither sees a half-built table.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from cdp.settings import Settings

# Not `cdp.duckdb`: DuckDB names the catalog after the file, and a catalog `cdp` would
# make `cdp.profiles` ambiguous for every reader.
PUBLISHED_NAME = "cdp_published.duckdb"


@dataclass(frozen=True)
class Published:
    path: Path
    tables: dict[str, int]
    published_at: datetime
    kept: frozenset[str] = frozenset()  # tables taken from the last snapshot, not copied again


def published_dir(settings: Settings) -> Path:
    return Path(os.environ.get("CDP_PUBLISHED_DIR") or settings.data_dir / "published").absolute()


def _snapshot_build(path: Path) -> str | None:
    """The full dbt build a snapshot's tables come from (None for an older snapshot)."""
    if not path.exists():
        return None
    with duckdb.connect(str(path), read_only=True) as con:
        columns = {c for (c,) in con.sql(
            "select column_name from duckdb_columns() where schema_name = 'cdp' and table_name = '_manifest'"
        ).fetchall()}
        if "build_id" not in columns:
            return None
        rows = con.sql("select distinct build_id from cdp._manifest").fetchall()
    return rows[0][0] if len(rows) == 1 else None


def publish(settings: Settings, run_id: str, build_id: str | None = None, unchanged: frozenset[str] = frozenset()) -> Published:
    """Snapshot every `cdp` table. `build_id` names the full dbt build the warehouse's
    tables descend from; when the last snapshot came from the same one, the tables in
    `unchanged` (left alone by this run's dbt) are taken from it by a file copy instead
    of being copied table by table."""
    target_dir = published_dir(settings)
    target_dir.mkdir(parents=True, exist_ok=True)
    for stale in target_dir.glob(".publishing_*"):  # left by a run killed while publishing
        stale.unlink()
    staging = target_dir / f".publishing_{run_id}.duckdb"
    previous = target_dir / PUBLISHED_NAME
    reuse = bool(unchanged) and build_id is not None and _snapshot_build(previous) == build_id
    if reuse:
        shutil.copyfile(previous, staging)  # never written in place: a plain copy is consistent
    published_at = datetime.now(timezone.utc).replace(tzinfo=None)
    with duckdb.connect(str(staging)) as con:
        # a snapshot promises its rows, not their order: copies write in parallel without it
        con.sql("set preserve_insertion_order = false")
        con.sql(f"attach '{settings.warehouse}' as warehouse (read_only)")
        names = [row[0] for row in con.sql(
            "select table_name from duckdb_tables() where database_name = 'warehouse' and schema_name = 'cdp' order by 1"
        ).fetchall()]
        present = set()
        if reuse:
            present = {row[0] for row in con.sql(
                "select table_name from duckdb_tables() where database_name = current_database() and schema_name = 'cdp'"
            ).fetchall()}
            for gone in present - set(names):
                con.sql(f'drop table cdp."{gone}"')
        else:
            con.sql("create schema cdp")
        kept = frozenset(name for name in names if name in unchanged and name in present)
        counts = {}
        for name in names:
            if name not in kept:
                con.sql(f'create or replace table cdp."{name}" as select * from warehouse.cdp."{name}"')
            counts[name] = con.sql(f'select count(*) from cdp."{name}"').fetchall()[0][0]
        con.sql("create or replace table cdp._manifest "
                "(table_name varchar, row_count bigint, published_at timestamp, run_id varchar, build_id varchar)")
        con.executemany("insert into cdp._manifest values (?, ?, ?, ?, ?)",
                        [(n, c, published_at, run_id, build_id) for n, c in counts.items()])
        con.sql("detach warehouse")
        con.sql("checkpoint")
    # rename is atomic within a folder: a reader opens either the old file or the new one
    os.replace(staging, previous)
    manifest = {"published_at": published_at.isoformat(), "run_id": run_id, "build_id": build_id, "tables": counts}
    manifest_tmp = target_dir / ".manifest.json.tmp"
    manifest_tmp.write_text(json.dumps(manifest, indent=2))
    os.replace(manifest_tmp, target_dir / "manifest.json")
    return Published(previous, counts, published_at, kept)
