"""A landed world for Spark from a DuckDB one: every `raw` table of a DuckDB warehouse
written as Parquet under `$CDP_LAKE_DIR/raw/<table>/`, then named in Spark's `raw` schema.

For comparing engines on the same landed rows (bench/spark_vs_duckdb.py, the equivalence
test) without landing twice:

    CDP_LAKE_DIR=/tmp/lake python -m bench.spark_world data/warehouse.duckdb
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import duckdb

from core.spark_session import lake_dir, spark_session
from ingestion.spark_tables import register_raw_tables


def export_raw(warehouse: Path, raw_dir: Path) -> list[str]:
    """One Parquet file per raw table (timestamps as UTC instants, as dlt writes them)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [row[0] for row in con.sql(
            "select table_name from duckdb_tables() where schema_name = 'raw' order by 1").fetchall()]
        for name in names:
            folder = raw_dir / name
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            con.sql(f"copy raw.\"{name}\" to '{folder / 'part-0.parquet'}' (format parquet)")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    args = parser.parse_args(argv)
    raw_dir = lake_dir() / "raw"
    names = export_raw(args.warehouse, raw_dir)
    registered = register_raw_tables(spark_session("cdp-world"), raw_dir)
    print(f"{len(names)} raw tables written to {raw_dir}; {len(registered)} registered in Spark")
    return 0


if __name__ == "__main__":
    sys.exit(main())
