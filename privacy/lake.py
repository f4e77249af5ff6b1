"""Erasure from the lake, on Spark: every Parquet table the CDP keeps there rewritten
without the forgotten people, by the same rules as the warehouse (privacy.erase).

On Spark the lake holds the person in three places: the raw tables copied from the
landing buffer (`<lake>/raw/<table>/`), Spark's own tables (`<lake>/warehouse/<schema>.db/
<table>/`, the kept history tables among them, which no rebuild may lose), and the Parquet
copies of Spark's tables that the warehouse's views read (`<lake>/bi_tables/<run>/<schema>/
<table>/`). Each table folder in turn is read into an in-memory DuckDB database, under its
own schema and name, so privacy.erase's rules find its rows with the step's pv_* tables,
as they find the warehouse's; a table that changed is written back. That database is a
connection of its own, given copies of the pv_* tables (in memory, never on disk): one
DuckDB transaction writes to one database only.

Written back file by file, keeping every file's name (the warehouse's views list their
files; Spark lists the folder): the rows left go to the first file, every other file of the
table becomes one of no rows. Each new file is first staged beside its file (a hidden name,
which neither Spark nor the views read) while the warehouse's transaction is open, and a row
of STAGED is written in that transaction; after the commit the staged files replace theirs.
A run killed before the commit leaves no row: its staged files are deleted, and the request,
still pending, is carried out again from the untouched lake. Killed after it, the next run
finds the row and finishes the swap. Hadoop's checksum file of a replaced file (`.<file>.crc`)
is deleted with it: it would no longer match.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb

from core.privacy import SCHEMA
from core.row_hashes import row_hashes
from core.sql import literal, quote
from privacy import erase

STAGED = f"{SCHEMA}.lake_rewrites_staged"
STAGED_SUFFIX = ".cdp-erased"
# Spark's identity tables the privacy step finds a person in (privacy/resolve.py), as the
# Spark steps copy them for DuckDB (orchestration/spark_copy.py)
IDENTITY_COPIES = ("int_identity__identifiers_screened", "int_identity__nodes_assigned", "int_identity__records_resolved")
# what a Spark-managed schema's folder is called in its warehouse folder
SPARK_DB_SUFFIX = ".db"


def _files(folder: Path) -> list[Path]:
    return sorted(f for f in folder.iterdir() if f.is_file() and not f.name.startswith(("_", "."))
                  and f.name.endswith(".parquet"))


class LakeFormatError(RuntimeError):
    """A lake table kept in a format whose old versions hold deleted rows (Delta, Iceberg)."""


def _tables_of(schema_dir: Path) -> Iterator[tuple[str, Path]]:
    if schema_dir.is_dir():
        for folder in sorted(p for p in schema_dir.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
            if (folder / "_delta_log").is_dir() or (folder / "metadata").is_dir():
                # rewriting its Parquet files would break its log, and its history keeps the rows
                raise LakeFormatError(f"{folder}: erasure from Delta or Iceberg tables is not built (docs/spark.md)")
            if _files(folder):
                yield folder.name, folder


def table_groups(lake: Path) -> list[dict[str, dict[str, Path]]]:
    """The lake's table folders as {schema: {table: folder}}, one per place: Spark's tables
    with the raw copies, then each Parquet copy."""
    spark = {"raw": dict(_tables_of(lake / "raw"))}
    warehouse = lake / "warehouse"
    if warehouse.is_dir():
        for schema_dir in sorted(warehouse.glob(f"*{SPARK_DB_SUFFIX}")):
            # `raw.db` exists too, empty: Spark's raw tables are external, over `<lake>/raw/`
            spark.setdefault(schema_dir.name.removesuffix(SPARK_DB_SUFFIX), {}).update(_tables_of(schema_dir))
    groups = [spark]
    copies = lake / "bi_tables"
    if copies.is_dir():
        for copy in sorted(p for p in copies.iterdir() if p.is_dir() and not p.is_symlink()):
            groups.append({schema.name: dict(_tables_of(schema)) for schema in sorted(copy.iterdir()) if schema.is_dir()})
    return groups


def _staged(path: Path) -> Path:
    return path.with_name(f".{path.name}{STAGED_SUFFIX}")


def stage_erasure(con: duckdb.DuckDBPyConnection, lake: Path, sources: set[str], segment_sources: list[str]) -> int:
    """In the caller's open transaction: every lake table holding a forgotten row staged
    without it, and STAGED told so. Returns how many tables were staged."""
    con.sql(f"create table if not exists {STAGED} (staged_at timestamp)")
    staged = 0
    with duckdb.connect() as mirror:
        _copy_person(con, mirror)
        # one table in memory at a time: a lake's tables together may not fit
        for schema, name, folder in _tables(lake):
            mirror.sql(f"create schema if not exists {quote(schema)}")
            listed = ", ".join(literal(str(f)) for f in _files(folder))
            mirror.sql(f"create table {quote(schema)}.{quote(name)} as select * from read_parquet([{listed}])")
            was = _fingerprint(mirror, schema, name)
            erase.erase(mirror, sources, segment_sources)
            if _fingerprint(mirror, schema, name) != was:
                _stage_table(mirror, schema, name, folder)
                staged += 1
            mirror.sql(f"drop table {quote(schema)}.{quote(name)}")
    if staged:
        con.sql(f"insert into {STAGED} values (now()::timestamp)")
    return staged


def _tables(lake: Path) -> Iterator[tuple[str, str, Path]]:
    for group in table_groups(lake):
        for schema, tables in group.items():
            for name, folder in tables.items():
                yield schema, name, folder


def _copy_person(con: duckdb.DuckDBPyConnection, mirror: duckdb.DuckDBPyConnection) -> None:
    """The step's pv_* tables (privacy.resolve), as temporary tables of the mirror."""
    for (name,) in con.sql("select table_name from duckdb_tables() where temporary and table_name like 'pv\\_%' "
                           "escape '\\'").fetchall():
        rows = con.sql(f"select * from {quote(name)}").to_arrow_table()
        mirror.register("pv_copied", rows)
        mirror.sql(f"create temp table {quote(name)} as select * from pv_copied")
        mirror.unregister("pv_copied")


def _fingerprint(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> tuple:
    """Whether the erasure changed a table (core/row_hashes.py)."""
    return row_hashes(con, f"{quote(schema)}.{quote(name)}")


def _stage_table(con: duckdb.DuckDBPyConnection, schema: str, name: str, folder: Path) -> None:
    table = f"{quote(schema)}.{quote(name)}"
    first, *rest = _files(folder)
    con.sql(f"copy {table} to {literal(str(_staged(first)))} (format parquet)")
    for path in rest:
        con.sql(f"copy (select * from {table} limit 0) to {literal(str(_staged(path)))} (format parquet)")


def not_erasable_here(con: duckdb.DuckDBPyConnection, dbt_target: str) -> str | None:
    """Why the lake cannot be erased now, or None. The privacy step finds a person's records
    in the identity build's tables; on Spark, rows landed since the last build are only in
    the raw tables (DuckDB reads them through a staging view Spark does not copy). And a
    cluster's tables are not in the local lake folder."""
    if dbt_target != "spark":
        return f"erasure from a cluster's tables (dbt target {dbt_target}) is not built (docs/spark.md)"
    copied = {row[0] for row in con.sql("select view_name from duckdb_views() where schema_name = 'intermediate'"
                                        ).fetchall()}
    if copied and not set(IDENTITY_COPIES) <= copied:
        # a copy made before the privacy step read them: the person's profile would go unseen
        return "the identity tables are not copied for DuckDB yet: a run must build on Spark first"
    screened = IDENTITY_COPIES[0] in copied
    watermark = con.sql(f"select max(last_loaded_at) from intermediate.{IDENTITY_COPIES[0]}"
                        ).fetchall()[0][0] if screened else None
    landed = con.sql("select table_name from duckdb_columns() where schema_name = 'raw' and column_name = '_cdp_loaded_at' "
                     "and table_name in ('identifiers', 'events')").fetchall()
    for (table,) in landed:
        since = "" if watermark is None else f" where _cdp_loaded_at > {literal(watermark.isoformat(sep=' '))}::timestamp"
        if con.sql(f"select count(*) from raw.{quote(table)}{since}").fetchall()[0][0]:
            return "rows landed since the last Spark build are not built yet: a run must build them first"
    return None


def has_staged(lake: Path) -> bool:
    return lake.is_dir() and any(lake.rglob(f".*{STAGED_SUFFIX}"))


def finish(con: duckdb.DuckDBPyConnection, lake: Path) -> int:
    """After the commit, or at the start of the next run: staged files replace theirs when
    STAGED says the erasure was committed, and are deleted when it does not. Returns files replaced."""
    committed = bool(con.sql(
        f"select count(*) from duckdb_tables() where schema_name = '{SCHEMA}' and table_name = 'lake_rewrites_staged'"
    ).fetchall()[0][0]) and bool(con.sql(f"select count(*) from {STAGED}").fetchall()[0][0])
    replaced = 0
    for staged in sorted(lake.rglob(f".*{STAGED_SUFFIX}")):
        if committed:
            target = staged.with_name(staged.name[1:].removesuffix(STAGED_SUFFIX))
            staged.replace(target)
            target.with_name(f".{target.name}.crc").unlink(missing_ok=True)
            replaced += 1
        else:
            staged.unlink()
    if committed:
        con.sql(f"delete from {STAGED}")
    return replaced
