"""Publish the `cdp` schema as a read-only DuckDB file, swapped in atomically.

BI tools never read the warehouse a run is writing: DuckDB allows one writing process
per file, so a reader could block a run or fail on its lock. Instead each successful
run copies every `cdp` table into a new file, records the row counts in
`cdp._manifest` inside that same file, and renames it over `published/cdp_published.duckdb`.
A reader that opened the old file keeps reading the old snapshot; the next one opens
the new snapshot. Neither sees a half-built table.
"""

from __future__ import annotations

import json
import os
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


def published_dir(settings: Settings) -> Path:
    return Path(os.environ.get("CDP_PUBLISHED_DIR") or settings.data_dir / "published").absolute()


def publish(settings: Settings, run_id: str) -> Published:
    target_dir = published_dir(settings)
    target_dir.mkdir(parents=True, exist_ok=True)
    for stale in target_dir.glob(".publishing_*"):  # left by a run killed while publishing
        stale.unlink()
    staging = target_dir / f".publishing_{run_id}.duckdb"
    published_at = datetime.now(timezone.utc).replace(tzinfo=None)
    with duckdb.connect(str(staging)) as con:
        con.sql(f"attach '{settings.warehouse}' as warehouse (read_only)")
        names = [row[0] for row in con.sql(
            "select table_name from duckdb_tables() where database_name = 'warehouse' and schema_name = 'cdp' order by 1"
        ).fetchall()]
        con.sql("create schema cdp")
        counts = {}
        for name in names:
            con.sql(f'create table cdp."{name}" as select * from warehouse.cdp."{name}"')
            counts[name] = con.sql(f'select count(*) from cdp."{name}"').fetchall()[0][0]
        con.sql("create table cdp._manifest (table_name varchar, row_count bigint, published_at timestamp, run_id varchar)")
        con.executemany("insert into cdp._manifest values (?, ?, ?, ?)", [(n, c, published_at, run_id) for n, c in counts.items()])
        con.sql("detach warehouse")
        con.sql("checkpoint")
    # rename is atomic within a folder: a reader opens either the old file or the new one
    os.replace(staging, target_dir / PUBLISHED_NAME)
    manifest = {"published_at": published_at.isoformat(), "run_id": run_id, "tables": counts}
    manifest_tmp = target_dir / ".manifest.json.tmp"
    manifest_tmp.write_text(json.dumps(manifest, indent=2))
    os.replace(manifest_tmp, target_dir / "manifest.json")
    return Published(target_dir / PUBLISHED_NAME, counts, published_at)
