"""Whether a table's rows changed, told by DuckDB without reading them into Python: the
row count and the sum of every row's hash. A sum, not an XOR, so two equal rows (or two
equal rows changed alike) do not cancel out; in any order the same."""

from __future__ import annotations

import duckdb


def row_hashes(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[int, int]:
    """(row count, sum of row hashes) of `relation`, a name already quoted."""
    return tuple(con.sql(f"select count(*), coalesce(sum(hash(*columns(*))::hugeint), 0) from {relation}").fetchall()[0])
