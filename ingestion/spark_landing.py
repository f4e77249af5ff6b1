"""Landing for Spark: the same dlt source, written as Parquet into the lake.

Settings (environment): CDP_LAKE_DIR (a local folder or an object-store URL that dlt's
filesystem destination takes, e.g. `s3://bucket/cdp`; credentials the dlt way,
DESTINATION__FILESYSTEM__CREDENTIALS__*), CDP_LANDING_DIR and CDP_CONFIG as for DuckDB.

Only the destination differs from ingestion/pipeline.py: parsing, validation and the
rejected rows are the landing source's (ingestion/landing.py), so a file lands the same
rows, and the same rejects, on either engine. dlt writes each table as Parquet files
under `<lake>/raw/<table>/`, `append` adding files and `replace` swapping them, and keeps
its state (which files were loaded) in the pipeline folder and in the lake's
`_dlt_pipeline_state`, as it does in DuckDB. The tables are then named in Spark
(ingestion/spark_tables.py) by whoever holds the Spark session.
"""

from __future__ import annotations

import os

import dlt

from cdp.settings import Settings
from core.spark_session import lake_dir
from ingestion.pipeline import DATASET, PIPELINE_NAME


def lake_url() -> str:
    """CDP_LAKE_DIR as dlt takes it: an object-store URL as given, a local folder absolute."""
    configured = os.environ.get("CDP_LAKE_DIR", "")
    return configured if "://" in configured else str(lake_dir())


def spark_landing_pipeline(settings: Settings) -> dlt.Pipeline:
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    os.environ.setdefault("LOAD__DELETE_COMPLETED_JOBS", "true")
    # Parquet is the format Spark reads; dlt's internal tables (loads, state, versions)
    # follow it, so Spark can read them too
    os.environ.setdefault("NORMALIZE__LOADER_FILE_FORMAT", "parquet")
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    return dlt.pipeline(
        pipeline_name=f"{PIPELINE_NAME}_spark",
        destination=dlt.destinations.filesystem(bucket_url=lake_url()),
        dataset_name=DATASET,
        pipelines_dir=str(settings.dlt_pipelines_dir),
    )
