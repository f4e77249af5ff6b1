"""The CDP's Dagster definitions, assembled in one place. `workspace.yaml` loads this module."""

from __future__ import annotations

import dagster as dg

from cdp.config import load_config
from cdp.settings import export_settings, load_settings
from orchestration.activation.assets import build_activation_assets
from orchestration.dbt.assets import build_dbt_assets
from orchestration.dbt.resource import dbt_resource
from orchestration.jobs import full_run_job
from orchestration.landing.assets import build_landing_assets
from orchestration.landing.checks import build_landing_checks
from orchestration.publish.assets import build_publish_asset
from orchestration.quality.checks import build_quality_checks
from orchestration.schedules import daily_schedule
from orchestration.sensors import build_landing_sensor


def build_definitions() -> dg.Definitions:
    settings = load_settings()
    # dbt and dlt run in their own working directories: give them absolute paths.
    export_settings(settings)
    config = load_config(settings.config_path)
    dbt_models = build_dbt_assets()
    marts = [key for key in dbt_models.keys if key.path[0] == "cdp"]
    return dg.Definitions(
        assets=[
            build_landing_assets(config),
            dbt_models,
            *build_activation_assets(config, marts),
            build_publish_asset(marts),
        ],
        asset_checks=[*build_quality_checks(config), *build_landing_checks(config)],
        jobs=[full_run_job],
        schedules=[daily_schedule()],
        sensors=[build_landing_sensor(config)],
        resources={"dbt": dbt_resource()},
        executor=dg.in_process_executor,
    )


defs = build_definitions()
