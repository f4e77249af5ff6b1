"""What Spark built, readable with DuckDB SQL: a view `<schema>.<table>` in the warehouse
file over each table of a Parquet copy of Spark's tables (`cdp`, and the few others that
cdp's Python reads: orchestration/spark_copy.py).

On Spark the warehouse file is the landing buffer (docs/spark.md); with these views in
it, everything downstream of the build that reads `cdp.*` with DuckDB SQL (the quality
checks, the exports, the identity and segment reports, `cdp explain`, row counts) reads
Spark's results unchanged, with no JVM and no hold on Spark's one-process catalog.

A copy is a folder per schema holding one folder of Parquet files per table, as Spark
writes them:
its bookkeeping (`_SUCCESS`, `_temporary/`, `.crc` files) starts with `_` or `.` and is
no table and no table's file. Spark writes an empty table as one file of no rows, so a
table folder without a Parquet file is a copy that went wrong, not an empty table.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from core.sql import literal, quote

class LakeCopyError(RuntimeError):
    """A Parquet copy of Spark's tables that cannot be read as it is."""


def _visible(path: Path) -> bool:
    return not path.name.startswith(("_", "."))


def _folders(parent: Path) -> list[Path]:
    return sorted(p for p in parent.iterdir() if p.is_dir() and _visible(p))


def table_files(schema_dir: Path) -> dict[str, list[Path]]:
    """Table name -> its Parquet files, for every table folder of one schema's copy."""
    if not schema_dir.is_dir():
        raise LakeCopyError(f"{schema_dir}: no Parquet copy of Spark's tables there")
    tables = {}
    for folder in _folders(schema_dir):
        files = sorted(f for f in folder.iterdir() if f.is_file() and _visible(f) and f.name.endswith(".parquet"))
        if not files:
            raise LakeCopyError(f"{folder}: table {folder.name} was copied with no Parquet file (Spark writes "
                                "even an empty table as one file): the copy is incomplete")
        tables[folder.name] = files
    return tables


def replace_lake_views(con: duckdb.DuckDBPyConnection, copy_dir: Path) -> list[str]:
    """Point `<schema>.<table>` at the copy in `copy_dir`, in one transaction: a view per
    table, and no view left of a table the copy no longer has. Returns `schema.table`s."""
    if not copy_dir.is_dir():
        raise LakeCopyError(f"{copy_dir}: no Parquet copy of Spark's tables there")
    schemas = {folder.name: table_files(folder) for folder in _folders(copy_dir)}
    con.sql("begin transaction")
    try:
        for schema, tables in schemas.items():
            _replace_schema_views(con, schema, tables)
        con.sql("commit")
    except Exception:
        con.sql("rollback")
        raise
    return [f"{schema}.{table}" for schema, tables in schemas.items() for table in tables]


def _replace_schema_views(con: duckdb.DuckDBPyConnection, schema: str, tables: dict[str, list[Path]]) -> None:
    con.sql(f"create schema if not exists {quote(schema)}")
    for (old,) in con.sql("select view_name from duckdb_views() where schema_name = ? and not internal",
                          params=[schema]).fetchall():
        if old not in tables:
            con.sql(f"drop view {quote(schema)}.{quote(old)}")
    built_here = {name for (name,) in con.sql("select table_name from duckdb_tables() where schema_name = ?",
                                              params=[schema]).fetchall()}
    for table, files in tables.items():
        name = f"{quote(schema)}.{quote(table)}"
        if table in built_here:
            # built by DuckDB before the engine became Spark: not what Spark built, and a
            # view cannot take its name while it is there
            con.sql(f"drop table {name}")
        listed = ", ".join(literal(str(f)) for f in files)
        con.sql(f"create or replace view {name} as select * from read_parquet([{listed}])")
