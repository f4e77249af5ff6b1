"""The last asset of a run: the read-only snapshot BI tools read."""

import dagster as dg
from dagster import AssetExecutionContext

from activation.publish import publish
from core.settings import Settings
from orchestration.pools import WAREHOUSE_POOL
from orchestration.spark_steps import lake_copy_writer

PUBLISHED_KEY = dg.AssetKey(["published", "cdp"])


def build_publish_asset(settings: Settings, mart_keys: list[dg.AssetKey]) -> dg.AssetsDefinition:
    # In the warehouse pool: it reads the warehouse, which must not be mid-write.
    @dg.asset(
        key=PUBLISHED_KEY,
        deps=mart_keys,
        group_name="publish",
        kinds={settings.engine},
        pool=WAREHOUSE_POOL,
        description="Read-only copy of every cdp table for BI tools (a DuckDB file DuckDB 1.x reads, and Parquet), "
                    "swapped in atomically at the end of a successful run.",
    )
    def published_cdp(context: AssetExecutionContext) -> dg.MaterializeResult:
        # on Spark: the Parquet copy of Spark's tables the warehouse's views read, and the DuckDB file from it
        result = publish(settings, context.run_id, lake_copy_writer(settings) if settings.engine == "spark" else None)
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(result.path)),
                "parquet": dg.MetadataValue.path(str(result.parquet)),
                "tables": len(result.tables),
                # the others were kept from the previous snapshot, unchanged (activation/publish.py)
                "tables_written": dg.MetadataValue.text(", ".join(result.written)),
                **{f"rows/{name}": count for name, count in result.tables.items()},
            }
        )

    return published_cdp
