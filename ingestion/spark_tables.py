"""Raw tables for Spark: each folder of Parquet files under `<lake>/raw/` as a table `raw.<name>`.

Today the rows reach the lake from the DuckDB landing (`copy_raw_tables`): landing keeps
its rejects, set-aside files, crash recovery and record of loaded files in one place, and
both engines read the same rows. ingestion/spark_landing.py (dlt's filesystem destination
writing Parquet straight into the lake) is the way to an object-store lake; it lacks the
recovery steps, which are DuckDB SQL (docs/spark.md).

Landing for Spark writes Parquet files where Spark reads them (dlt's filesystem
destination, one folder per table: ingestion/spark_landing.py). A table here is only a
name over its folder (an external table): files added later are read by the next query
that plans against it, and dropping the name leaves the files. When the files gained a
column (dlt's schema evolution), the name is created again over the same folder.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from pyspark.sql import SparkSession

from core.settings import load_settings
from core.spark_session import spark_session
from core.sql import literal, quote
from core.warehouse_lock import DEFAULT_LOCK_WAIT_SECONDS, connect

RAW_SCHEMA = "raw"


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _location(folder: Path | str) -> str:
    return str(folder).replace("'", "''").replace("\\", "\\\\")


def table_folders(raw_dir: Path) -> dict[str, Path]:
    """Every folder of Parquet files under the raw folder, by table name (dlt's own
    bookkeeping tables, `_dlt_*`, too: the landing state lives in one of them)."""
    if not raw_dir.is_dir():
        return {}
    return {
        folder.name: folder
        for folder in sorted(raw_dir.iterdir())
        if folder.is_dir() and any(folder.glob("*.parquet"))
    }


def register_raw_tables(spark: SparkSession, raw_dir: Path) -> list[str]:
    """Name each table folder in schema `raw`, or name it again where its columns changed.
    Returns the tables (re)registered."""
    spark.sql(f"create database if not exists {RAW_SCHEMA}")
    existing = {row.tableName for row in spark.sql(f"show tables in {RAW_SCHEMA}").collect()}
    changed = []
    for name, folder in table_folders(raw_dir).items():
        table = f"{RAW_SCHEMA}.{_quoted(name)}"
        # mergeSchema: files written before a column was added lack it
        columns = spark.read.option("mergeSchema", "true").parquet(str(folder)).schema
        if name in existing:
            if spark.table(table).schema == columns:
                spark.sql(f"refresh table {table}")
                continue
            spark.sql(f"drop table {table}")  # an external table: the files stay
        ddl = ", ".join(f"{_quoted(field.name)} {field.dataType.simpleString()}" for field in columns)
        spark.sql(f"create table {table} ({ddl}) using parquet location '{_location(folder)}'")
        changed.append(name)
    return changed


def copy_raw_tables(warehouse: Path, raw_dir: Path, lock_wait: float = DEFAULT_LOCK_WAIT_SECONDS) -> list[str]:
    """Every `raw` table of a DuckDB warehouse (landed by ingestion/pipeline.py, with its
    rejects and its record of loaded files) as one Parquet file under `raw_dir/<table>/`,
    timestamps as UTC instants, as dlt writes them. Replaces what an earlier copy wrote."""
    # the project's connection: the settings' memory limit, and a wait while a writer holds the file
    with connect(warehouse, read_only=True, wait_seconds=lock_wait, what="raw tables to the lake") as con:
        names = [row[0] for row in con.sql(
            f"select table_name from duckdb_tables() where schema_name = {literal(RAW_SCHEMA)} order by 1").fetchall()]
        for name in names:
            folder = raw_dir / name
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            con.sql(f"copy {RAW_SCHEMA}.{quote(name)} to {literal(str(folder / 'part-0.parquet'))} (format parquet)")
    return names


def main() -> int:
    """`python -m ingestion.spark_tables`: the warehouse's landed raw tables into the lake,
    named in Spark. A process of its own, because the local metastore (Derby) admits one
    JVM at a time and dbt's Spark starts its own."""
    settings = load_settings()
    raw_dir = settings.lake_dir / "raw"
    names = copy_raw_tables(settings.warehouse, raw_dir, settings.lock_wait_seconds)
    registered = register_raw_tables(spark_session(settings, "cdp-raw-tables"), raw_dir)
    print(f"{len(names)} raw tables copied to {raw_dir}; {len(registered)} named in Spark again")
    return 0


if __name__ == "__main__":
    sys.exit(main())
