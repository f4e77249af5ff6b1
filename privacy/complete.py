"""The last step of a request: after the run's sends and its publishing, a compacted request
whose removals every destination has taken (none left marked in `activation.sent__*`) is
completed. One whose destination failed waits for the next run's send.

What still holds the people (the Parquet version kept for slow readers) is deleted before
the requests are marked: a run killed between the two leaves them `compacted`, and the
next run deletes and marks again. Marked first, a kill left them `completed` while a copy
held the people, and no later run looked again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from core.privacy import NOTICE_COLUMN
from core.sql import quote
from core.warehouse_lock import DEFAULT_LOCK_WAIT_SECONDS, connect
from privacy.store import COMPACTED, COMPLETED, REQUESTS, has_requests_table


def _waiting_notices(con: duckdb.DuckDBPyConnection) -> set[str]:
    tables = con.sql(
        "select table_name from duckdb_columns() where schema_name = 'activation' and column_name = $c",
        params={"c": NOTICE_COLUMN},
    ).fetchall()
    waiting: set[str] = set()
    for (table,) in tables:
        waiting |= {row[0] for row in con.sql(
            f"select distinct {NOTICE_COLUMN} from activation.{quote(table)} where {NOTICE_COLUMN} is not null"
        ).fetchall()}
    return waiting


def complete(warehouse: Path, lock_wait: float = DEFAULT_LOCK_WAIT_SECONDS,
             before_marking: Callable[[], object] = lambda: None) -> tuple[list[str], dict[str, int]]:
    """(requests completed now, requests still unfinished per status). `before_marking` runs
    once some are ready, before they are marked: it deletes what still holds them."""
    if not warehouse.exists():
        return [], {}
    with connect(warehouse, read_only=True, wait_seconds=lock_wait, what="privacy") as con:
        if not has_requests_table(con):
            return [], {}
        ready = [r[0] for r in con.sql(f"select request_id from {REQUESTS} where status = '{COMPACTED}'").fetchall()]
        waiting = _waiting_notices(con) if ready else set()
    done = [request_id for request_id in ready if request_id not in waiting]
    if done:
        before_marking()
    with connect(warehouse, read_only=not done, wait_seconds=lock_wait, what="privacy") as con:
        if done:
            con.execute(f"update {REQUESTS} set status = '{COMPLETED}', completed_at = now()::timestamp "
                        "where request_id in (select unnest($1))", [done]).fetchall()
        left = dict(con.sql(f"select status, count(*) from {REQUESTS} where status <> '{COMPLETED}' group by 1").fetchall())
    return done, left
