"""The tables privacy requests live in, created with the first request.

- `cdp.privacy_requests`: one row per request, for auditors and BI: its id, kind, the
  identifier's type and keyed hash (never the value), the reason (any occurrence of the
  value masked), where it came from, what was found, rows deleted per table, the landed
  files that held the person, the destinations told, and when each step finished.
- `privacy.suppressions`: the identifiers (hashed) whose records landing drops.
- `privacy.key_check`: the fingerprint of the key the hashes were made with.
- `privacy.request_files`: the landing folder's request files already read (by size and
  modification time, as landing remembers files).

A request moves `pending` -> `erased` (its rows deleted, in one transaction) -> `compacted`
(the warehouse rewritten into a fresh file, so no deleted value stays in its free blocks)
-> `completed` (each destination sent its removal, the BI snapshot published again).
A request that needs no erasure (nothing found, suppress only, unsuppress) completes at
once; a malformed one is `invalid`, kept for review with its error, and never applied.
"""

from __future__ import annotations

import duckdb

from core.privacy import KEY_CHECK, SCHEMA, SUPPRESSIONS, key_fingerprint

REQUESTS = "cdp.privacy_requests"
REQUEST_FILES = f"{SCHEMA}.request_files"

PENDING, INVALID, ERASED, COMPACTED, COMPLETED = "pending", "invalid", "erased", "compacted", "completed"
UNFINISHED = (PENDING, ERASED, COMPACTED)

DDL = [
    "create schema if not exists cdp",
    f"create schema if not exists {SCHEMA}",
    f"""create table if not exists {REQUESTS} (
        request_id varchar not null,
        kind varchar not null,
        identifier_type varchar,
        identifier_hash varchar,
        reason varchar,
        origin varchar,
        received_at timestamp not null,
        status varchar not null,
        outcome varchar,
        profiles_found bigint,
        identifiers_found bigint,
        identifiers_suppressed bigint,
        identifiers_kept bigint,
        records_erased bigint,
        rows_deleted varchar,
        landed_files varchar,
        notices varchar,
        notes varchar,
        erased_at timestamp,
        compacted_at timestamp,
        completed_at timestamp
    )""",
    f"""create table if not exists {SUPPRESSIONS} (
        identifier_type varchar not null,
        identifier_hash varchar not null,
        request_id varchar not null,
        suppressed_at timestamp not null,
        lifted_at timestamp,
        lifted_by varchar
    )""",
    f"create table if not exists {KEY_CHECK} (fingerprint varchar not null, created_at timestamp not null)",
    f"""create table if not exists {REQUEST_FILES} (
        file varchar not null, fingerprint varchar not null, read_at timestamp not null, requests bigint
    )""",
]


def has_requests_table(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.sql(
        "select count(*) from duckdb_tables() where schema_name = 'cdp' and table_name = 'privacy_requests'"
    ).fetchall()[0][0])


def ensure_tables(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Create the tables, and record the key's fingerprint the first time."""
    for statement in DDL:
        con.sql(statement)
    if not con.sql(f"select count(*) from {KEY_CHECK}").fetchall()[0][0]:
        con.execute(f"insert into {KEY_CHECK} values (?, now()::timestamp)", [key_fingerprint(key)]).fetchall()


def unfinished_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Requests per status, for the ones not yet completed (and the invalid ones)."""
    if not has_requests_table(con):
        return {}
    rows = con.sql(f"select status, count(*) from {REQUESTS} where status <> '{COMPLETED}' group by 1").fetchall()
    return dict(rows)
