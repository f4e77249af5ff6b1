"""Two assets bracket every run: `privacy/requests` first (the pending requests carried
out, so landing already drops what they suppress and dbt builds without the people they
erase), `privacy/completed` last (after each destination sent its removals and the BI
snapshot was published again). Their checks show a scheduler what is invalid and what
is still unfinished. Metadata holds request ids and counts, never values."""

import dagster as dg
from dagster import AssetExecutionContext

from activation.publish_parquet import drop_earlier_versions
from core.config import CdpConfig
from core.settings import Settings
from ingestion.pipeline import DATASET, landing_pipeline
from ingestion.recovery import recover
from orchestration.pools import WAREHOUSE_POOL
from orchestration.privacy import COMPLETED_KEY, REQUESTS_KEY
from orchestration.publish.assets import PUBLISHED_KEY
from privacy.complete import complete
from privacy.process import process
from privacy.status import invalid_requests, unfinished

LISTED = 50


def build_privacy_assets(
    config: CdpConfig, settings: Settings, export_keys: list[dg.AssetKey]
) -> tuple[list[dg.AssetsDefinition], list[dg.AssetChecksDefinition]]:
    def settle_staged() -> None:
        # rows a killed landing left staged may be a forgotten person's: loaded or dropped now
        recover(landing_pipeline(settings), settings.warehouse, DATASET)

    @dg.asset(key=REQUESTS_KEY, group_name="privacy", kinds={"duckdb"}, pool=WAREHOUSE_POOL,
              description="Privacy requests carried out: each person found, erased everywhere, suppressed at landing; "
                          "the warehouse rewritten so no deleted value stays in its file.")
    def privacy_requests(context: AssetExecutionContext) -> dg.MaterializeResult:
        outcome = process(settings, config, settle_staged)
        for request_id, error in outcome.invalid:
            context.log.warning(f"privacy request {request_id} is invalid and kept for review: {error}")
        if outcome.left_pending:
            context.log.warning(f"privacy: requests left pending: {outcome.left_pending}")
        if outcome.erased or outcome.completed:
            context.log.info(f"privacy: {len(outcome.erased)} erased, {len(outcome.completed)} completed without erasure, "
                             f"{outcome.compacted} compacted")
        return dg.MaterializeResult(metadata={
            "received_from_landing": outcome.received,
            "invalid": len(outcome.invalid),
            "erased": len(outcome.erased),
            "completed_without_erasure": len(outcome.completed),
            "compacted": outcome.compacted,
            "export_rows_removed": outcome.export_rows_removed,
            "dlt_job_files_deleted": outcome.job_files_deleted,
            "erased_requests": dg.MetadataValue.json(outcome.erased[:LISTED]),
            "lake_tables_rewritten": outcome.lake_tables_rewritten,
            "left_pending": outcome.left_pending or "",
        })

    @dg.asset_check(asset=REQUESTS_KEY, name="no_invalid_requests", description=(
        "Every privacy request could be read; an invalid one is kept in cdp.privacy_requests for review, never applied."))
    def no_invalid_requests() -> dg.AssetCheckResult:
        invalid = invalid_requests(settings.warehouse)
        return dg.AssetCheckResult(passed=not invalid, severity=dg.AssetCheckSeverity.WARN,
                                   metadata={"invalid": len(invalid), "requests": dg.MetadataValue.json(invalid[:LISTED])})

    @dg.asset(key=COMPLETED_KEY, deps=[PUBLISHED_KEY, *export_keys], group_name="privacy", kinds={"duckdb"},
              pool=WAREHOUSE_POOL, description="Privacy requests whose removals every destination took and whose "
                                               "erasure the BI snapshot holds, marked completed.")
    def privacy_completed(context: AssetExecutionContext) -> dg.MaterializeResult:
        # the Parquet version kept for readers of the last snapshot still holds them
        done, left = complete(settings.warehouse, settings.lock_wait_seconds,
                              before_marking=lambda: drop_earlier_versions(settings.published_dir))
        if done:
            context.log.info(f"privacy: {len(done)} requests completed")
        return dg.MaterializeResult(metadata={
            "completed": len(done), "completed_requests": dg.MetadataValue.json(done[:LISTED]),
            **{f"still_{status}": count for status, count in sorted(left.items())},
        })

    @dg.asset_check(asset=COMPLETED_KEY, name="every_request_completed", blocking=True, description=(
        "No privacy request is left pending, erased or compacted after the run (invalid ones are the other check's)."))
    def every_request_completed() -> dg.AssetCheckResult:
        left = unfinished(settings.warehouse)
        return dg.AssetCheckResult(passed=not left, metadata={f"still_{s}": c for s, c in left.items()} or {"unfinished": 0})

    return [privacy_requests, privacy_completed], [no_invalid_requests, every_request_completed]
