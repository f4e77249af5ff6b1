"""Start a run when new or changed files appear in the landing folder.

The cursor is the landing folder's fingerprint at the last run the sensor asked for. A
sensor without one (its first tick, in a new `dagster dev`) compares with the folder
the latest landing landed from: files that are already in the warehouse start no run.
"""

from __future__ import annotations

import dagster as dg

from core.config import CdpConfig
from core.settings import Settings
from orchestration.jobs import full_run_job
from orchestration.landing.folder import landing_fingerprint, last_landed_fingerprint


def build_landing_sensor(config: CdpConfig, settings: Settings) -> dg.SensorDefinition:
    landed = [dg.AssetKey(["raw", name]) for name in config.sources]

    @dg.sensor(
        name="cdp_new_landing_files",
        job=full_run_job,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def new_landing_files(context: dg.SensorEvaluationContext):
        digest, count = landing_fingerprint(config, settings)
        if not count:
            return dg.SkipReason("no files in the landing folder")
        seen = context.cursor if context.cursor is not None else last_landed_fingerprint(context.instance, landed)
        context.update_cursor(digest)
        if digest == seen:
            return dg.SkipReason(f"nothing new among {count} landing files")
        return dg.RunRequest(run_key=digest, tags={"cdp/trigger": "new_landing_files", "cdp/landing_files": str(count)})

    return new_landing_files
