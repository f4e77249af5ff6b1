"""What identity resolution did in this run, as metadata on `cdp/profiles`.

Profiles created and merged away are counted against the last published snapshot,
the state BI tools saw before this run. The profile-size distribution is a table
in bands with log-scaled bars, because a long tail (one profile with hundreds of
identifiers) is what to look for.
"""

from __future__ import annotations

import math
from pathlib import Path

import dagster as dg

from core.sql import literal
from core.warehouse_lock import connect


# profile sizes in bands: one row per band keeps the table short at any scale, and the
# last bands are the long tail to look for
SIZE_BANDS = [(1, 1), (2, 2), (3, 3), (4, 5), (6, 10), (11, 20), (21, 50), (51, 100), (101, None)]
BAR_WIDTH = 30


def bar(count: int, largest: int) -> str:
    """A bar of text whose length grows with log(count): a long tail of a few profiles still shows."""
    if count <= 0 or largest <= 0:
        return ""
    return "█" * max(1, round(BAR_WIDTH * math.log1p(count) / math.log1p(largest)))


def size_table(sizes: list[tuple[int, int]]) -> str:
    """The profile-size distribution as a Markdown table (Dagster's UI renders it in place)."""
    counts = []
    for low, high in SIZE_BANDS:
        count = sum(n for size, n in sizes if size >= low and (high is None or size <= high))
        label = str(low) if low == high else (f"{low}-{high}" if high is not None else f"{low} or more")
        counts.append((label, count))
    largest = max(count for _, count in counts)
    rows = [f"| {label} | {count:,} | {bar(count, largest)} |" for label, count in counts if count]
    return "\n".join(["| identifiers in the profile | profiles | |", "|---|---:|---|", *rows])


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
            con.sql(f"attach {literal(str(previous_snapshot))} as previous (read_only)")
            created, gone = con.sql(
                """select
                    (select count(*) from cdp.profiles where profile_id not in (select profile_id from previous.cdp.profiles)),
                    (select count(*) from previous.cdp.profiles where profile_id not in (select profile_id from cdp.profiles))"""
            ).fetchall()[0]
            metadata["profiles_created"] = created
            metadata["profiles_merged_away"] = gone
    if sizes:
        metadata["profile_size_distribution"] = dg.MetadataValue.md(size_table(sizes))
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
