"""One Dagster multi-asset runs the landing dlt pipeline and reports each raw table.

A plain multi_asset rather than `@dlt_assets`: one dlt resource per source writes its
own table *and* the shared `identifiers`, `traits` and `rejected_rows` tables, and
those shared tables need assets of their own for dbt's sources to hang from.
"""

from collections.abc import Iterator

import dagster as dg
from dagster import AssetExecutionContext

from core import raw_tables
from core.config import CdpConfig
from core.settings import Settings
from core.warehouse_lock import retry_while_locked
from ingestion.landing import LandingStats, landing_source, matching_files
from ingestion.pipeline import landing_pipeline
from orchestration.landing.folder import FINGERPRINT_KEY, landing_fingerprint
from orchestration.pools import WAREHOUSE_POOL
from orchestration.retries import retry_if_transient

SHARED_TABLES = (*raw_tables.DERIVED, *raw_tables.RULES)


def landing_specs(config: CdpConfig) -> list[dg.AssetSpec]:
    specs = [
        dg.AssetSpec(
            key=["raw", name],
            group_name="landing",
            description=source.description or (f"REST API {source.api.path}" if source.api else f"files matching {source.files}"),
            kinds={"dlt", "duckdb"},
            metadata={"files": source.files or "", "api_path": source.api.path if source.api else "", "format": source.format},
        )
        for name, source in config.sources.items()
    ]
    specs += [
        dg.AssetSpec(key=["raw", table], group_name="landing", description=raw_tables.descriptions()[table], kinds={"dlt", "duckdb"})
        for table in SHARED_TABLES
    ]
    return specs


def build_landing_assets(config: CdpConfig, settings: Settings) -> dg.AssetsDefinition:
    @dg.multi_asset(name="landing", specs=landing_specs(config), pool=WAREHOUSE_POOL, can_subset=False)
    def landing(context: AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
        if not settings.landing_dir.is_dir():
            raise dg.Failure(
                description=f"landing folder {settings.landing_dir} does not exist: set CDP_LANDING_DIR or run `cdp demo`"
            )
        if not any(matching_files(settings.landing_dir, s.files) for s in config.sources.values()):
            context.log.warning(f"no file in {settings.landing_dir} matches any source of cdp.yml")
        # before reading: a file that arrives meanwhile is new to the next sensor tick
        folder, _ = landing_fingerprint(config, settings)
        stats = LandingStats()
        pipeline = landing_pipeline(settings)
        try:
            # dlt opens the warehouse itself: a lock another process holds is waited out
            retry_while_locked(lambda: pipeline.run(landing_source(config, settings.landing_dir, stats)),
                               settings.warehouse, settings.lock_wait_seconds, "landing")
        except Exception as error:
            retry_if_transient(error)
            raise
        row_counts = pipeline.last_trace.last_normalize_info.row_counts if pipeline.last_trace.last_normalize_info else {}
        for name in config.sources:
            counts = stats.sources.get(name)
            context.log.info(
                f"{name}: {counts.files} new files, {counts.landed} rows landed = {counts.loaded} loaded + {counts.rejected} rejected"
            )
            yield dg.MaterializeResult(
                asset_key=["raw", name],
                metadata={
                    "new_files": counts.files,
                    "rows_landed": counts.landed,
                    "rows_loaded": counts.loaded,
                    "rows_rejected": counts.rejected,
                    FINGERPRINT_KEY: folder,
                },
            )
        for table in SHARED_TABLES:
            yield dg.MaterializeResult(asset_key=["raw", table], metadata={"rows_loaded": row_counts.get(table, 0)})

    return landing
