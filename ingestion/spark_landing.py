"""Landing for Spark: the same dlt source, written as Parquet into the lake.

Settings: the lake folder (CDP_LAKE_DIR; a local folder here: an object-store URL for
dlt's filesystem destination, with credentials the dlt way, is future work), the landing
folder and cdp.yml as for DuckDB.

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

from core.settings import Settings
from ingestion.pipeline import DATASET, PIPELINE_NAME


def spark_landing_pipeline(settings: Settings) -> dlt.Pipeline:
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    os.environ.setdefault("LOAD__DELETE_COMPLETED_JOBS", "true")
    # Parquet is the format Spark reads; dlt's internal tables (loads, state, versions)
    # follow it, so Spark can read them too
    os.environ.setdefault("NORMALIZE__LOADER_FILE_FORMAT", "parquet")
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    return dlt.pipeline(
        pipeline_name=f"{PIPELINE_NAME}_spark",
        destination=dlt.destinations.filesystem(bucket_url=str(settings.lake_dir)),
        dataset_name=DATASET,
        pipelines_dir=str(settings.dlt_pipelines_dir),
    )
