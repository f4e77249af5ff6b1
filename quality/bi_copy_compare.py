"""Two Parquet BI copies (`parquet/<table>/`, activation/publish_parquet.py) compared
table by table, e.g. one built by DuckDB and one by Spark from the same landed rows.

Rows are compared as multisets after normalising what legitimately differs between
engines: timestamps to UTC microseconds, decimals and floats rounded to 6 places, and
columns that hold the run's own clock (refreshed_at, entered_at, ...) left out. DuckDB
reads both copies, so neither engine needs to be running.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.sql import literal, quote

RUN_CLOCK_COLUMNS = frozenset({"refreshed_at", "entered_at", "merged_at", "changed_at", "exited_at", "loaded_at",
                               "source_file"})


@dataclass(frozen=True)
class TableDifference:
    table: str
    rows: int  # on the left
    only_left: int
    only_right: int
    one_sided_columns: list[str]

    @property
    def same(self) -> bool:
        return self.only_left == self.only_right == 0


def _relation(copy: Path, table: str) -> str:
    return f"read_parquet({literal(str(copy / table) + '/*.parquet')})"


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    return {row[0]: row[1] for row in con.sql(f"describe select * from {relation}").fetchall()}


def _normalised(name: str, data_type: str) -> str:
    if data_type.startswith("TIMESTAMP"):
        return f"cast({quote(name)} as timestamp) as {quote(name)}"
    if data_type.startswith(("DECIMAL", "DOUBLE", "FLOAT")):
        return f"round(cast({quote(name)} as double), 6) as {quote(name)}"
    return quote(name)


def compare_table(con: duckdb.DuckDBPyConnection, left: Path, right: Path, table: str) -> TableDifference:
    relations = {"l": _relation(left, table), "r": _relation(right, table)}
    columns = {side: _columns(con, relation) for side, relation in relations.items()}
    shared = [c for c in columns["l"] if c in columns["r"] and c not in RUN_CLOCK_COLUMNS]
    select = {side: ", ".join(_normalised(c, columns[side][c]) for c in shared) for side in relations}

    def only(side: str, other: str) -> int:
        return con.sql(f"select count(*) from (select {select[side]} from {relations[side]} "
                       f"except all select {select[other]} from {relations[other]})").fetchall()[0][0]

    rows = con.sql(f"select count(*) from {relations['l']}").fetchall()[0][0]
    return TableDifference(table, rows, only("l", "r"), only("r", "l"), sorted(set(columns["l"]) ^ set(columns["r"])))


def compare_copies(left: Path, right: Path) -> tuple[list[TableDifference], list[str]]:
    """Every table of `left` compared with `right`; and the tables only one side has."""
    tables = {side: {p.name for p in copy.iterdir() if p.is_dir()} for side, copy in (("l", left), ("r", right))}
    with duckdb.connect() as con:
        con.sql("set timezone = 'UTC'")
        differences = [compare_table(con, left, right, table) for table in sorted(tables["l"] & tables["r"])]
    return differences, sorted(tables["l"] ^ tables["r"])
