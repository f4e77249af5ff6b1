"""The dlt pipeline that lands sources in the warehouse's `raw` dataset, and one landing run.

`run_landing` is what the Dagster asset (and the benchmark, and tests) call: it first
settles what a killed run left (ingestion.recovery), then extracts, normalizes and
loads every source, then takes back the rows of files set aside midway.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import dlt
import duckdb
from dlt.common.pipeline import LoadInfo
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

from core.config import CdpConfig, load_config
from core.privacy import read_suppressions
from core.settings import Settings, load_settings
from ingestion.landed import LandingStats
from ingestion.landing import landing_source
from ingestion.recovery import Recovery, recover, withdraw_set_aside_rows

PIPELINE_NAME = "cdp_landing"
DATASET = "raw"


def landing_pipeline(settings: Settings) -> dlt.Pipeline:
    # Telemetry would try the network, which a warehouse host may not have.
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    # dlt's Parquet files only carry rows from the parser to the warehouse, so they are
    # deleted once loaded (dlt keeps them by default: every run's rows again, on disk)
    # and not compressed, which cost more than it saved (2M events: 0.9 s of 14.7).
    os.environ.setdefault("LOAD__DELETE_COMPLETED_JOBS", "true")
    os.environ.setdefault("DATA_WRITER__COMPRESSION", "none")
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    # Raw rows carry their file and line; nothing reads them in insertion order, and
    # without keeping it DuckDB inserts in parallel (the 2M-event load: 4.0-4.7 s -> 3.1-3.4 s).
    credentials = DuckDbCredentials(str(settings.warehouse), local_config={"preserve_insertion_order": False})
    return dlt.pipeline(
        pipeline_name=PIPELINE_NAME,
        destination=dlt.destinations.duckdb(credentials),
        dataset_name=DATASET,
        pipelines_dir=str(settings.dlt_pipelines_dir),
    )


@dataclass
class LandingRun:
    stats: LandingStats
    recovery: Recovery
    load_info: LoadInfo | None
    rows_withdrawn: int  # rows of files set aside midway, taken back after the load
    row_counts: dict[str, int]  # rows dlt loaded, per table


def run_landing(settings: Settings, config: CdpConfig) -> LandingRun:
    """Land every source of `config` from the landing folder, once per file, whatever came
    before; records of suppressed identifiers (people who asked to be forgotten) are dropped."""
    pipeline = landing_pipeline(settings)
    recovery = recover(pipeline, settings.warehouse, DATASET)
    stats = LandingStats()
    suppressions = read_suppressions(settings.warehouse, settings.data_dir)
    info = pipeline.run(landing_source(config, settings.landing_dir, stats, suppressions))
    with duckdb.connect(str(settings.warehouse)) as con:
        withdrawn = withdraw_set_aside_rows(con, DATASET)
    normalized = pipeline.last_trace.last_normalize_info if pipeline.last_trace else None
    return LandingRun(stats, recovery, info, withdrawn, dict(normalized.row_counts) if normalized else {})


if __name__ == "__main__":
    # A quick try: land the landing folder into the configured warehouse and print the outcome.
    local = load_settings()
    outcome = run_landing(local, load_config(local.config_path))
    print(outcome.load_info)
    print(outcome.stats)
