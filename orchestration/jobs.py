"""The jobs: the full run (privacy requests, landing, every model and check, exports,
publishing), and the same without landing, for `cdp forget`."""

import dagster as dg

full_run_job = dg.define_asset_job(
    name="cdp_full_run",
    selection=dg.AssetSelection.all(),
    description="Carry out privacy requests, land new files, rebuild identity, profiles and marts, run all checks.",
)

# Landing is left out: forgetting someone does not wait for new files to land (the next
# run lands them, without the people suppressed).
forget_job = dg.define_asset_job(
    name="cdp_forget",
    selection=dg.AssetSelection.all() - dg.AssetSelection.key_prefixes(["raw"]),
    description="Carry out privacy requests, rebuild from what is left, send removals, publish again.",
)
