"""One asset per destination in cdp.yml: send what changed in its audience."""

import dagster as dg
from dagster import AssetExecutionContext

from activation.export import sync_destination
from core.config import CdpConfig
from core.settings import Settings
from orchestration.pools import WAREHOUSE_POOL


def _build_destination_asset(name: str, deps: list[dg.AssetKey], config: CdpConfig, settings: Settings) -> dg.AssetsDefinition:
    destination = config.destinations[name]

    # In the warehouse pool: it writes the destination's sent state to the warehouse.
    @dg.asset(
        key=dg.AssetKey(["exports", name]),
        deps=deps,
        group_name="activation",
        kinds={destination.type, "dlt"},
        pool=WAREHOUSE_POOL,
        description=destination.description or f"{destination.type} destination {name}",
    )
    def export(context: AssetExecutionContext) -> dg.MaterializeResult:
        result = sync_destination(settings, name, destination, context.run_id)
        context.log.info(
            f"{name}: {result.added} added, {result.updated} updated, {result.removed} removed -> {result.location}"
        )
        return dg.MaterializeResult(
            metadata={
                "added": result.added,
                "updated": result.updated,
                "removed": result.removed,
                "rows at destination": result.total_rows,
                "location": result.location or "",
            }
        )

    return export


def build_activation_assets(config: CdpConfig, settings: Settings, mart_keys: list[dg.AssetKey]) -> list[dg.AssetsDefinition]:
    sources = {"segment_members": ["profiles", "segment_memberships"], "crm_contacts": ["crm_sync_back"]}
    assets = []
    for name, destination in config.destinations.items():
        # a destination that needs a consent purpose reads cdp.profile_consent too
        read = [*sources[destination.rows], *(["profile_consent"] if destination.purpose else [])]
        deps = [key for key in mart_keys if key.path[-1] in read]
        assets.append(_build_destination_asset(name, deps, config, settings))
    return assets
