"""Delete the forgotten people's rows from every table of the warehouse, found by their
columns rather than from a list (a table added later is covered the day it appears):

- a `profile_id` column: rows of the person's profiles (another `*_profile_id` column
  naming them is cleared on a row about someone else's identifier, else the row goes);
- `identifier_type` and `identifier_value`: rows of the identifiers erased;
- `source` and `record_key`, a raw table's own record key (`_cdp_record_key`, or a Segment
  source's `message_id`), a `message_id` elsewhere, a `record_hash`: the person's records;
- `raw_record` (rejected rows): rows whose raw text holds one of the person's values.

The destinations' sent state (`activation.sent__*`) is not deleted from: each of the
person's rows keeps its `profile_id` and `segment`, the rest cleared, and is marked with
the request, so that the destination's next send carries it as `removed`
(activation/changes.py) without any of the person's values. (A CRM destination whose
fields leave `profile_id` out keeps the contact id instead: the receiver has nothing else
to match on.) The changes a failed send left staged (`activation.current__*`,
`changes__*`) are dropped: the next send computes them again. `privacy` and
`cdp.privacy_requests` are the requests' own; dlt's `_dlt_*` tables hold no person.

Every delete runs in the caller's transaction, and returns what it deleted, so each
request learns its rows per table and the landed files that held its person.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

import duckdb

from core.privacy import NOTICE_COLUMN, SCHEMA
from core.sql import quote
from privacy.store import REQUESTS

NOTICE_TABLES = ("activation", "sent__")
STAGED_SENDS = ("current__", "changes__")
NOTICE_KEEPS = ("profile_id", "segment")
# the key of a `rows: crm_contacts` destination (activation/rows.py), kept when profile_id is not sent
CONTACT_KEY = "crm_contact_id"
RECORD_KEYS = ("_cdp_record_key", "message_id")


@dataclass
class Erased:
    """Per request: rows deleted per table, records erased per landed file, notices queued."""

    rows: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    files: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    notices: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    columns: tuple[str, ...]

    @property
    def qualified(self) -> str:
        return f"{quote(self.schema)}.{quote(self.name)}"

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.name}"


def tables(con: duckdb.DuckDBPyConnection) -> list[Table]:
    rows = con.sql("""
        select t.schema_name, t.table_name, list(c.column_name order by c.column_index)
        from duckdb_tables() as t
        inner join duckdb_columns() as c using (database_name, schema_name, table_name)
        where t.database_name = current_database() and not t.temporary
        group by all order by all
    """).fetchall()
    return [Table(schema, name, tuple(columns)) for schema, name, columns in rows]


def _owned_by_requests(table: Table) -> bool:
    return table.schema == SCHEMA or table.label == REQUESTS or table.name.startswith("_dlt")


def _is_notice_table(table: Table) -> bool:
    return table.schema == NOTICE_TABLES[0] and table.name.startswith(NOTICE_TABLES[1])


def _is_staged_send(table: Table) -> bool:
    return table.schema == NOTICE_TABLES[0] and table.name.startswith(STAGED_SENDS)


def _conditions(table: Table, sources: set[str]) -> list[tuple[str, str, str]]:
    """(condition, attribution join, returned columns) per way this table's rows belong to a person."""
    cols, found = set(table.columns), []
    if "profile_id" in cols:
        found.append(("profile_id in (select profile_id from pv_profiles)",
                      "pv_profiles as {k} on {k}.profile_id = d.profile_id", "profile_id"))
    for column in sorted(c for c in cols if c.endswith("_profile_id") and c != "profile_id"):
        if not {"identifier_type", "identifier_value"} <= cols:
            found.append((f"{quote(column)} in (select profile_id from pv_profiles)",
                          f"pv_profiles as {{k}} on {{k}}.profile_id = d.{quote(column)}", quote(column)))
    if {"identifier_type", "identifier_value"} <= cols:
        found.append((
            "exists (select 1 from pv_erase as k where k.identifier_type = t.identifier_type "
            "and k.identifier_value = t.identifier_value)",
            "pv_erase as {k} on {k}.identifier_type = d.identifier_type and {k}.identifier_value = d.identifier_value",
            "identifier_type, identifier_value"))
    if {"source", "record_key"} <= cols:
        found.append((
            "exists (select 1 from pv_records as k where k.erasing and k.source = t.source and k.record_key = t.record_key)",
            "pv_records as {k} on {k}.erasing and {k}.source = d.source and {k}.record_key = d.record_key",
            "source, record_key"))
    elif table.schema == "raw" and table.name in sources:
        key = next((c for c in RECORD_KEYS if c in cols), None)
        if key:
            found.append((
                f"{quote(key)} in (select record_key from pv_records where erasing and source = '{table.name}')",
                f"pv_records as {{k}} on {{k}}.erasing and {{k}}.source = '{table.name}' and {{k}}.record_key = d.{quote(key)}",
                quote(key)))
    elif "message_id" in cols:
        found.append((
            "message_id in (select record_key from pv_records where erasing and source in (select unnest($segment)))",
            "pv_records as {k} on {k}.erasing and {k}.record_key = d.message_id", "message_id"))
    if "record_hash" in cols and "record_key" not in cols:
        found.append(("record_hash in (select record_hash from pv_observations where erasing and record_hash is not null)",
                      "(select distinct request_id, record_hash from pv_observations where erasing) as {k} "
                      "on {k}.record_hash = d.record_hash", "record_hash"))
    if "raw_record" in cols:
        found.append(("exists (select 1 from pv_values as k where contains(lower(t.raw_record), k.value))",
                      "pv_values as {k} on contains(lower(d.raw_record), {k}.value)", "raw_record"))
    return found


def _landed_file_column(table: Table, sources: set[str]) -> str | None:
    """The column naming the landed file a row of a source's own table, or a rejected row, came from."""
    if table.schema != "raw":
        return None
    if table.name in sources and "_cdp_file" in table.columns:
        return "_cdp_file"
    return "file" if table.name == "rejected_rows" and "file" in table.columns else None


def erase(con: duckdb.DuckDBPyConnection, sources: set[str], segment_sources: list[str]) -> Erased:
    """Delete every forgotten row (the pv_* tables of privacy.resolve say whose)."""
    erased = Erased()
    for table in tables(con):
        if _owned_by_requests(table):
            continue
        if _is_notice_table(table):
            _queue_notices(con, table, erased)
            continue
        if _is_staged_send(table):
            con.sql(f"drop table {table.qualified}")
            continue
        found = _conditions(table, sources)
        if found:
            _delete(con, table, found, segment_sources, _landed_file_column(table, sources), erased)
        _clear_references(con, table)
    return erased


def _delete(con, table: Table, found, segment_sources: list[str], file_column: str | None, erased: Erased) -> None:
    where = " or ".join(f"({condition})" for condition, _, _ in found)
    returned = ", ".join(dict.fromkeys([*(c.strip() for _, _, cols in found for c in cols.split(",")),
                                        *([quote(file_column)] if file_column else [])]))
    params = {"segment": segment_sources} if "$segment" in where else {}
    deleted = con.sql(f"delete from {table.qualified} as t where {where} returning {returned}", params=params).to_arrow_table()
    if not deleted.num_rows:
        return
    con.register("pv_deleted", deleted)
    joins = [f"left join {join.format(k=f'k{i}')}" for i, (_, join, _) in enumerate(found)]
    owner = "coalesce(" + ", ".join(f"k{i}.request_id" for i in range(len(found))) + ")"
    file = f"d.{quote(file_column)}" if file_column else "null"
    rows = con.sql(f"""
        select request_id, file, count(*) from (
            select d.*, {owner} as request_id, {file} as file,
                row_number() over (partition by d.rowid_ order by {owner}) as n
            from (select *, row_number() over () as rowid_ from pv_deleted) as d
            {' '.join(joins)}
        ) where n = 1 group by all
    """).fetchall()
    con.unregister("pv_deleted")
    for request_id, file, count in rows:
        erased.rows[request_id][table.label] = erased.rows[request_id].get(table.label, 0) + count
        if file is not None:
            erased.files[request_id][file] = erased.files[request_id].get(file, 0) + count


def _clear_references(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    """A row about someone else's identifier that names a forgotten profile as where it was
    (`previous_profile_id`) keeps the row and loses the name."""
    cols = set(table.columns)
    if not {"identifier_type", "identifier_value"} <= cols:
        return
    for column in sorted(c for c in cols if c.endswith("_profile_id") and c != "profile_id"):
        con.sql(f"update {table.qualified} set {quote(column)} = null "
                f"where {quote(column)} in (select profile_id from pv_profiles)")


def _queue_notices(con: duckdb.DuckDBPyConnection, table: Table, erased: Erased) -> None:
    if "profile_id" in table.columns:
        kept = [c for c in NOTICE_KEEPS if c in table.columns]
        owner = "(select p.request_id from pv_profiles as p where p.profile_id = t.profile_id)"
    else:  # matched on the identifiers it holds; the contact id stays, for the CRM to match
        matched = [c for c in table.columns if c in _identifier_types(con)]
        if not matched:
            return
        kept = [c for c in (CONTACT_KEY,) if c in table.columns]
        owner = "coalesce(" + ", ".join(
            f"(select min(e.request_id) from pv_erase as e where e.identifier_type = '{c}' and e.identifier_value = t.{quote(c)})"
            for c in matched) + ")"
    if not con.sql(f"select count(*) from {table.qualified} as t where {owner} is not null").fetchall()[0][0]:
        return
    con.sql(f"alter table {table.qualified} add column if not exists {NOTICE_COLUMN} varchar")
    cleared = [c for c in table.columns if c not in kept and c != NOTICE_COLUMN]
    sets = ", ".join([f"{quote(c)} = null" for c in cleared] + [f"{NOTICE_COLUMN} = {owner}"])
    rows = con.sql(f"update {table.qualified} as t set {sets} where {owner} is not null returning {NOTICE_COLUMN}").fetchall()
    destination = table.name.removeprefix(NOTICE_TABLES[1])
    for (request_id,) in rows:
        erased.notices[request_id][destination] = erased.notices[request_id].get(destination, 0) + 1


def _identifier_types(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.sql("select distinct identifier_type from pv_erase").fetchall()}


def as_json(values: dict) -> str:
    return json.dumps(dict(sorted(values.items())), sort_keys=True)
