"""Start a run when new or changed files appear in the landing folder."""

from __future__ import annotations

import hashlib
import json

import dagster as dg

from core.config import CdpConfig
from core.settings import Settings
from ingestion.file_source import matching_files
from orchestration.jobs import full_run_job


def landing_fingerprint(config: CdpConfig, settings: Settings) -> tuple[str, int]:
    """A digest of every matching file's name, size and mtime, and how many files there are."""
    if not settings.landing_dir.is_dir():
        return "", 0
    entries = []
    for source in config.sources.values():
        for path in matching_files(settings.landing_dir, source.files):
            stat = path.stat()
            entries.append((path.relative_to(settings.landing_dir).as_posix(), stat.st_size, stat.st_mtime_ns))
    digest = hashlib.sha256(json.dumps(sorted(entries)).encode()).hexdigest()
    return digest, len(entries)


def build_landing_sensor(config: CdpConfig, settings: Settings) -> dg.SensorDefinition:
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
        if digest == context.cursor:
            return dg.SkipReason(f"nothing new among {count} landing files")
        context.update_cursor(digest)
        return dg.RunRequest(run_key=digest, tags={"cdp/trigger": "new_landing_files", "cdp/landing_files": str(count)})

    return new_landing_files
