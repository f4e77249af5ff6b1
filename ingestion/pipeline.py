"""The dlt pipeline that lands sources in the warehouse's `raw` dataset."""

from __future__ import annotations

import os

import dlt
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

from core.settings import Settings

PIPELINE_NAME = "cdp_landing"
DATASET = "raw"


def landing_pipeline(settings: Settings) -> dlt.Pipeline:
    # Telemetry would try the network, which a warehouse host may not have.
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    # dlt's Parquet files only carry rows from the parser to the warehouse, so they are
    # deleted once loaded (dlt keeps them by default: every run's rows again, on disk)
    # and not compressed, which cost more time than it saved.
    os.environ.setdefault("LOAD__DELETE_COMPLETED_JOBS", "true")
    os.environ.setdefault("DATA_WRITER__COMPRESSION", "none")
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    # Raw rows carry their file and line; nothing reads them in insertion order, and
    # without keeping it DuckDB inserts in parallel.
    credentials = DuckDbCredentials(str(settings.warehouse), local_config={"preserve_insertion_order": False})
    return dlt.pipeline(
        pipeline_name=PIPELINE_NAME,
        destination=dlt.destinations.duckdb(credentials),
        dataset_name=DATASET,
        pipelines_dir=str(settings.dlt_pipelines_dir),
    )
