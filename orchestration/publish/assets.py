"""The last asset of a run: the read-only snapshot BI tools read."""

import dagster as dg
from dagster import AssetExecutionContext

from cdp.publish import publish
from cdp.settings import load_settings
from orchestration.dbt import build_inputs
from orchestration.dbt.assets import UNCHANGED_KEY
from orchestration.pools import WAREHOUSE_POOL

PUBLISHED_KEY = dg.AssetKey(["published", "cdp"])


def _unchanged_this_run(context: AssetExecutionContext, key: dg.AssetKey) -> bool:
    """True when this run's dbt left the model alone (nothing new since its last full build)."""
    event = context.instance.get_latest_materialization_event(key)
    return (
        event is not None
        and event.run_id == context.run_id
        and UNCHANGED_KEY in event.asset_materialization.metadata
    )


def build_publish_asset(mart_keys: list[dg.AssetKey]) -> dg.AssetsDefinition:
    # In the warehouse pool: it reads the warehouse, which must not be mid-write.
    @dg.asset(
        key=PUBLISHED_KEY,
        deps=mart_keys,
        group_name="publish",
        kinds={"duckdb"},
        pool=WAREHOUSE_POOL,
        description="Read-only copy of every cdp table, swapped in atomically at the end of a successful run.",
    )
    def published_cdp(context: AssetExecutionContext) -> dg.MaterializeResult:
        settings = load_settings()
        unchanged = frozenset(key.path[-1] for key in mart_keys if _unchanged_this_run(context, key))
        result = publish(settings, context.run_id, build_inputs.last_full_build_run(settings.warehouse), unchanged)
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(result.path)),
                "tables": len(result.tables),
                "tables_kept_from_last_snapshot": len(result.kept),
                **{f"rows/{name}": count for name, count in result.tables.items()},
            }
        )

    return published_cdp
