"""The one job: land everything new, then rebuild every model and run every check."""

import dagster as dg

full_run_job = dg.define_asset_job(
    name="cdp_full_run",
    selection=dg.AssetSelection.all(),
    description="Land new files, rebuild identity, profiles and marts, run all checks.",
)
