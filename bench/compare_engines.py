"""Compare two Parquet BI copies (`parquet/<table>/`), e.g. one built by DuckDB and one by
Spark from the same landed world. Prints, per table, the rows only one side has.

    python -m bench.compare_engines DUCKDB_PUBLISHED/parquet SPARK_PUBLISHED/parquet

Rows are compared as sets after normalising what legitimately differs between engines:
timestamps to UTC microseconds, decimals and floats rounded to 6 places, and columns
that hold the run's own clock (refreshed_at, entered_at, merged_at, changed_at) dropped.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

RUN_CLOCK_COLUMNS = {"refreshed_at", "entered_at", "merged_at", "changed_at", "exited_at", "loaded_at", "source_file"}


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    return [(row[0], row[1]) for row in con.sql(f"describe select * from {relation}").fetchall()]


def _normalised(name: str, data_type: str) -> str:
    quoted = f'"{name}"'
    if data_type.startswith("TIMESTAMP"):
        return f"cast({quoted} as timestamp) as {quoted}"
    if data_type.startswith(("DECIMAL", "DOUBLE", "FLOAT")):
        return f"round(cast({quoted} as double), 6) as {quoted}"
    return quoted


def compare(left: Path, right: Path, table: str, con: duckdb.DuckDBPyConnection) -> tuple[int, int, int, list]:
    relations = {side: f"read_parquet('{path / table}/*.parquet')" for side, path in (("l", left), ("r", right))}
    left_columns = dict(_columns(con, relations["l"]))
    right_columns = dict(_columns(con, relations["r"]))
    shared = [c for c in left_columns if c in right_columns and c not in RUN_CLOCK_COLUMNS]
    select = {side: ", ".join(_normalised(c, cols[c]) for c in shared)
              for side, cols in (("l", left_columns), ("r", right_columns))}
    con.sql("set timezone = 'UTC'")
    only_left = con.sql(f"select {select['l']} from {relations['l']} except all select {select['r']} from {relations['r']}")
    only_right = con.sql(f"select {select['r']} from {relations['r']} except all select {select['l']} from {relations['l']}")
    rows = con.sql(f"select count(*) from {relations['l']}").fetchall()[0][0]
    missing = sorted(set(left_columns) ^ set(right_columns))
    return rows, len(only_left.fetchall()), len(only_right.fetchall()), missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("left", type=Path)
    parser.add_argument("right", type=Path)
    parser.add_argument("--show", type=int, default=0, help="print up to N differing rows of each table")
    args = parser.parse_args(argv)
    tables = sorted(p.name for p in args.left.iterdir() if p.is_dir())
    different = 0
    with duckdb.connect() as con:
        for table in tables:
            if not (args.right / table).is_dir():
                print(f"{table:32} missing on the right")
                different += 1
                continue
            rows, only_left, only_right, columns = compare(args.left, args.right, table, con)
            verdict = "same" if only_left == only_right == 0 else "DIFFERENT"
            note = f" (columns on one side only: {', '.join(columns)})" if columns else ""
            print(f"{table:32} {rows:>8} rows  only left {only_left:>6}  only right {only_right:>6}  {verdict}{note}")
            different += verdict != "same"
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
