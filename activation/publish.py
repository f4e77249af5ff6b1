"""Publish the `cdp` schema for BI tools: a DuckDB file any DuckDB 1.x reads, and Parquet.

BI tools never read the warehouse a run is writing: DuckDB allows one writing process
per file, so a reader would delay a run (core/warehouse_lock.py). Instead each
successful run stages a DuckDB file holding the `cdp` tables alone, records their
row counts and fingerprints in `cdp._manifest` inside it, and renames it over
`published/cdp_published.duckdb`. A reader that opened the old file keeps reading the
old snapshot; the next one opens the new snapshot. Neither sees a half-built table.

The file is in DuckDB's v1.0.0 storage format (PUBLISHED_STORAGE_VERSION), which
DuckDB 1.0 to 1.4 and 2.x read: the warehouse's own format is DuckDB 2.0's, which the
1.x CLI, the Node client Evidence uses and most BI drivers refuse. Every type the marts
publish (text, integers, decimals, doubles, booleans, timestamps) is in it. It is not a
copy of the warehouse file with the other schemas dropped: DuckDB does not overwrite
freed blocks, so such a copy kept the bytes of raw and intermediate data.

Publishing works in proportion to what changed. Each table's fingerprint
(activation/publish_fingerprints.py) is compared with the previous publish's: an
unchanged table is neither compressed again into the file (the previous file is copied
and only changed tables rewritten, activation/publish_snapshot.py, which also says when
the file is written afresh, as after a privacy erasure) nor written again as Parquet
(hard links, activation/publish_parquet.py). The content equals a full publish's.

The same tables are written as Parquet (activation/publish_parquet.py). On Spark, Spark
writes the whole Parquet copy (activation/parquet_writers.py) and the DuckDB file is
made afresh from it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from activation.publish_fingerprints import fingerprints
from activation.publish_parquet import TableWriter, link_table, publish_parquet
from activation.publish_snapshot import write_snapshot
from core.memory import duckdb_config
from core.settings import PUBLISHED_NAME, Settings
from core.sql import literal, quote
from core.warehouse_lock import retry_while_locked

PUBLISHED_SCHEMA = "cdp"
# the oldest storage format holding every type the marts publish: DuckDB 1.0 and later read it
PUBLISHED_STORAGE_VERSION = "v1.0.0"
# the catalog name of what is published, inside the publishing connection
SOURCE = "warehouse_source"


@dataclass(frozen=True)
class Published:
    path: Path
    tables: dict[str, int]
    published_at: datetime
    parquet: Path
    # the tables compressed into the DuckDB file again (all of them when it was written afresh)
    written: tuple[str, ...] = ()


def _attach_warehouse(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """The warehouse, read-only, once no other process's lock is in the way."""
    retry_while_locked(lambda: con.sql(f"attach {literal(str(settings.warehouse))} as {SOURCE} (read_only)"),
                       settings.warehouse, settings.lock_wait_seconds, "publishing")


def _published_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [row[0] for row in con.sql(
        "select table_name from duckdb_tables() where database_name = ? and schema_name = ? order by 1",
        params=[SOURCE, PUBLISHED_SCHEMA],
    ).fetchall()]


def _parquet_columns(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """DuckDB's sums of integers are HUGEINT, which Parquet lacks (COPY would write
    DOUBLE): written as BIGINT."""
    columns = con.sql(
        "select column_name, data_type from duckdb_columns() where database_name = ? and schema_name = ? "
        "and table_name = ? order by column_index", params=[SOURCE, PUBLISHED_SCHEMA, table],
    ).fetchall()
    return ", ".join(f"cast({quote(name)} as bigint) as {quote(name)}" if data_type == "HUGEINT" else quote(name)
                     for name, data_type in columns)


def _attach_parquet(con: duckdb.DuckDBPyConnection, version: Path) -> list[str]:
    """A published Parquet version as the source catalog's `cdp` schema, a view over each
    table's folder; the tables' names."""
    con.sql(f"attach ':memory:' as {SOURCE}")
    con.sql(f"create schema {SOURCE}.{PUBLISHED_SCHEMA}")
    tables = sorted(folder.name for folder in version.iterdir() if folder.is_dir())
    for table in tables:
        files = literal(str(version / table / "*.parquet"))
        con.sql(f"create view {SOURCE}.{PUBLISHED_SCHEMA}.{quote(table)} as select * from read_parquet({files})")
    return tables


def _previous_parquet(target_dir: Path) -> tuple[Path | None, dict[str, str]]:
    """The Parquet version the last manifest names and the fingerprints it was written with.
    The manifest names the version written with those fingerprints even when a run died
    before writing a newer manifest; any manifest unreadable or without them: none."""
    try:
        manifest = json.loads((target_dir / "manifest.json").read_text())
        return target_dir / manifest["parquet"], dict(manifest["fingerprints"])
    except (OSError, ValueError, KeyError, TypeError):
        return None, {}


def _publish_from_warehouse(con: duckdb.DuckDBPyConnection, settings: Settings, staging: Path,
                            published_at: datetime, run_id: str) -> tuple[dict[str, int], dict[str, str], Path, list[str]]:
    _attach_warehouse(con, settings)
    tables = _published_tables(con)
    counts, prints = fingerprints(con, SOURCE, PUBLISHED_SCHEMA, tables, PUBLISHED_STORAGE_VERSION)
    target_dir = settings.published_dir
    written = write_snapshot(con, staging, SOURCE, PUBLISHED_SCHEMA, tables, counts, prints, published_at, run_id,
                             PUBLISHED_STORAGE_VERSION, previous=target_dir / PUBLISHED_NAME)
    previous, previous_prints = _previous_parquet(target_dir)

    def write_warehouse_parquet(folder: Path) -> None:
        for table in tables:
            if previous is not None and previous_prints.get(table) == prints[table] \
                    and link_table(previous / table, folder / table):
                continue
            select = f"select {_parquet_columns(con, table)} from {SOURCE}.{PUBLISHED_SCHEMA}.{quote(table)}"
            con.sql(f"copy ({select}) to {literal(str(folder / table))} (format parquet, "
                    "per_thread_output false, file_size_bytes '256MB')")

    return counts, prints, publish_parquet(target_dir, run_id, write_warehouse_parquet), written


def publish(settings: Settings, run_id: str, write_parquet: TableWriter | None = None) -> Published:
    """Snapshot every `cdp` table, as DuckDB and as Parquet: both from the warehouse, or,
    given another engine's writer of the Parquet copy (Spark's), the DuckDB file from that copy."""
    target_dir = settings.published_dir
    target_dir.mkdir(parents=True, exist_ok=True)
    for stale in target_dir.glob(".publishing_*"):  # left by a run killed while publishing
        stale.unlink()
    staging = target_dir / f".publishing_{run_id}.duckdb"
    published_at = datetime.now(timezone.utc).replace(tzinfo=None)
    with duckdb.connect(config=duckdb_config(settings.warehouse)) as con:
        if write_parquet is not None:
            # another engine's copy is written whole each time (docs/spark.md): no fingerprints
            parquet = publish_parquet(target_dir, run_id, write_parquet)
            tables = _attach_parquet(con, parquet)
            counts = {t: con.sql(f"select count(*) from {SOURCE}.{PUBLISHED_SCHEMA}.{quote(t)}").fetchall()[0][0]
                      for t in tables}
            prints: dict[str, str] = {}
            written = write_snapshot(con, staging, SOURCE, PUBLISHED_SCHEMA, tables, counts, prints, published_at,
                                     run_id, PUBLISHED_STORAGE_VERSION)
        else:
            counts, prints, parquet, written = _publish_from_warehouse(con, settings, staging, published_at, run_id)
    # rename is atomic within a folder: a reader opens either the old file or the new one
    os.replace(staging, target_dir / PUBLISHED_NAME)
    manifest = {"published_at": published_at.isoformat(), "run_id": run_id, "tables": counts,
                "storage_version": PUBLISHED_STORAGE_VERSION, "parquet": parquet.name, "fingerprints": prints}
    manifest_tmp = target_dir / ".manifest.json.tmp"
    manifest_tmp.write_text(json.dumps(manifest, indent=2))
    os.replace(manifest_tmp, target_dir / "manifest.json")
    return Published(target_dir / PUBLISHED_NAME, counts, published_at, parquet, tuple(sorted(written)))
