"""What the landing folder holds, as one fingerprint: the sensor compares it between
ticks, and the landing asset records the one it landed from, so that a sensor starting
afresh (a new `dagster dev`) knows whether anything arrived since."""

from __future__ import annotations

import hashlib
import json

import dagster as dg

from core.config import CdpConfig
from core.settings import Settings
from ingestion.file_source import matching_files

# the landing asset's metadata key for the fingerprint of the folder it landed from
FINGERPRINT_KEY = "landing_folder"


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


def last_landed_fingerprint(instance: dg.DagsterInstance, keys: list[dg.AssetKey]) -> str | None:
    """The fingerprint of the folder the latest landing landed from, if one recorded it."""
    events = [event for event in instance.get_latest_materialization_events(keys).values() if event is not None]
    for event in sorted(events, key=lambda e: e.timestamp, reverse=True):
        value = event.asset_materialization.metadata.get(FINGERPRINT_KEY) if event.asset_materialization else None
        if value is not None:
            return value.value
    return None
