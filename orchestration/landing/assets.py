"""One Dagster multi-asset runs the landing dlt pipeline and reports each raw table.

A plain multi_asset rather than dagster-dlt's `@dlt_assets`: one dlt resource per source
writes its own table *and* the shared `identifiers`, `traits`, `rejected_rows` and
`rejected_files` tables, and those shared tables need assets of their own for dbt's
sources to hang from (docs/landing.md).

A file that cannot be read, or an API that does not answer, never fails this step: dbt
goes on with every source that landed. The file is named in its source's metadata (and
`raw.rejected_files`); an API source's failure fails its own blocking check
(orchestration.landing.checks), which fails the run without stopping the others.
"""

import tempfile
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext

from core import raw_tables
from core.config import CdpConfig, SourceConfig
from core.disk import disk_full_message, full_path
from core.settings import Settings
from core.warehouse_lock import retry_while_locked
from ingestion.file_source import matching_files
from ingestion.landed import SourceStats
from ingestion.pipeline import LandingRun, run_landing
from orchestration.landing.folder import FINGERPRINT_KEY, landing_fingerprint
from orchestration.pools import WAREHOUSE_POOL
from orchestration.privacy import REQUESTS_KEY
from orchestration.retries import retry_if_transient

SHARED_TABLES = (*raw_tables.DERIVED, *raw_tables.RULES)
# Metadata keys the landing checks read back.
SET_ASIDE = "files_set_aside"
API_ERROR = "api_error"
# Files listed one by one in a source's metadata; a backlog of thousands is summed up.
LISTED_FILES = 50


def landing_specs(config: CdpConfig) -> list[dg.AssetSpec]:
    specs = [
        dg.AssetSpec(
            key=["raw", name],
            group_name="landing",
            description=source.description or (f"REST API {source.api.path}" if source.api else f"files matching {source.files}"),
            kinds={"dlt", "duckdb"},
            metadata={"files": source.files or "", "api_path": source.api.path if source.api else "", "format": source.format},
            # landing drops the records of people the requests suppress: they come first
            deps=[REQUESTS_KEY],
        )
        for name, source in config.sources.items()
    ]
    specs += [
        dg.AssetSpec(key=["raw", table], group_name="landing", description=raw_tables.descriptions()[table],
                     kinds={"dlt", "duckdb"}, deps=[REQUESTS_KEY])
        for table in SHARED_TABLES
    ]
    return specs


def source_metadata(source: SourceConfig, counts: SourceStats) -> dict:
    """A source's outcome: totals over the files read whole (landed = loaded + rejected +
    suppressed), each file's counts, and each file set aside with why."""
    files = list(counts.per_file.values())
    metadata = {
        "new_files": counts.files,
        "rows_landed": counts.landed,
        "rows_loaded": counts.loaded,
        "rows_rejected": counts.rejected,
        "rows_suppressed": counts.suppressed,
        SET_ASIDE: len(counts.set_aside),
        "per_file": dg.MetadataValue.json([file.summary() for file in files[:LISTED_FILES]]),
    }
    if len(files) > LISTED_FILES:
        metadata["per_file_not_listed"] = len(files) - LISTED_FILES
    if counts.set_aside:
        metadata["set_aside"] = dg.MetadataValue.json([file.summary() for file in counts.set_aside[:LISTED_FILES]])
        if source.api:
            metadata[API_ERROR] = counts.set_aside[0].error_for_logs
    return metadata


def _land(context: AssetExecutionContext, config: CdpConfig, settings: Settings) -> LandingRun:
    if not settings.landing_dir.is_dir():
        raise dg.Failure(
            description=f"landing folder {settings.landing_dir} does not exist: set CDP_LANDING_DIR or run `cdp demo`"
        )
    if not any(matching_files(settings.landing_dir, s.files) for s in config.sources.values()):
        context.log.warning(f"no file in {settings.landing_dir} matches any source of cdp.yml")
    try:
        # dlt opens the warehouse itself: a lock another process holds is waited out (a
        # failed attempt's package is rewound by the next attempt's recovery)
        run = retry_while_locked(lambda: run_landing(settings, config), settings.warehouse,
                                 settings.lock_wait_seconds, "landing")
    except Exception as error:
        full = full_path(error, [settings.warehouse, settings.dlt_pipelines_dir, Path(tempfile.gettempdir())])
        if full is not None:
            raise dg.Failure(description=disk_full_message(error, full)) from error
        retry_if_transient(error)
        raise
    if run.recovery:
        context.log.warning(f"an earlier landing run was interrupted; recovered: {run.recovery}")
    return run


def build_landing_assets(config: CdpConfig, settings: Settings) -> dg.AssetsDefinition:
    @dg.multi_asset(name="landing", specs=landing_specs(config), pool=WAREHOUSE_POOL, can_subset=False)
    def landing(context: AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
        # before reading: a file that arrives meanwhile is new to the next sensor tick
        folder, _ = landing_fingerprint(config, settings)
        run = _land(context, config, settings)
        for name, source in config.sources.items():
            counts = run.stats.sources.get(name, SourceStats())
            context.log.info(
                f"{name}: {counts.files} new files, {counts.landed} rows landed = {counts.loaded} loaded + {counts.rejected} rejected"
                + (f" + {counts.suppressed} suppressed (privacy requests)" if counts.suppressed else "")
            )
            for file in counts.set_aside:
                context.log.warning(f"{name}: set aside {file.file}: {file.error_for_logs}"
                                    + (f" (line {file.line})" if file.line else ""))
            yield dg.MaterializeResult(asset_key=["raw", name], metadata={**source_metadata(source, counts), FINGERPRINT_KEY: folder})
        for table in SHARED_TABLES:
            metadata = {"rows_loaded": run.row_counts.get(table, 0)}
            if table == "rejected_rows" and run.rows_withdrawn:
                metadata["rows_withdrawn"] = run.rows_withdrawn
            yield dg.MaterializeResult(asset_key=["raw", table], metadata=metadata)

    return landing
