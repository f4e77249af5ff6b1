"""Landing drops every record that carries a suppressed identifier (a person who asked to
be forgotten), in the parser's own DuckDB, set-wise: each distinct identifier value of a
chunk is hashed once (core/privacy.py's keyed hash) and joined with the suppression list.

A dropped record becomes a rejected row with the reason `suppressed (privacy request <id>)`
and no raw record, so per file landed = loaded + rejected + suppressed. A row rejected for
another reason whose raw text holds a suppressed value (a malformed line of that person)
is kept the same way: the reason says suppressed, the text is not kept.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from core.config import IdentityConfig
from core.normalize import normalize
from core.privacy import SuppressionList, install_keyed_hash, keyed_hash_sql
from core.sql import literal

REASON = "'suppressed (privacy request ' || request_id || ')'"

# Candidate values in a rejected row's raw text: runs without separators (ids, emails), and
# phone-like runs of digits, spaces and punctuation.
_TOKEN = r"[^\s\"'<>,;:()\[\]{}\\|=]+"
_PHONE = r"\+?\(?[0-9][0-9 ().\-]{5,}[0-9]"


class ChunkSuppression:
    """One parser's view of the suppression list; each chunk's matches live in its temp tables."""

    def __init__(self, con: duckdb.DuckDBPyConnection, suppressions: SuppressionList, identity: IdentityConfig):
        self.con = con
        self.identity = identity
        self.types = suppressions.types
        install_keyed_hash(con, suppressions.key)
        con.register("suppressed_hashes", suppressions.hashes)

    def find(self, collected: str, slow_view: str) -> int:
        """Lines of this chunk's records that carry a suppressed identifier (temp table
        `suppressed_lines`: _cdp_line, request_id); returns how many. `collected` lists each
        record's identifier values with `_cdp_line`; `slow_view` normalises the rest."""
        self.con.sql(f"""
            create or replace temp table suppressed_lines as
            with identifier_values as (
                select c._cdp_line, c.identifier_type, coalesce(c.identifier_value, s.identifier_value) as identifier_value
                from ({collected}) as c
                left join {slow_view} as s
                    on c.identifier_value is null and s.identifier_type = c.identifier_type and s.raw_value = c.raw_value
            ),
            hits as (
                select d.identifier_type, d.identifier_value, h.request_id
                from (select distinct identifier_type, identifier_value from identifier_values where identifier_value is not null) as d
                inner join suppressed_hashes as h
                    on h.identifier_type = d.identifier_type
                    and h.identifier_hash = {keyed_hash_sql('d.identifier_type', 'd.identifier_value')}
            )
            select v._cdp_line, min(h.request_id) as request_id
            from identifier_values as v
            inner join hits as h on h.identifier_type = v.identifier_type and h.identifier_value = v.identifier_value
            group by v._cdp_line
        """)
        return self.con.sql("select count(*) from suppressed_lines").fetchall()[0][0]

    def without_suppressed(self, records: pa.Table) -> pa.Table:
        lines = self.con.sql("select _cdp_line from suppressed_lines").to_arrow_table().column(0)
        return records.filter(pc.invert(pc.is_in(records.column("_cdp_line"), value_set=lines)))

    def rejected_sql(self, rejected: str) -> str:
        """The chunk's rejected rows (`rejected`: line, raw_record, reason), each record
        dropped as suppressed added, and a rejected row whose raw text holds a suppressed
        value turned into one (its text not kept)."""
        self._mark_rejected_rows(rejected)
        return f"""
            select r.line, case when m.line is null then r.raw_record end as raw_record,
                coalesce({REASON.replace('request_id', 'm.request_id')}, r.reason) as reason
            from ({rejected}) as r
            left join suppressed_rejects as m on m.line = r.line
            union all
            select _cdp_line, null::varchar, {REASON} from suppressed_lines
            order by 1
        """

    def _mark_rejected_rows(self, rejected: str) -> None:
        """Temp table `suppressed_rejects` (line, request_id): rejected rows whose raw text
        holds a suppressed value, read as each suppressed type would normalise it. Ids and
        emails are read in SQL; phone-like runs (few, in rejected rows) in Python."""
        kinds = {t: self.identity.identifier_types[t].normalize for t in self.types if t in self.identity.identifier_types}
        self.con.sql(f"""
            create or replace temp table reject_tokens as
            select distinct line, unnest(regexp_extract_all(raw_record, {literal(_TOKEN)})) as token, false as phone_like
            from ({rejected}) as r where raw_record is not null
            union all
            select distinct line, unnest(regexp_extract_all(raw_record, {literal(_PHONE)})), true
            from ({rejected}) as r where raw_record is not null
        """)
        region = self.identity.default_phone_region
        phones = [row[0] for row in self.con.sql("select distinct token from reject_tokens where phone_like").fetchall()]
        normalised = [normalize("phone", raw, region)[0] for raw in phones]
        self.con.register("reject_phones", pa.table({"token": pa.array(phones, pa.string()),
                                                      "value": pa.array(normalised, pa.string())}))
        candidates = []
        for id_type, kind in kinds.items():
            value = {"id": "t.token", "email": "case when contains(t.token, '@') then lower(t.token) end"}.get(kind)
            if kind == "phone":
                candidates.append(f"select t.line, {literal(id_type)} as identifier_type, p.value from reject_tokens as t "
                                  "inner join reject_phones as p on p.token = t.token where t.phone_like")
            elif value:
                candidates.append(f"select t.line, {literal(id_type)}, {value} from reject_tokens as t where not t.phone_like")
        union = " union all ".join(candidates) or "select null::bigint, null::varchar, null::varchar limit 0"
        self.con.sql(f"""
            create or replace temp table suppressed_rejects as
            with candidates as (select * from ({union}) as c(line, identifier_type, value) where value is not null)
            select c.line, min(h.request_id) as request_id
            from candidates as c
            inner join (
                select d.identifier_type, d.value, h.request_id
                from (select distinct identifier_type, value from candidates) as d
                inner join suppressed_hashes as h
                    on h.identifier_type = d.identifier_type
                    and h.identifier_hash = {keyed_hash_sql('d.identifier_type', 'd.value')}
            ) as h on h.identifier_type = c.identifier_type and h.value = c.value
            group by c.line
        """)
        self.con.unregister("reject_phones")

    def rejected_count(self) -> int:
        """Rows of this chunk counted as suppressed: records dropped, and rejected rows kept as suppressed."""
        return self.con.sql(
            "select (select count(*) from suppressed_lines) + (select count(*) from suppressed_rejects)"
        ).fetchall()[0][0]
