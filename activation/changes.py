"""What changed for a destination since its last successful send.

The last sent rows live in the warehouse (`activation.sent__<destination>`), so the
diff is one SQL statement and needs no rows in Python. A change is `added` (a new key),
`updated` (a key whose fields differ) or `removed` (a key no longer present: it left the
segment, withdrew consent, or its profile merged away; sent with its last fields so a
receiver can match it). A person forgotten by a privacy request is `removed` with
`privacy_request_id` set and only its key left (`profile_id` and `segment`, or a CRM's
contact id when `profile_id` is not sent): the privacy step cleared the rest of their sent
rows (privacy/erase.py). `change_id` is a hash of the
change itself: a change re-sent after a failed run carries the same id, so a receiver
can drop the repeat.
"""

from __future__ import annotations

import duckdb

from activation.rows import KEYS, current_rows_sql, field_names
from core.config import DestinationConfig
from core.privacy import NOTICE_COLUMN
from core.sql import quote

STATE_SCHEMA = "activation"


def state_table(name: str) -> str:
    return f"{STATE_SCHEMA}.sent__{name}"


def current_table(name: str) -> str:
    return f"{STATE_SCHEMA}.current__{name}"


def changes_table(name: str) -> str:
    return f"{STATE_SCHEMA}.changes__{name}"


def _existing_columns(con: duckdb.DuckDBPyConnection, name: str) -> set[str] | None:
    rows = con.sql(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        params=[STATE_SCHEMA, f"sent__{name}"],
    ).fetchall()
    return {r[0] for r in rows} or None


def stage_changes(con: duckdb.DuckDBPyConnection, name: str, destination: DestinationConfig) -> dict[str, int]:
    """Fill the destination's current and changes tables; return counts per action.

    Real tables, not temp ones: the send reads them through cursors of their own."""
    keys, fields = KEYS[destination.rows], field_names(destination)
    con.sql(f"create schema if not exists {STATE_SCHEMA}")
    current = current_table(name)
    con.sql(f"create or replace table {current} as {current_rows_sql(destination)}")
    existing = _existing_columns(con, name)
    if existing is None:
        con.sql(f"create table {state_table(name)} as select * from {current} where false")
        existing = {*keys, *fields}
    # A field added to the destination since the last send reads as null from the old
    # state, so every row counts as updated and goes out with it.
    sent = ", ".join(quote(c) if c in existing else f"null::varchar as {quote(c)}" for c in [*keys, *fields, NOTICE_COLUMN])
    join = " and ".join(f"c.{quote(k)} = s.{quote(k)}" for k in keys)
    differs = " or ".join(f"c.{quote(f)} is distinct from s.{quote(f)}" for f in fields) or "false"
    columns = ", ".join(quote(c) for c in [*keys, *fields, NOTICE_COLUMN])
    # concat_ws skips nulls: a change that answers no request has the id it always had
    change_id = "md5(concat_ws('|', action, " + ", ".join(
        f"cast({quote(c)} as varchar)" for c in [*keys, *fields, NOTICE_COLUMN]) + "))"
    con.sql(f"""
        create or replace table {changes_table(name)} as
        with sent as (select {sent} from {state_table(name)}),
        diff as (
            select 'added' as action, c.*, null::varchar as {NOTICE_COLUMN} from {current} as c
            where not exists (select 1 from sent as s where {join})
            union all
            select 'updated' as action, c.*, null::varchar from {current} as c
            inner join sent as s on {join}
            where {differs}
            union all
            select 'removed' as action, s.* from sent as s
            where not exists (select 1 from {current} as c where {join})
        )
        select {change_id} as change_id, action, {columns}, current_timestamp as synced_at from diff
    """)
    counts = dict(con.sql(f"select action, count(*) from {changes_table(name)} group by action").fetchall())
    return {action: counts.get(action, 0) for action in ("added", "updated", "removed")}


def commit_changes(con: duckdb.DuckDBPyConnection, name: str, run_id: str, counts: dict[str, int]) -> None:
    """After a successful send: the destination now holds the current rows."""
    con.sql("begin transaction")
    con.sql(f"create or replace table {state_table(name)} as select * from {current_table(name)}")
    con.sql(f"""
        create table if not exists {STATE_SCHEMA}.sync_log (
            destination varchar, run_id varchar, synced_at timestamp,
            added bigint, updated bigint, removed bigint, total_rows bigint
        )
    """)
    con.sql(
        f"insert into {STATE_SCHEMA}.sync_log "
        f"select ?, ?, current_timestamp, ?, ?, ?, (select count(*) from {current_table(name)})",
        params=[name, run_id, counts["added"], counts["updated"], counts["removed"]],
    )
    con.sql(f"drop table {current_table(name)}")
    con.sql(f"drop table {changes_table(name)}")
    con.sql("commit")
