"""Publish the Parquet BI copy of a warehouse, from DuckDB or from the local Spark:

    python -m bench.spark_publish duckdb data/warehouse.duckdb OUT_DIR
    CDP_LAKE_DIR=... CDP_SPARK_METASTORE=... python -m bench.spark_publish spark - OUT_DIR
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from cdp.publish_parquet import duckdb_tables, duckdb_writer, publish_parquet, spark_tables, spark_writer
from core.spark_session import spark_session


def main(argv: list[str]) -> int:
    engine, warehouse, out = argv
    started = time.perf_counter()
    run_id = time.strftime("%Y%m%dT%H%M%S")
    if engine == "duckdb":
        counts = publish_parquet(Path(out), run_id, duckdb_tables(Path(warehouse)), duckdb_writer(Path(warehouse)))
    else:
        spark = spark_session("cdp-publish")
        counts = publish_parquet(Path(out), run_id, spark_tables(spark), spark_writer(spark))
    print(f"{len(counts)} tables, {sum(counts.values())} rows in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
