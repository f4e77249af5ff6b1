"""The CDP's Dagster definitions, assembled in one place. `workspace.yaml` and
`[tool.dagster]` load this module; Dagster calls `defs` to build them."""

from __future__ import annotations

import dagster as dg

from core.config import load_config
from core.settings import Settings, export_settings, load_settings
from orchestration.activation.assets import build_activation_assets
from orchestration.dbt.assets import build_dbt_assets
from orchestration.dbt.resource import dbt_resource
from orchestration.jobs import forget_job, full_run_job
from orchestration.landing.assets import build_landing_assets
from orchestration.landing.checks import build_landing_checks
from orchestration.privacy.assets import build_privacy_assets
from orchestration.publish.assets import build_publish_asset
from orchestration.quality.checks import build_quality_checks
from orchestration.schedules import daily_schedule
from orchestration.sensors import build_landing_sensor


def build_definitions(settings: Settings) -> dg.Definitions:
    config = load_config(settings.config_path)
    dbt_models = build_dbt_assets(settings)
    marts = [key for key in dbt_models.keys if key.path[0] == "cdp"]
    exports = build_activation_assets(config, settings, marts)
    privacy, privacy_checks = build_privacy_assets(config, settings, [key for e in exports for key in e.keys])
    return dg.Definitions(
        assets=[
            *privacy,
            build_landing_assets(config, settings),
            dbt_models,
            *exports,
            build_publish_asset(settings, marts),
        ],
        asset_checks=[*build_quality_checks(config, settings), *build_landing_checks(config), *privacy_checks],
        jobs=[full_run_job, forget_job],
        schedules=[daily_schedule(settings)],
        sensors=[build_landing_sensor(config, settings)],
        resources={"dbt": dbt_resource(settings)},
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    """For `dagster dev` and its run workers: the settings are read here, once."""
    settings = load_settings()
    # dbt and dlt run in their own working directories: give them absolute paths.
    export_settings(settings)
    return build_definitions(settings)
