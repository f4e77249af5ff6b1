"""Housekeeping of dbt's target folder between the asset's invocations.

dagster-dbt gives each invocation a target folder of its own (manifest, run results,
compiled SQL: megabytes each), which a daily schedule would pile up forever; and it
copies dbt's partial-parse state into each such folder but never back.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from core.marts import DBT_PROJECT_DIR

TARGET_DIR = DBT_PROJECT_DIR / "target"
PARTIAL_PARSE = "partial_parse.msgpack"
RUN_TARGET_PREFIX = "cdp_dbt_models-"
KEEP_RUN_TARGETS = 20
# a folder this recent may be another process's invocation still running (`cdp dbt`, a
# second Dagster run, a parallel test): never pruned, however many there are
PRUNE_AFTER_SECONDS = 6 * 3600


def run_target(run_id: str, suffix: str = "") -> Path:
    """The target folder (relative to the project) of one invocation of a run."""
    return Path("target") / f"{RUN_TARGET_PREFIX}{run_id[:7]}{suffix}"


def run_targets() -> list[Path]:
    """The per-invocation target folders of the dbt asset."""
    return [p for p in TARGET_DIR.glob(f"{RUN_TARGET_PREFIX}*") if p.is_dir()]


def prune_run_targets(keep: int = KEEP_RUN_TARGETS) -> None:
    """Delete all but the `keep` newest per-invocation target folders, sparing recent ones."""
    folders = sorted(run_targets(), key=lambda p: p.stat().st_mtime, reverse=True)
    cutoff = time.time() - PRUNE_AFTER_SECONDS
    for folder in folders[keep:]:
        if folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def keep_partial_parse(invocation_target: Path) -> None:
    """Make an invocation's partial-parse state the one the next invocation starts from.

    dbt parses the whole project again when the profile differs from the one that file
    was written with (the warehouse path is part of it): with a warehouse elsewhere than
    the one `make setup` parsed for, every run would parse in full. The file is replaced
    whole, so a concurrent reader sees the old one or the new one."""
    written = DBT_PROJECT_DIR / invocation_target / PARTIAL_PARSE
    kept = TARGET_DIR / PARTIAL_PARSE
    if not written.is_file() or (kept.is_file() and kept.stat().st_mtime_ns >= written.stat().st_mtime_ns):
        return
    staged = kept.with_name(f".{PARTIAL_PARSE}.{os.getpid()}")
    shutil.copyfile(written, staged)
    os.replace(staged, kept)
