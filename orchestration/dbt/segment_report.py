"""Segment sizes and their change this run, and sizes over time, as metadata on `cdp/segments`."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from core.warehouse_lock import connect


# the runs a segment's history shows: enough to see a trend, few enough for a table
RUNS_SHOWN = 8


def history_table(points: list[tuple[str, object, int]]) -> str:
    """Each segment's size as each of the last runs left it, as a Markdown table."""
    runs = sorted({when for _, when, _ in points})[-RUNS_SHOWN:]
    sizes = {(name, when): size for name, when, size in points}
    header = "| segment | " + " | ".join(f"{when:%Y-%m-%d %H:%M}" if hasattr(when, "strftime") else str(when)
                                        for when in runs) + " |"
    rows = [f"| {name} | " + " | ".join(f"{sizes.get((name, when), 0):,}" for when in runs) + " |"
            for name in sorted({name for name, _, _ in points})]
    return "\n".join([header, "|---|" + "---:|" * len(runs), *rows])


def segment_metadata(warehouse: Path, lock_wait: float) -> dict:
    with connect(warehouse, read_only=True, wait_seconds=lock_wait, what="segment report") as con:
        segments = con.sql("select name, size, entered_this_run, exited_this_run from cdp.segments order by name").fetchall()
        # size of each segment as each run left it: stays open at that run's start
        points = con.sql(
            """with runs as (
                   select distinct entered_at as run_at from cdp.segment_membership_history
                   union select distinct exited_at from cdp.segment_membership_history where exited_at is not null
               )
               select s.name, r.run_at, count(h.profile_id)
               from cdp.segments as s
               cross join runs as r
               left join cdp.segment_membership_history as h
                   on h.segment = s.name and h.entered_at <= r.run_at and (h.exited_at is null or h.exited_at > r.run_at)
               group by 1, 2 order by 2, 1"""
        ).fetchall()
    metadata: dict = {"segments": len(segments)}
    for name, size, entered, exited in segments:
        metadata[f"size/{name}"] = size
        metadata[f"change/{name}"] = dg.MetadataValue.text(f"+{entered} -{exited}")
    if points:
        metadata["segment_sizes_over_time"] = dg.MetadataValue.md(history_table(points))
    return metadata
