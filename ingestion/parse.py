"""Turn one chunk of a landing file into the four things the warehouse stores.

- records: the accepted rows, typed, with `_cdp_record_key`
- identifiers: one row per identifier value seen on a record, raw and normalised
- traits: one row per trait value seen on a record
- rejected: every row that was not accepted, with the reason

Parsing runs in a private in-memory DuckDB so the warehouse is written only by dlt.
Every chunk's rows come out exactly once: as a record or as a rejected row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from cdp.config import IdentityConfig, SourceConfig
from ingestion import segment, tabular
from ingestion.normalize import fast_email_sql, normalize

# A line is JSON we can project only if it parses and is an object: one parse, with
# try() turning the error of text that does not parse into null.
_JSON_OBJECT = "coalesce(try(json_type(_cdp_raw)) = 'OBJECT', false)"


@dataclass
class ParsedChunk:
    records: pa.Table
    identifiers: pa.Table
    traits: pa.Table
    rejected: pa.Table


class ChunkParser:
    """Parses chunks of one file of one source; close() it when the file is done."""

    def __init__(self, name: str, source: SourceConfig, identity: IdentityConfig, loaded_at: datetime):
        self.name = name
        self.source = source
        self.identity = identity
        self.loaded_at = loaded_at
        self.con = duckdb.connect()
        self.con.sql("set TimeZone = 'UTC'")
        if source.format == "segment":
            self.identifier_columns = segment.IDENTIFIERS
        else:
            self.identifier_columns = dict(source.identifiers)

    def close(self) -> None:
        self.con.close()

    def _table(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def parse(self, chunk: pa.Table) -> ParsedChunk:
        con = self.con
        con.register("chunk", chunk)
        loaded_at = f"timestamp '{self.loaded_at.isoformat(sep=' ')}'"
        if self.source.format in ("segment", "jsonl", "rest_api"):
            con.sql(f"create or replace temp view valid_json as select * from chunk where {_JSON_OBJECT}")
            con.sql(
                f"""create or replace temp view parse_errors as
                select _cdp_line, _cdp_raw,
                    case when json_valid(_cdp_raw) then 'not a JSON object' else 'malformed JSON' end as reason
                from chunk where not {_JSON_OBJECT}"""
            )
            projection = segment.PROJECTION if self.source.format == "segment" else tabular.jsonl_projection(self.source)
            con.sql(f"create or replace temp table parsed as {projection}")
        else:
            con.sql("create or replace temp view parse_errors as select 0::bigint as _cdp_line, '' as _cdp_raw, '' as reason limit 0")
            con.sql("create or replace temp view parsed as select * from chunk")

        present = [c[0] for c in con.sql("describe parsed").fetchall()]
        if self.source.format == "segment":
            reason, record_sql = segment.REJECT_REASON, segment.RECORD.replace("$loaded_at", loaded_at)
        else:
            reason = tabular.reject_reason(self.source, set(present))
            record_sql = tabular.record_projection(self.source, present)
        con.sql(f"create or replace temp view checked as select *, {reason} as _cdp_reject_reason from parsed")
        con.sql("create or replace temp view accepted as select * from checked where _cdp_reject_reason is null")
        con.sql(f"create or replace temp table records as {record_sql}")
        self.record_columns = {c[0] for c in con.sql("describe records").fetchall()}

        rejected = self._table(
            """select _cdp_line as line, _cdp_raw as raw_record, reason from parse_errors
            union all
            select _cdp_line, _cdp_raw, _cdp_reject_reason from checked where _cdp_reject_reason is not null
            order by 1"""
        )
        return ParsedChunk(
            records=self._table("select * from records"),
            identifiers=self._identifiers(loaded_at),
            traits=self._traits(loaded_at),
            rejected=rejected,
        )

    def _observed_at(self, loaded_at: str) -> str:
        if self.source.format == "segment":
            return "timestamp"
        return tabular.quote(self.source.timestamp) if self.source.timestamp else loaded_at

    def _identifiers(self, loaded_at: str) -> pa.Table:
        observed_at = self._observed_at(loaded_at)
        parts = [
            f"""select _cdp_record_key as record_key, {tabular.literal(id_type)} as identifier_type,
                cast({tabular.quote(column)} as varchar) as raw_value, {observed_at} as observed_at
            from records where nullif(trim(cast({tabular.quote(column)} as varchar)), '') is not null"""
            for column, id_type in self.identifier_columns.items()
            if column in self.record_columns
        ]
        if not parts:
            parts = ["select null::varchar, null::varchar, null::varchar, null::timestamp limit 0"]
        self.con.sql("create or replace temp table raw_identifiers as " + "\nunion all\n".join(parts))
        kinds = self.identity.identifier_types
        self.con.register(
            "identifier_kinds",
            pa.table({"identifier_type": list(kinds), "kind": [rule.normalize for rule in kinds.values()]}),
        )
        # ids are trimmed and plain emails accepted in SQL; only the rest needs Python
        self.con.sql(
            f"""create or replace temp table fast_identifiers as
            select i.*, k.kind,
                case
                    when k.kind = 'id' then trim(i.raw_value)
                    when k.kind = 'email' and {fast_email_sql('lower(trim(i.raw_value))')} then lower(trim(i.raw_value))
                end as fast_value
            from raw_identifiers as i
            inner join identifier_kinds as k using (identifier_type)"""
        )
        slow = self.con.sql(
            "select distinct kind, raw_value from fast_identifiers where fast_value is null"
        ).fetchall()
        region = self.identity.default_phone_region
        results = [normalize(kind, raw, region) for kind, raw in slow]
        self.con.register(
            "slow_identifiers",
            pa.table(
                {
                    "kind": pa.array([k for k, _ in slow], pa.string()),
                    "raw_value": pa.array([r for _, r in slow], pa.string()),
                    "identifier_value": pa.array([r[0] for r in results], pa.string()),
                    "invalid_reason": pa.array([r[1] for r in results], pa.string()),
                }
            ),
        )
        return self._table(
            """select i.record_key, i.identifier_type, i.raw_value,
                coalesce(i.fast_value, s.identifier_value) as identifier_value, s.invalid_reason, i.observed_at
            from fast_identifiers as i
            left join slow_identifiers as s on i.fast_value is null and s.kind = i.kind and s.raw_value = i.raw_value"""
        )

    def _traits(self, loaded_at: str) -> pa.Table:
        if self.source.format == "segment":
            return self._table(segment.TRAITS)
        observed_at = self._observed_at(loaded_at)
        parts = [
            f"""select _cdp_record_key as record_key, {tabular.literal(trait)} as trait,
                cast({tabular.quote(trait)} as varchar) as value, {observed_at} as observed_at
            from records where {tabular.quote(trait)} is not null"""
            for trait in self.source.traits
            if trait in self.record_columns
        ]
        if not parts:
            return pa.table(
                {
                    "record_key": pa.array([], pa.string()),
                    "trait": pa.array([], pa.string()),
                    "value": pa.array([], pa.string()),
                    "observed_at": pa.array([], pa.timestamp("us")),
                }
            )
        return self._table("\nunion all\n".join(parts))
