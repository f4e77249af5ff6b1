"""A fingerprint per published table, so publishing rewrites only the tables that changed.

Computed by DuckDB inside the catalog it describes: the row count and the sum of row
hashes (core/row_hashes.py), and the columns' names and types. The DuckDB version and the published
storage format are part of it too: a hash that changes between versions, or a new
storage format, makes every table differ and the snapshot is written afresh.
"""

from __future__ import annotations

import hashlib

import duckdb

from core.row_hashes import row_hashes
from core.sql import quote


def table_fingerprint(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str,
                      storage_version: str) -> tuple[int, str]:
    """(row count, fingerprint) of `catalog.schema.table`."""
    columns = con.sql(
        "select string_agg(column_name || ' ' || data_type, ', ' order by column_index) from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ?", params=[catalog, schema, table],
    ).fetchall()[0][0]
    rows, hashes = row_hashes(con, f"{quote(catalog)}.{quote(schema)}.{quote(table)}")
    shape = hashlib.sha256(f"{duckdb.__version__}|{storage_version}|{columns}".encode()).hexdigest()[:16]
    return rows, f"{rows}:{hashes}:{shape}"


def fingerprints(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, tables: list[str],
                 storage_version: str) -> tuple[dict[str, int], dict[str, str]]:
    """Row counts and fingerprints of `tables`."""
    counts, prints = {}, {}
    for table in tables:
        counts[table], prints[table] = table_fingerprint(con, catalog, schema, table, storage_version)
    return counts, prints
