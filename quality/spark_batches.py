"""A Spark query's rows as Arrow record batches of bounded size, for the GX runner.

quality/runner.py validates a query chunk by chunk (at most CHUNK_ROWS rows in memory).
On Spark the rows come one of two ways:

- `via_parquet` (the default): Spark writes the result as Parquet into a scratch folder
  and pyarrow reads it back batch by batch. The rows are converted by Spark's and
  Arrow's own code, never row by row in Python, and the folder may be on any filesystem
  both can reach.
- `via_local_iterator`: `toLocalIterator` brings one partition at a time to the driver
  and the rows are gathered into batches in Python. No scratch space, but every value
  passes through a Python object.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
from pyspark.sql import SparkSession
from pyspark.sql.pandas.types import to_arrow_schema


def via_parquet(spark: SparkSession, sql: str, chunk_rows: int, scratch: Path | None = None) -> Iterator[pa.RecordBatch]:
    folder = Path(tempfile.mkdtemp(prefix="cdp-check-", dir=scratch))
    try:
        spark.sql(sql).write.mode("overwrite").parquet(str(folder / "rows"))
        yield from ds.dataset(str(folder / "rows"), format="parquet").to_batches(batch_size=chunk_rows)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def via_local_iterator(spark: SparkSession, sql: str, chunk_rows: int) -> Iterator[pa.RecordBatch]:
    frame = spark.sql(sql)
    schema = to_arrow_schema(frame.schema, timezone="UTC")
    rows: list[dict] = []
    for row in frame.toLocalIterator(prefetchPartitions=True):
        rows.append(row.asDict())
        if len(rows) == chunk_rows:
            yield pa.RecordBatch.from_pylist(rows, schema=schema)
            rows = []
    if rows:
        yield pa.RecordBatch.from_pylist(rows, schema=schema)
