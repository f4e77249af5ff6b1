"""The BI copy as Parquet, on every engine: `$CDP_PUBLISHED_DIR/parquet/<table>/`, beside
the published DuckDB file (activation/publish.py).

One folder per table of the `cdp` schema, written by the engine that built it (DuckDB's
COPY, or Spark's writer: no rows pass through Python), so any tool, and a test, can read
and compare engines without a connection to either.

A run writes a new version folder (`parquet-<run_id>/`) beside the published one and
then points `parquet` at it by replacing a symbolic link, which is atomic: a reader sees
the whole previous copy or the whole new one, never a mix of runs. The previous version
is deleted once the link has moved. (On an object store, which has no links, readers
follow `manifest.json` instead.)
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
from pyspark.sql import SparkSession

from core.settings import Settings, load_settings
from core.spark_session import spark_session
from core.sql import literal, quote

PUBLISHED_SCHEMA = "cdp"
LINK_NAME = "parquet"

# Writes the given tables, each into folder / <table>/; returns row counts.
TableWriter = Callable[[Path, list[str]], dict[str, int]]


def _duckdb_columns(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """DuckDB's sums of integers are HUGEINT, which Parquet lacks (COPY writes DOUBLE):
    bigint, as Spark's are."""
    columns = con.sql("select column_name, data_type from duckdb_columns() where schema_name = ? and table_name = ? "
                      "order by column_index", params=[PUBLISHED_SCHEMA, table]).fetchall()
    return ", ".join(f"cast({quote(name)} as bigint) as {quote(name)}" if data_type == "HUGEINT" else quote(name)
                     for name, data_type in columns)


def duckdb_writer(warehouse: Path) -> TableWriter:
    def write(folder: Path, tables: list[str]) -> dict[str, int]:
        counts = {}
        with duckdb.connect(str(warehouse), read_only=True) as con:
            for table in tables:
                (folder / table).mkdir(parents=True)
                relation = f"{PUBLISHED_SCHEMA}.{quote(table)}"
                target = literal(str(folder / table / "part-0.parquet"))
                con.sql(f"copy (select {_duckdb_columns(con, table)} from {relation}) to {target} (format parquet)")
                counts[table] = con.sql(f"select count(*) from {relation}").fetchall()[0][0]
        return counts

    return write


def duckdb_tables(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [row[0] for row in con.sql(
            "select table_name from duckdb_tables() where schema_name = ? order by 1", params=[PUBLISHED_SCHEMA]
        ).fetchall()]


def spark_writer(spark: SparkSession) -> TableWriter:
    def write(folder: Path, tables: list[str]) -> dict[str, int]:
        counts = {}
        for table in tables:
            frame = spark.table(f"{PUBLISHED_SCHEMA}.`{table}`")
            # the models' timestamps are UTC; written without a zone, as DuckDB's are
            frame = frame.select(*[
                frame[field.name].cast("timestamp_ntz").alias(field.name) if field.dataType.typeName() == "timestamp"
                else frame[field.name] for field in frame.schema.fields
            ])
            frame.write.parquet(str(folder / table))
            counts[table] = spark.read.parquet(str(folder / table)).count()
        return counts

    return write


def spark_tables(spark: SparkSession) -> list[str]:
    return sorted(row.tableName for row in spark.sql(f"show tables in {PUBLISHED_SCHEMA}").collect()
                  if not row.isTemporary)


def publish_parquet(published_dir: Path, run_id: str, tables: list[str], write: TableWriter) -> dict[str, int]:
    """Write `tables` as a new version and point `<published_dir>/parquet` at it."""
    published_dir.mkdir(parents=True, exist_ok=True)
    version = published_dir / f"{LINK_NAME}-{run_id}"
    link = published_dir / LINK_NAME
    if link.is_symlink() and link.resolve() == version.resolve():
        raise ValueError(f"run {run_id} is the published copy already")
    shutil.rmtree(version, ignore_errors=True)  # left by a run killed while writing
    counts = write(version, tables)
    previous = link.resolve() if link.is_symlink() else None
    if link.exists() and not link.is_symlink():
        raise RuntimeError(f"{link} is a folder, not the link this module keeps: move it away")
    staged = published_dir / f".{LINK_NAME}-link-{run_id}"
    staged.unlink(missing_ok=True)
    staged.symlink_to(version.name)  # relative: the published folder can be moved whole
    os.replace(staged, link)
    if previous is not None and previous != version.resolve():
        shutil.rmtree(previous, ignore_errors=True)
    return counts


def publish_engine_copy(settings: Settings, run_id: str) -> dict[str, int]:
    """The Parquet BI copy of what the configured engine built."""
    if settings.engine == "spark":
        spark = spark_session(settings, "cdp-publish")
        return publish_parquet(settings.published_dir, run_id, spark_tables(spark), spark_writer(spark))
    return publish_parquet(settings.published_dir, run_id, duckdb_tables(settings.warehouse),
                           duckdb_writer(settings.warehouse))


def main() -> int:
    """`python -m activation.publish_parquet [RUN_ID]`: on Spark, a process of its own
    (the local metastore admits one JVM at a time)."""
    run_id = sys.argv[1] if len(sys.argv) > 1 else time.strftime("%Y%m%dT%H%M%S")
    counts = publish_engine_copy(load_settings(), run_id)
    print(f"{len(counts)} tables, {sum(counts.values())} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
