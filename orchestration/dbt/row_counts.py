"""Row counts of the tables a dbt invocation built, as Dagster's `dagster/row_count`.

dagster-dbt's `fetch_row_counts()` counts through a dbt adapter set up in Dagster's own
process, which costs seconds before every invocation (orchestration/dbt/resource.py
skips it) and, on DuckDB, has to wait until dbt exits anyway: dbt holds the warehouse's
write lock. So the asset counts here, after dbt exited, on one read-only connection
under the warehouse's lock policy. Views are not counted (that would run their query),
as dagster-dbt does not count them either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import dagster as dg

from core.sql import quote
from core.warehouse_lock import connect

COUNTED = {"table", "incremental"}
# the metadata key Dagster's UI shows as a table's row count
ROW_COUNT = "dagster/row_count"


def row_counts(warehouse: Path, manifest: Mapping[str, Any], events: Iterable[object], lock_wait: float) -> dict[str, int]:
    """unique_id -> rows, for each table model materialized in `events`."""
    nodes = []
    for event in events:
        if not isinstance(event, dg.Output) or "unique_id" not in event.metadata:
            continue
        node = manifest["nodes"].get(event.metadata["unique_id"].value)
        if node and node["config"]["materialized"] in COUNTED:
            nodes.append(node)
    if not nodes:
        return {}
    with connect(warehouse, read_only=True, wait_seconds=lock_wait, what="row counts") as con:
        # on Spark the warehouse holds views over the tables cdp reads alone (core/lake_views.py)
        present = set(con.sql("select schema_name, table_name from duckdb_tables() "
                              "union all select schema_name, view_name from duckdb_views()").fetchall())
        return {
            node["unique_id"]: con.sql(f"select count(*) from {quote(node['schema'])}.{quote(node['alias'])}").fetchall()[0][0]
            for node in nodes if (node["schema"], node["alias"]) in present
        }


def with_row_count(event: object, counts: Mapping[str, int]) -> object:
    """The event with its model's row count added, when it has one."""
    if not isinstance(event, dg.Output) or "unique_id" not in event.metadata:
        return event
    count = counts.get(event.metadata["unique_id"].value)
    if count is None:
        return event
    return event.with_metadata({**event.metadata, ROW_COUNT: count})
