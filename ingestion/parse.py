"""Turn one chunk of a landing file into the four things the warehouse stores.

- records: the accepted rows, typed, with a record key (`_cdp_record_key`, or a
  Segment event's `message_id`)
- identifiers: one row per identifier value seen on a record, normalised (and as it
  arrived, where normalising changed it); for the Segment events dbt reads, only the
  values that normalising changed or found invalid
- traits: one row per trait value seen on a record
- rejected: every row that was not accepted, with the reason

Parsing runs in a private in-memory DuckDB so the warehouse is written only by dlt.
Every chunk's rows come out exactly once: as a record or as a rejected row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from core import raw_tables
from core.config import IdentityConfig, SourceConfig
from core.normalize import fast_email_sql, normalize
from core.privacy import SuppressionList
from core.sql import literal, quote
from ingestion import segment, tabular
from ingestion.suppression import ChunkSuppression

# The warehouse tables a chunk's outputs go to, by the parser's name for them (None: the source's own).
OUTPUT_TABLES = {
    "records": None,
    "identifiers": raw_tables.IDENTIFIERS,
    "traits": raw_tables.TRAITS,
    "rejected": raw_tables.REJECTED_ROWS,
}


@dataclass
class ParsedTables:
    """What one chunk became, as Arrow."""

    records: pa.Table
    identifiers: pa.Table
    traits: pa.Table
    rejected: pa.Table
    suppressed: int = 0  # of the rejected rows, those dropped for a privacy request

    def rows(self) -> dict[str, int]:
        return {output: getattr(self, output).num_rows for output in OUTPUT_TABLES}


def _arrow(relation: duckdb.DuckDBPyRelation, constants: Mapping[str, object]) -> pa.Table:
    """A relation as Arrow, with constant columns (lineage) added.

    Timestamps (UTC, naive in the parser) leave as UTC-aware: dlt stores them with a
    time zone and would otherwise label every value itself, in Python's thread."""
    if constants:
        relation = relation.select(
            "*" + "".join(f", {_sql_literal(value)} as {quote(name)}" for name, value in constants.items())
        )
    columns = [
        f"{quote(name)}::timestamptz as {quote(name)}" if str(kind) == "TIMESTAMP" else quote(name)
        for name, kind in zip(relation.columns, relation.types)
    ]
    return relation.select(", ".join(columns)).to_arrow_table()


def _sql_literal(value: object) -> str:
    if isinstance(value, datetime):
        return f"timestamp '{value.isoformat(sep=' ')}'"
    return literal(str(value))


class ChunkParser:
    """Parses chunks of one source, one at a time; close() it when they are done. One
    parser for many chunks (and files) is cheaper than one each: a fresh DuckDB cost about
    a sixth of a 250k-event parse."""

    def __init__(self, name: str, source: SourceConfig, identity: IdentityConfig,
                 suppressions: SuppressionList | None = None):
        self.name = name
        self.source = source
        self.identity = identity
        self.con = duckdb.connect()
        self.con.sql("set TimeZone = 'UTC'")
        # The events dbt reads land only the identifiers that normalising changed or found
        # invalid: stg_cdp__identifiers reads the rest from raw.events, as they arrived
        # (a second copy of nearly every id: 2.4M of the 4.6M rows 2M benchmark events landed).
        self.changed_identifiers_only = name == segment.EVENTS_SOURCE and source.format == "segment"
        if source.format == "segment":
            self.identifier_columns = segment.IDENTIFIERS
            self.record_key = segment.RECORD_KEY
        else:
            self.identifier_columns = dict(source.identifiers)
            self.record_key = "_cdp_record_key"
        # nothing to check, nothing to pay for, until someone asks to be forgotten
        self.suppression = ChunkSuppression(self.con, suppressions, identity) if suppressions else None

    def close(self) -> None:
        self.con.close()

    def release(self) -> None:
        """Free the last chunk's tables while the parser waits for the next."""
        for (table,) in self.con.sql("select table_name from duckdb_tables() where temporary").fetchall():
            self.con.sql(f"drop table {quote(table)}")
        for view in ("chunk", "out_records", "slow_identifiers", "slow_suppression"):
            self.con.unregister(view)

    def parse(
        self, chunk: pa.Table, loaded_at: datetime, constants: Mapping[str, Mapping[str, object]] | None = None
    ) -> ParsedTables:
        """The chunk's four outputs; `loaded_at` stamps a row without its own time, and
        `constants` adds columns (lineage) to an output, by output name.

        Each output goes straight from its query to Arrow: the records are read back from
        their Arrow table, not kept in a temporary table as well."""
        constants = constants or {}
        con = self.con
        if "_cdp_error" not in chunk.column_names:  # a chunk its reader found no fault in
            chunk = chunk.append_column("_cdp_error", pa.nulls(chunk.num_rows, pa.string()))
        con.register("chunk", chunk)
        stamp = _sql_literal(loaded_at)
        if self.source.format == "segment":
            con.sql(f"create or replace temp table parsed as {segment.PROJECTION}")
        elif self.source.format in ("jsonl", "rest_api"):
            con.sql(f"create or replace temp table parsed as {tabular.jsonl_projection(self.source)}")
        else:
            con.sql("create or replace temp view parsed as select * from chunk")

        present = [c[0] for c in con.sql("describe parsed").fetchall()]
        if self.source.format == "segment":
            reason, record_sql = segment.REJECT_REASON, segment.RECORD.replace("$loaded_at", stamp)
        else:
            reason = tabular.reject_reason(self.source, set(present))
            record_sql = tabular.record_projection(self.source, present)
        con.sql(f"create or replace temp view checked as select *, {reason} as _cdp_reject_reason from parsed")
        con.sql("create or replace temp view accepted as select * from checked where _cdp_reject_reason is null")
        records = _arrow(con.sql(record_sql), constants.get("records", {}))
        con.register("out_records", records)
        self.record_columns = set(records.column_names)
        rejected_sql = """select _cdp_line as line, _cdp_raw as raw_record, _cdp_reject_reason as reason
                from checked where _cdp_reject_reason is not null order by 1"""
        suppressed = 0
        if self.suppression is not None:
            records = self._suppress(stamp, records)
            rejected_sql = self.suppression.rejected_sql(rejected_sql)
            suppressed = self.suppression.rejected_count()
        rejected = _arrow(con.sql(rejected_sql), constants.get("rejected", {}))
        identifiers = _arrow(self._identifiers(stamp), constants.get("identifiers", {}))
        traits = _arrow(self._traits(stamp), constants.get("traits", {}))
        return ParsedTables(records, identifiers, traits, rejected, suppressed)

    def _suppress(self, loaded_at: str, records: pa.Table) -> pa.Table:
        """The records without those carrying a suppressed identifier (ingestion/suppression.py)."""
        collected = self._collected(loaded_at, False, self.suppression.types)
        if collected is None:
            self.con.sql("create or replace temp table suppressed_lines (_cdp_line bigint, request_id varchar)")
            return records
        self._normalise_slow(collected, "slow_suppression")
        if not self.suppression.find(collected, "slow_suppression"):
            return records
        kept = self.suppression.without_suppressed(records)
        self.con.unregister("out_records")
        self.con.register("out_records", kept)
        return kept

    def _observed_at(self, loaded_at: str) -> str:
        if self.source.format == "segment":
            return "timestamp"
        return quote(self.source.timestamp) if self.source.timestamp else loaded_at

    def _collected(self, loaded_at: str, changed_only: bool, types: set[str] | None = None) -> str | None:
        """SQL of one row per identifier value of a record (of `types`, with the record's
        line; or of every type): ids trimmed and plain emails accepted in SQL (`identifier_value`), the rest null
        for Python to normalise (`_normalise_slow`). None: the records hold no identifier."""
        observed_at = self._observed_at(loaded_at)
        kinds = {id_type: rule.normalize for id_type, rule in self.identity.identifier_types.items()}
        parts = []
        for column, id_type in self.identifier_columns.items():
            if column not in self.record_columns or id_type not in kinds or (types is not None and id_type not in types):
                continue
            raw = f"cast({quote(column)} as varchar)"
            fast = {
                "id": f"trim({raw})",
                "email": f"case when {fast_email_sql(f'lower(trim({raw}))')} then lower(trim({raw})) end",
            }.get(kinds[id_type], "null::varchar")
            changed = f" and ({fast}) is distinct from {raw}" if changed_only else ""
            parts.append(
                f"""select {quote(self.record_key)} as record_key, {literal(id_type)} as identifier_type,
                    {raw} as raw_value, {fast} as identifier_value, {observed_at} as observed_at{", _cdp_line" if types is not None else ""}
                from out_records where nullif(trim({raw}), '') is not null{changed}"""
            )
        return "\nunion all\n".join(parts) or None

    def _normalise_slow(self, collected: str, view: str) -> None:
        """Register `view`: each distinct value the SQL fast path left (phones, unusual
        emails), normalised in Python once."""
        kinds = {id_type: rule.normalize for id_type, rule in self.identity.identifier_types.items()}
        slow = self.con.sql(
            f"select distinct identifier_type, raw_value from ({collected}) where identifier_value is null"
        ).fetchall()
        region = self.identity.default_phone_region
        results = [normalize(kinds[id_type], raw, region) for id_type, raw in slow]
        self.con.register(
            view,
            pa.table(
                {
                    "identifier_type": pa.array([t for t, _ in slow], pa.string()),
                    "raw_value": pa.array([r for _, r in slow], pa.string()),
                    "identifier_value": pa.array([r[0] for r in results], pa.string()),
                    "invalid_reason": pa.array([r[1] for r in results], pa.string()),
                }
            ),
        )

    def _identifiers(self, loaded_at: str) -> duckdb.DuckDBPyRelation:
        """One row per identifier value of a record. Ids are trimmed and plain emails accepted
        in SQL, in the query that collects them; only the rest (phones, unusual emails) is
        normalised in Python, once per distinct value, and joined in.

        `raw_value` is kept only where normalising changed the value (or found it invalid):
        nearly every id arrives as it is stored, and a second copy of it was a fifth of the
        cost of loading the identifiers (stg_cdp__identifiers fills it back in)."""
        collected = self._collected(loaded_at, self.changed_identifiers_only)
        if collected is None:
            return self.con.sql(
                """select null::varchar as record_key, null::varchar as identifier_type, null::varchar as raw_value,
                null::varchar as identifier_value, null::varchar as invalid_reason, null::timestamp as observed_at limit 0"""
            )
        # Read twice, for the values needing Python and then for the output. Where every
        # identifier is kept, each pass reads the records' Arrow table (a temporary table and
        # an UPDATE cost more); where only the changed ones are, the few left are kept once
        # instead of every record's ids being checked twice.
        if self.changed_identifiers_only:
            self.con.sql(f"create or replace temp table collected_identifiers as {collected}")
            collected = "select * from collected_identifiers"
        self._normalise_slow(collected, "slow_identifiers")
        return self.con.sql(
            f"""select i.record_key, i.identifier_type,
                nullif(i.raw_value, coalesce(i.identifier_value, s.identifier_value)) as raw_value,
                coalesce(i.identifier_value, s.identifier_value) as identifier_value, s.invalid_reason, i.observed_at
            from ({collected}) as i
            left join slow_identifiers as s
                on i.identifier_value is null and s.identifier_type = i.identifier_type and s.raw_value = i.raw_value
            {"where s.identifier_value is distinct from i.raw_value" if self.changed_identifiers_only else ""}"""
        )

    def _traits(self, loaded_at: str) -> duckdb.DuckDBPyRelation:
        if self.source.format == "segment":
            return self.con.sql(segment.TRAITS)
        observed_at = self._observed_at(loaded_at)
        parts = [
            f"""select {quote(self.record_key)} as record_key, {literal(trait)} as trait,
                cast({quote(trait)} as varchar) as value, {observed_at} as observed_at
            from out_records where {quote(trait)} is not null"""
            for trait in self.source.traits
            if trait in self.record_columns
        ]
        if not parts:
            parts = ["select null::varchar as record_key, null::varchar as trait, null::varchar as value, null::timestamp as observed_at limit 0"]
        return self.con.sql("\nunion all\n".join(parts))
