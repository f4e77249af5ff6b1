"""The BI copy published from the engine that built the tables, so one command publishes
on either engine: `python -m activation.parquet_writers [RUN_ID]`.

On DuckDB that is the publish step (activation/publish.py: the DuckDB file and the
Parquet copy, from the warehouse). On Spark, Spark's own writer puts each table of the
`cdp` schema into the new version folder of activation/publish_parquet.py (no rows pass
through Python), and the DuckDB file is made from that copy; in a process of its own,
as the local metastore admits one JVM at a time (orchestration/spark_steps.py).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from pyspark.sql import SparkSession

from activation.publish import PUBLISHED_SCHEMA, publish
from activation.publish_parquet import TableWriter
from core.settings import Settings, load_settings
from core.spark_session import spark_session


# the work tables of a kept table's rewrite (macros/engines/kept_table_leftovers.sql): only
# a killed run leaves one, and it is not a table BI reads
WORK_TABLE_MARK = "__cdp_"


def spark_tables(spark: SparkSession) -> list[str]:
    return sorted(row.tableName for row in spark.sql(f"show tables in {PUBLISHED_SCHEMA}").collect()
                  if not row.isTemporary and WORK_TABLE_MARK not in row.tableName)


def spark_writer(spark: SparkSession, tables: list[str], schema: str = PUBLISHED_SCHEMA) -> TableWriter:
    def write(folder: Path) -> None:
        for table in tables:
            frame = spark.table(f"{schema}.`{table}`")
            # the models' timestamps are UTC; written without a zone, as DuckDB's are
            frame = frame.select(*[
                frame[field.name].cast("timestamp_ntz").alias(field.name) if field.dataType.typeName() == "timestamp"
                else frame[field.name] for field in frame.schema.fields
            ])
            frame.write.parquet(str(folder / table))

    return write


def publish_engine_copy(settings: Settings, run_id: str) -> dict[str, int]:
    """The BI copy of what the configured engine built; the row count of each table."""
    if settings.engine == "spark":
        spark = spark_session(settings, "cdp-publish")
        return publish(settings, run_id, spark_writer(spark, spark_tables(spark))).tables
    return publish(settings, run_id).tables


def main() -> int:
    run_id = sys.argv[1] if len(sys.argv) > 1 else time.strftime("%Y%m%dT%H%M%S")
    counts = publish_engine_copy(load_settings(), run_id)
    print(f"{len(counts)} tables, {sum(counts.values())} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
