"""Raw tables for Spark: each folder of Parquet files under `<lake>/raw/` as a table `raw.<name>`.

Landing for Spark writes Parquet files where Spark reads them (dlt's filesystem
destination, one folder per table: ingestion/spark_landing.py). A table here is only a
name over its folder (an external table): files added later are read by the next query
that plans against it, and dropping the name leaves the files. When the files gained a
column (dlt's schema evolution), the name is created again over the same folder.
"""

from __future__ import annotations

from pathlib import Path

from pyspark.sql import SparkSession

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
