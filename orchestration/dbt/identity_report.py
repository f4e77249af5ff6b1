"""What identity resolution did in this run, as metadata on `cdp/profiles`.

Profiles created and merged away are counted against the last published snapshot,
the state BI tools saw before this run. The profile-size distribution is a plot
because a long tail (one profile with hundreds of identifiers) is what to look for.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import dagster as dg

from core.warehouse_lock import connect


def _size_plot(sizes: list[tuple[int, int]]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3))
    axes.bar([s for s, _ in sizes], [n for _, n in sizes], color="#4f46e5")
    axes.set_xlabel("identifiers in the profile")
    axes.set_ylabel("profiles")
    axes.set_yscale("log")
    axes.set_title("Profile size distribution")
    figure.tight_layout()
    return png_markdown(figure, "profile sizes")


def png_markdown(figure, title: str) -> str:
    """A matplotlib figure as Markdown with an inline PNG: Dagster's UI shows it in place."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    plt.close(figure)
    return f"![{title}](data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()})"


def identity_metadata(warehouse: Path, previous_snapshot: Path | None, lock_wait: float) -> dict:
    with connect(warehouse, read_only=True, wait_seconds=lock_wait, what="identity report") as con:
        profiles, known = con.sql(
            "select count(*), count(*) filter (where user_id is not null or email is not null) from cdp.profiles"
        ).fetchall()[0]
        largest_id, largest_size = con.sql(
            "select profile_id, identifier_count from cdp.profiles order by identifier_count desc, profile_id limit 1"
        ).fetchall()[0] if profiles else (None, 0)
        sizes = con.sql("select identifier_count, count(*) from cdp.profiles group by 1 order by 1").fetchall()
        hits = dict(con.sql("select rule, count(*) from cdp.identity_rule_hits group by 1").fetchall())
        metadata = {
            "profiles": profiles,
            "known_profiles": known,
            "largest_profile": dg.MetadataValue.text(f"{largest_id} ({largest_size} identifiers)"),
            "largest_profile_identifiers": largest_size,
            "identifiers_shared": hits.get("shared", 0),
            "identifiers_blocked": hits.get("blocked_value", 0) + hits.get("blocked_pattern", 0),
            "identifiers_invalid": hits.get("invalid", 0),
        }
        if previous_snapshot and previous_snapshot.exists():
            con.sql(f"attach '{previous_snapshot}' as previous (read_only)")
            created, gone = con.sql(
                """select
                    (select count(*) from cdp.profiles where profile_id not in (select profile_id from previous.cdp.profiles)),
                    (select count(*) from previous.cdp.profiles where profile_id not in (select profile_id from cdp.profiles))"""
            ).fetchall()[0]
            metadata["profiles_created"] = created
            metadata["profiles_merged_away"] = gone
    if sizes:
        metadata["profile_size_distribution"] = dg.MetadataValue.md(_size_plot(sizes))
    return metadata


CAPPED_SHOWN = 20


def profiles_at_a_cap(warehouse: Path, lock_wait: float) -> dict:
    """Metadata for the warning check on `cdp.profiles.identity_cap_reached`: which profiles
    reached a cap (the first CAPPED_SHOWN, largest first), for `cdp explain` to look at."""
    with connect(warehouse, read_only=True, wait_seconds=lock_wait, what="cap report") as con:
        rows = con.sql(
            "select profile_id, identifier_count, merge_count from cdp.profiles where identity_cap_reached "
            f"order by identifier_count desc, profile_id limit {CAPPED_SHOWN}"
        ).fetchall()
    return {"profiles_at_a_cap": dg.MetadataValue.json(
        [{"profile_id": p, "identifiers": n, "merges": m} for p, n, m in rows])}
