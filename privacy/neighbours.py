"""Records of other people that shared an identifier with a forgotten person (a household
phone, a family computer) are observed again, so the next identity build resolves them
again without the person: that phone may no longer be shared, that computer may now be
the other person's alone.

The identity build resolves again exactly what landed since it last ran (and the
components that touches), and a record landed again is its ordinary case (a re-export,
a re-sent event). So each such record's identifier observations land again in
`raw.identifiers`, as they are, with `_cdp_file` saying why; the identity models need no
hook for forgetting, and a rebuild from all history reads the same rows. A person who
shared nothing with anyone (nearly everyone) re-observes nothing.
"""

from __future__ import annotations

import duckdb

REOBSERVED_FILE = "privacy: re-observed after an erasure beside it"
COPIED = ("record_key", "identifier_type", "raw_value", "identifier_value", "invalid_reason", "source")


def reobserve(con: duckdb.DuckDBPyConnection) -> int:
    """Land again the observations of the records in pv_neighbours; returns how many."""
    columns = {row[0] for row in con.sql(
        "select column_name from duckdb_columns() where schema_name = 'raw' and table_name = 'identifiers'"
    ).fetchall()}
    if not columns or not con.sql("select count(*) from pv_neighbours").fetchall()[0][0]:
        return 0
    # observed_at is kept as the build holds it (UTC); landing stamps `_cdp_loaded_at` now,
    # which is what makes the build see the records again
    values = {
        **{c: f"s.{c}" for c in COPIED},
        "observed_at": "timezone('UTC', s.observed_at)",
        "_cdp_file": f"'{REOBSERVED_FILE}'",
        "_cdp_loaded_at": "now()",
    }
    kept = [c for c in values if c in columns]
    return con.sql(f"""
        insert into raw.identifiers ({', '.join(kept)})
        select {', '.join(values[c] for c in kept)}
        from pv_screened as s
        inner join pv_neighbours as n on n.source = s.source and n.record_key = s.record_key
    """).fetchall()[0][0]
