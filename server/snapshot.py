"""One published snapshot, indexed for the profile API.

A lookup must cost well under a millisecond at a million people; a DuckDB query costs
0.3-0.5 ms before it reads a row, and finding an identifier by scanning
`profile_identifiers` takes 150 ms. So when a snapshot appears it is read once, through
DuckDB read-only, into memory: each person gets an ordinal; a sorted array of 64-bit
hashes of `type:value` (and of profile ids, current and merged away) points at it; the
profiles, their computed traits (`profile_computed_traits`, when the snapshot has it),
identifiers and segment memberships are Arrow columns in ordinal order, the last two
with offsets per ordinal. A lookup is then a binary search and a
few array reads. Recent events stay in the snapshot and are queried per request: they
are too many to hold.

The snapshot is attached to an in-memory DuckDB database, not opened with
`duckdb.connect(path)`: that returns the database already open under the same path,
which after a rename is the previous snapshot.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from hashlib import md5
from pathlib import Path

import duckdb
import numpy as np
import orjson
import pyarrow as pa

from server.columns import Column, column

# A profile id is found like an identifier, under this type (merged-away ids too).
PROFILE_ID = "profile_id"
CONSENT_SUFFIX = "_consent"
# cdp.profile_consent's states, numbered as the in-memory arrays hold them
CONSENT_STATES = ("unknown", "granted", "denied")
JSON_EVENT_COLUMNS = ("properties", "traits", "context", "consent_preferences")

_KEY_SQL = "('0x' || md5({type} || ':' || {value})[1:16])::ubigint"


def _key(id_type: str, value: str) -> np.uint64:
    return np.uint64(int(md5(f"{id_type}:{value}".encode()).hexdigest()[:16], 16))


@dataclass(frozen=True)
class FileId:
    """Which file a path names: a rename puts a new inode under the same name."""

    device: int
    inode: int
    modified_ns: int
    size: int

    @classmethod
    def of(cls, path: Path) -> FileId | None:
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            return None
        return cls(stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)


def _grouped(con: duckdb.DuckDBPyConnection, sql: str, people: int) -> tuple[list[Column], np.ndarray]:
    """Columns of rows ordered by `ordinal`, and where each ordinal's rows start."""
    table = con.sql(sql).to_arrow_table()
    ordinals = table.column("ordinal").to_numpy()
    offsets = np.searchsorted(ordinals, np.arange(people + 1)).astype(np.int64)
    columns = [column(table.column(name)) for name in table.column_names if name != "ordinal"]
    return columns, offsets


def _consent_states(con: duckdb.DuckDBPyConnection, people: int) -> dict[str, np.ndarray]:
    """Per purpose of cdp.profile_consent, each person's state (an index of CONSENT_STATES)
    by ordinal; only the stated rows are read, as most people state nothing."""
    purposes = [row[0] for row in con.sql("select distinct purpose from snap.cdp.profile_consent order by 1").fetchall()]
    states = {purpose: np.zeros(people, dtype=np.int8) for purpose in purposes}
    stated = con.sql(
        "select c.purpose, o.ordinal, (list_position($states, c.state) - 1)::tinyint as state "
        "from snap.cdp.profile_consent c join ordinals o using (profile_id) where list_position($states, c.state) > 1",
        params={"states": list(CONSENT_STATES)},
    ).fetchnumpy()
    for purpose in purposes:
        mine = stated["purpose"] == purpose
        states[purpose][stated["ordinal"][mine]] = stated["state"][mine]
    return states


def _select_list(con: duckdb.DuckDBPyConnection, table: str, alias: str, with_id: bool = True) -> str:
    """The select list of a table of cdp, profile_id first (or left out), with decimals as
    doubles and 128-bit integers (sums of counts) as 64-bit ones, which numpy and JSON hold."""
    columns = con.sql(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = 'snap' and schema_name = 'cdp' and table_name = ? order by column_index",
        params=[table],
    ).fetchall()
    listed = []
    for name, data_type in sorted(columns, key=lambda c: c[0] != "profile_id"):
        if name == "profile_id" and not with_id:
            continue
        quoted = '"' + name.replace('"', '""') + '"'
        if data_type.startswith("DECIMAL"):
            listed.append(f"{alias}.{quoted}::double as {quoted}")
        elif data_type in ("HUGEINT", "UHUGEINT"):
            listed.append(f"try_cast({alias}.{quoted} as bigint) as {quoted}")
        else:
            listed.append(f"{alias}.{quoted}")
    return ", ".join(listed)


def _computed_traits(con: duckdb.DuckDBPyConnection, people: int) -> list[tuple[str, Column]]:
    """cdp.profile_computed_traits by ordinal, typed as the table types them. Left joined:
    a profile the table lacks (a snapshot built by hand, or mid-migration) has only nulls."""
    listed = _select_list(con, "profile_computed_traits", "t", with_id=False)
    if not listed:
        return []
    table = con.sql(f"select {listed} from ordinals o left join snap.cdp.profile_computed_traits t "
                    "using (profile_id) order by o.ordinal").to_arrow_table()
    if table.num_rows != people:
        raise ValueError("cdp.profile_computed_traits has more than one row for a profile")
    return [(name, column(table.column(name))) for name in table.column_names]


class Snapshot:
    """A published snapshot's profiles in memory, and its events in DuckDB."""

    def __init__(self, path: Path):
        self.file_id = FileId.of(path)
        self._con = duckdb.connect(":memory:")
        quoted = str(path).replace("'", "''")
        self._con.sql(f"attach '{quoted}' as snap (read_only)")
        con = self._con
        tables = {row[0] for row in con.sql(
            "select table_name from duckdb_tables() where database_name = 'snap' and schema_name = 'cdp'"
        ).fetchall()}
        self.has_events = "events" in tables
        con.sql("create temp table ordinals as select profile_id, "
                "(row_number() over (order by profile_id) - 1)::integer as ordinal from snap.cdp.profiles")
        self.people = con.sql("select count(*) from ordinals").fetchall()[0][0]

        keys = [
            f"select {_KEY_SQL.format(type='i.identifier_type', value='i.identifier_value')} as key, o.ordinal "
            "from snap.cdp.profile_identifiers i join ordinals o using (profile_id)",
            f"select {_KEY_SQL.format(type=repr(PROFILE_ID), value='profile_id')}, ordinal from ordinals",
        ]
        if "profile_merges" in tables:
            keys.append(
                f"select {_KEY_SQL.format(type=repr(PROFILE_ID), value='m.old_profile_id')}, o.ordinal "
                "from snap.cdp.profile_merges m join ordinals o on o.profile_id = m.profile_id"
            )
        found = con.sql(" union all ".join(keys) + " order by key").fetchnumpy()
        self._keys = np.asarray(found["key"], dtype=np.uint64)
        self._key_ordinals = np.asarray(found["ordinal"], dtype=np.int32)

        table = con.sql(f"select {_select_list(con, 'profiles', 'p')} from snap.cdp.profiles p "
                        "join ordinals o using (profile_id) order by o.ordinal").to_arrow_table()
        self._profile = [(name, column(table.column(name))) for name in table.column_names]
        self._consent_columns = {
            name.removesuffix(CONSENT_SUFFIX): index
            for index, name in enumerate(table.column_names)
            if name.endswith(CONSENT_SUFFIX) and pa.types.is_boolean(table.schema.field(name).type)
        }
        del table
        self._computed = _computed_traits(con, people=self.people) if "profile_computed_traits" in tables else []
        self._consent = _consent_states(con, self.people) if "profile_consent" in tables else {}
        # a purpose of cdp.yml wins over a profile column of the same name
        self.purposes = set(self._consent_columns) | set(self._consent)
        self._identifiers, self._identifier_offsets = _grouped(con, (
            "select o.ordinal, i.identifier_type, i.identifier_value, i.first_seen_at, i.last_seen_at "
            "from snap.cdp.profile_identifiers i join ordinals o using (profile_id) order by o.ordinal, 2, 3"
        ), self.people)
        segments = "select o.ordinal, m.segment, m.entered_at from snap.cdp.segment_memberships m join ordinals o using (profile_id) order by o.ordinal, 2"
        if "segment_memberships" not in tables:
            segments = "select 0::integer as ordinal, ''::varchar as segment, null::timestamp as entered_at where false"
        self._segments, self._segment_offsets = _grouped(con, segments, self.people)
        # Segment's audience traits are false once a profile left: the segments of cdp.segments
        # it has left (and may be in again: the current membership wins)
        exited = "select 0::integer as ordinal, ''::varchar as segment where false"
        if {"segment_membership_history", "segments"} <= tables:
            exited = ("select distinct o.ordinal, h.segment from snap.cdp.segment_membership_history h "
                      "join ordinals o using (profile_id) where h.exited_at is not null "
                      "and h.segment in (select name from snap.cdp.segments) order by 1, 2")
        self._exited, self._exited_offsets = _grouped(con, exited, self.people)
        self.published_at, self.run_id = None, None
        if "_manifest" in tables:
            self.published_at, self.run_id = con.sql("select max(published_at), max(run_id) from snap.cdp._manifest").fetchall()[0]
        con.sql("drop table ordinals")

    def find(self, id_type: str, value: str) -> int | None:
        """The ordinal of the person with this (normalised) identifier."""
        key = _key(id_type, value)
        first = int(np.searchsorted(self._keys, key))
        last = int(np.searchsorted(self._keys, key, side="right"))
        for ordinal in self._key_ordinals[first:last]:
            ordinal = int(ordinal)
            if id_type == PROFILE_ID or (id_type, value) in self._identifier_pairs(ordinal):
                return ordinal
        return None

    def _identifier_pairs(self, ordinal: int) -> set[tuple[str, str]]:
        start, end = self._identifier_offsets[ordinal], self._identifier_offsets[ordinal + 1]
        types, values = (column.span(start, end) for column in self._identifiers[:2])
        return set(zip(types, values))

    def profile_id(self, ordinal: int) -> str:
        return self._profile[0][1].get(ordinal)

    def consents(self, ordinal: int, purpose: str) -> bool:
        if purpose in self._consent:
            return CONSENT_STATES[self._consent[purpose][ordinal]] == "granted"
        return self._profile[self._consent_columns[purpose]][1].get(ordinal) is True

    def traits(self, ordinal: int) -> dict:
        """cdp.profiles' columns but profile_id, then cdp.profile_computed_traits' (no name is
        in both: cdp.yml is refused when one would be), nulls included."""
        traits = {name: column.get(ordinal) for name, column in self._profile[1:]}
        traits.update((name, column.get(ordinal)) for name, column in self._computed)
        return traits

    def identifiers(self, ordinal: int) -> list[dict]:
        start, end = self._identifier_offsets[ordinal], self._identifier_offsets[ordinal + 1]
        return [
            {"type": t, "value": v, "first_seen_at": first, "last_seen_at": last}
            for t, v, first, last in zip(*(column.span(start, end) for column in self._identifiers))
        ]

    def segment_names(self, ordinal: int) -> list[str]:
        """The segments the profile is in now (cdp.segment_memberships), by name."""
        start, end = self._segment_offsets[ordinal], self._segment_offsets[ordinal + 1]
        return self._segments[0].span(start, end)

    def audiences(self, ordinal: int) -> dict[str, bool]:
        """Segment's audience traits: true for each segment the profile is in, false for
        each it has left."""
        start, end = self._exited_offsets[ordinal], self._exited_offsets[ordinal + 1]
        states = dict.fromkeys(self._exited[0].span(start, end), False)
        states.update(dict.fromkeys(self.segment_names(ordinal), True))
        return states

    def consent_states(self, ordinal: int) -> dict[str, str] | None:
        """Each purpose of cdp.profile_consent and the profile's state; None without the table."""
        if not self._consent:
            return None
        return {purpose: CONSENT_STATES[states[ordinal]] for purpose, states in sorted(self._consent.items())}

    def profile(self, ordinal: int) -> dict:
        """The profile's traits (its columns and computed traits), identifiers and segments."""
        start, end = self._segment_offsets[ordinal], self._segment_offsets[ordinal + 1]
        segments = [
            {"name": name, "entered_at": entered}
            for name, entered in zip(*(column.span(start, end) for column in self._segments))
        ]
        answer = {"profile_id": self.profile_id(ordinal), "traits": self.traits(ordinal),
                  "identifiers": self.identifiers(ordinal), "segments": segments}
        consent = self.consent_states(ordinal)
        if consent is not None:
            answer["consent"] = consent
        return answer

    def events(self, profile_id: str, limit: int, before: tuple[datetime, str] | None) -> list[dict]:
        """The profile's events, newest first, `limit` of them older than `before` (event_at, message_id)."""
        if not self.has_events:
            return []
        where, params = "profile_id = ?", [profile_id]
        if before is not None:
            where += " and (event_at < ? or (event_at = ? and message_id < ?))"
            params += [before[0], before[0], before[1]]
        cursor = self._con.cursor()
        try:
            result = cursor.execute(
                f"select * exclude (profile_id) from snap.cdp.events where {where} "
                "order by event_at desc, message_id desc limit ?", [*params, limit]
            )
            names = [d[0] for d in result.description]
            rows = [dict(zip(names, row)) for row in result.fetchall()]
        finally:
            cursor.close()
        for row in rows:
            for name in JSON_EVENT_COLUMNS:
                if isinstance(row.get(name), str):
                    try:
                        row[name] = orjson.loads(row[name])
                    except orjson.JSONDecodeError:
                        pass
        return rows
