"""Segment sizes and their change this run, and sizes over time, as metadata on `cdp/segments`."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from core.warehouse_lock import connect
from orchestration.dbt.identity_report import png_markdown


def _history_plot(points: list[tuple[str, object, int]]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3))
    for segment in sorted({p[0] for p in points}):
        series = [(when, size) for name, when, size in points if name == segment]
        axes.plot([w for w, _ in series], [s for _, s in series], marker="o", label=segment)
    axes.set_ylabel("members")
    axes.set_title("Segment sizes over runs")
    axes.legend(fontsize=7)
    figure.autofmt_xdate()
    figure.tight_layout()
    return png_markdown(figure, "segment sizes over time")


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
        metadata["segment_sizes_over_time"] = dg.MetadataValue.md(_history_plot(points))
    return metadata
