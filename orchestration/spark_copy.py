"""`python -m orchestration.spark_copy FOLDER`: Spark's tables that cdp's Python reads, as
Parquet under FOLDER/<schema>/<table>/, written as the BI copy is (timestamps zone-less
UTC: activation/parquet_writers.py) and checked readable (core/lake_views.py): every
table of `cdp`, the two `cdp explain` reads beyond them, and the identity tables the
privacy step finds a person in.

A process of its own: the local metastore admits one JVM at a time, and the Dagster run
that calls it (orchestration/spark_steps.py) must hold none between its steps.
"""

from __future__ import annotations

import sys
from pathlib import Path

from activation.parquet_writers import spark_tables, spark_writer
from activation.publish import PUBLISHED_SCHEMA
from core.lake_views import table_files
from core.settings import load_settings
from core.spark_session import spark_session

# beyond `cdp`: what cdp/explain.py reads (the records dropped as copies, the screened
# identifiers), and what the privacy step finds a person with (privacy/resolve.py)
ALSO_READ = {"staging": ["stg_segment__dropped_copies"],
             "intermediate": ["int_identity__identifiers_screened", "int_identity__nodes_assigned",
                              "int_identity__records_resolved"]}


def main() -> int:
    folder = Path(sys.argv[1])
    spark = spark_session(load_settings(), "cdp-copy")
    for schema, tables in {PUBLISHED_SCHEMA: spark_tables(spark), **ALSO_READ}.items():
        spark_writer(spark, tables, schema)(folder / schema)
        missing = sorted(set(tables) - set(table_files(folder / schema)))
        if missing:
            raise SystemExit(f"{folder / schema}: no copy of {', '.join(missing)}")
    print(f"Spark tables copied to {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
