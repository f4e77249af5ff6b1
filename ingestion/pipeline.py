"""The dlt pipeline that lands sources in the warehouse's `raw` dataset."""

from __future__ import annotations

import os

import dlt

from cdp.settings import Settings

PIPELINE_NAME = "cdp_landing"
DATASET = "raw"


def landing_pipeline(settings: Settings) -> dlt.Pipeline:
    # Telemetry would try the network, which a warehouse host may not have.
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    return dlt.pipeline(
        pipeline_name=PIPELINE_NAME,
        destination=dlt.destinations.duckdb(str(settings.warehouse)),
        dataset_name=DATASET,
        pipelines_dir=str(settings.dlt_pipelines_dir),
    )
