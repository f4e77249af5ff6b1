"""From pending requests (identifier type and keyed hash) to the people, records and
identifiers to forget, set-wise for every request at once, as temporary tables of the
warehouse connection (`pv_*`).

A request's value is found by hashing each distinct identifier the warehouse holds of
that type (the identity build's observations, and any landed since it) and joining on the
hash: the value itself was never stored. Its profile is the identity graph's, and the
person is everything of that profile:
- `pv_profiles`: the profile's id and the ids merged into it before;
- `pv_records`: every landed record resolved to it (and, for a value in no profile, the
  records that carry it and belong to nobody; and records landed since the last build
  that carry one of the person's identifiers);
- `pv_erase`: the identifiers to erase everywhere: the profile's, and any other value seen
  on the person's records only;
- `pv_suppress`: of those, the ones landing drops records of from now on (linkable ones
  only: a junk value such as test@test.com is never suppressed);
- `pv_kept`: identifiers on the person's records that other people's records carry too (a
  household phone, a shared computer): left on those records, never suppressed;
- `pv_neighbours`: those other records, whose people the next build resolves again;
- `pv_values`: the person's values (lower-cased, as normalised and as they arrived), to
  find them in the raw text of rejected rows and in exported files.
"""

from __future__ import annotations

import duckdb

from core.privacy import keyed_hash_sql
from privacy.store import PENDING, REQUESTS

# The identity build's tables this reads (dbt_project/models/intermediate/identity).
SCREENED = ("intermediate", "int_identity__identifiers_screened")
ASSIGNED = ("intermediate", "int_identity__nodes_assigned")
RESOLVED = ("intermediate", "int_identity__records_resolved")
MERGES = ("cdp", "profile_merges")
STAGED = ("staging", "stg_cdp__identifiers")

ERASING_KINDS = ("forget", "delete_only")
SUPPRESSING_KINDS = ("forget", "suppress_only")
# A value shorter than this is not looked for in free text: it would match other people's.
MIN_TEXT_VALUE = 5


def _exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return bool(con.execute(
        "select (select count(*) from duckdb_tables() where schema_name = $1 and table_name = $2)"
        " + (select count(*) from duckdb_views() where schema_name = $1 and view_name = $2)",
        [schema, name],
    ).fetchall()[0][0])


def _relation(con: duckdb.DuckDBPyConnection, table: tuple[str, str], empty: str) -> str:
    """The table's name, or a query with its columns and no rows when it is not built yet."""
    return f"{table[0]}.{table[1]}" if _exists(con, *table) else f"({empty})"


def resolve(con: duckdb.DuckDBPyConnection) -> int:
    """Fill the pv_* tables for the pending erase and suppress requests; returns how many
    requests there are. The session must have the keyed hash installed."""
    con.sql(f"""
        create or replace temp table pv_requests as
        select request_id, kind, identifier_type, identifier_hash from {REQUESTS}
        where status = '{PENDING}' and kind in ('forget', 'delete_only', 'suppress_only')
    """)
    count = con.sql("select count(*) from pv_requests").fetchall()[0][0]
    screened = _relation(con, SCREENED, "select null::varchar as source, null::varchar as record_key, "
                         "null::varchar as identifier_type, null::varchar as identifier_value, null::varchar as raw_value, "
                         "null::varchar as status, null::bigint as record_hash, null::timestamp as last_loaded_at limit 0")
    assigned = _relation(con, ASSIGNED, "select null::varchar as profile_id, null::varchar as identifier_type, "
                         "null::varchar as identifier_value limit 0")
    resolved = _relation(con, RESOLVED, "select null::varchar as source, null::varchar as record_key, "
                         "null::varchar as profile_id limit 0")
    merges = _relation(con, MERGES, "select null::varchar as old_profile_id, null::varchar as profile_id, "
                       "null::varchar as kind limit 0")
    con.sql(f"create or replace temp view pv_screened as select * from {screened}")
    # landed since the identity build last ran (a run whose dbt step failed): not in its tables yet
    if _exists(con, *STAGED):
        watermark = con.sql("select max(last_loaded_at) from pv_screened").fetchall()[0][0]
        since = "true" if watermark is None else f"_cdp_loaded_at > '{watermark.isoformat(sep=' ')}'::timestamp"
        con.sql(f"""create or replace temp table pv_unbuilt as
            select source, record_key, identifier_type, identifier_value, raw_value
            from {STAGED[0]}.{STAGED[1]} where {since}""")
    else:
        con.sql("create or replace temp table pv_unbuilt as select source, record_key, identifier_type, "
                "identifier_value, raw_value from pv_screened limit 0")

    con.sql(f"""
        create or replace temp table pv_found as
        with seen as (
            select distinct identifier_type, identifier_value from (
                select identifier_type, identifier_value from pv_screened
                union all
                select identifier_type, identifier_value from pv_unbuilt
            ) where identifier_value is not null
                and identifier_type in (select identifier_type from pv_requests)
        )
        select r.request_id, r.kind, s.identifier_type, s.identifier_value
        from seen as s
        inner join pv_requests as r
            on r.identifier_type = s.identifier_type
            and r.identifier_hash = {keyed_hash_sql('s.identifier_type', 's.identifier_value')}
    """)
    con.sql(f"""
        create or replace temp table pv_current as
        select min(f.request_id) as request_id, bool_or(f.kind in {ERASING_KINDS}) as erasing,
            bool_or(f.kind in {SUPPRESSING_KINDS}) as suppressing, a.profile_id
        from pv_found as f
        inner join {assigned} as a on a.identifier_type = f.identifier_type and a.identifier_value = f.identifier_value
        group by a.profile_id
    """)
    # the ids merged into the person's profile over time (a split's old id is another person's)
    con.sql(f"""
        create or replace temp table pv_profiles as
        with recursive ids(request_id, profile_id) as (
            select request_id, profile_id from pv_current where erasing
            union
            select i.request_id, m.old_profile_id
            from ids as i inner join {merges} as m on m.profile_id = i.profile_id and m.kind = 'merge'
        )
        select min(request_id) as request_id, profile_id from ids group by profile_id
    """)
    # the person's identifiers: their profile's, or a value found in no profile
    con.sql(f"""
        create or replace temp table pv_person as
        select c.request_id, c.erasing, c.suppressing, a.identifier_type, a.identifier_value, true as assigned
        from pv_current as c
        inner join {assigned} as a on a.profile_id = c.profile_id
        union all
        select f.request_id, f.kind in {ERASING_KINDS}, f.kind in {SUPPRESSING_KINDS}, f.identifier_type,
            f.identifier_value, false
        from pv_found as f
        where not exists (select 1 from pv_current as c where c.request_id = f.request_id)
    """)
    con.sql(f"""
        create or replace temp table pv_records as
        with candidates as (
            select p.request_id, p.erasing, p.suppressing, r.source, r.record_key
            from {resolved} as r inner join pv_current as p on p.profile_id = r.profile_id
            union all
            -- a value in no profile: the records that carry it and are nobody's
            select p.request_id, p.erasing, p.suppressing, s.source, s.record_key
            from pv_screened as s
            inner join pv_person as p
                on not p.assigned and p.identifier_type = s.identifier_type and p.identifier_value = s.identifier_value
            where not exists (select 1 from {resolved} as r where r.source = s.source and r.record_key = s.record_key)
            union all
            select p.request_id, p.erasing, p.suppressing, u.source, u.record_key
            from pv_unbuilt as u
            inner join pv_person as p on p.identifier_type = u.identifier_type and p.identifier_value = u.identifier_value
        )
        select min(request_id) as request_id, bool_or(erasing) as erasing, bool_or(suppressing) as suppressing,
            source, record_key
        from candidates group by source, record_key
    """)
    con.sql("""
        create or replace temp table pv_observations as
        select r.request_id, r.erasing, r.suppressing, s.source, s.record_key, s.identifier_type, s.identifier_value, s.raw_value,
            s.status, s.record_hash
        from pv_screened as s
        inner join pv_records as r on r.source = s.source and r.record_key = s.record_key
        union all
        select r.request_id, r.erasing, r.suppressing, u.source, u.record_key, u.identifier_type, u.identifier_value, u.raw_value,
            null, null
        from pv_unbuilt as u
        inner join pv_records as r on r.source = u.source and r.record_key = u.record_key
    """)
    _classify(con)
    return count


def _classify(con: duckdb.DuckDBPyConnection) -> None:
    """Which of the person's identifiers are theirs alone (erased, perhaps suppressed) and
    which other people's records carry too (kept there)."""
    con.sql("""
        create or replace temp table pv_candidates as
        select min(request_id) as request_id, bool_or(erasing) as erasing, bool_or(suppressing) as suppressing,
            identifier_type, identifier_value, bool_or(assigned) as assigned, bool_and(linkable) as linkable
        from (
            select request_id, erasing, suppressing, identifier_type, identifier_value, assigned, true as linkable
            from pv_person
            union all
            select o.request_id, o.erasing, o.suppressing, o.identifier_type, o.identifier_value, false,
                coalesce(o.status = 'ok', true)
            from pv_observations as o where o.identifier_value is not null
        )
        group by identifier_type, identifier_value
    """)
    con.sql("""
        create or replace temp table pv_elsewhere as
        select distinct s.identifier_type, s.identifier_value, s.source, s.record_key, s.status
        from pv_screened as s
        inner join pv_candidates as c on c.identifier_type = s.identifier_type and c.identifier_value = s.identifier_value
        where not exists (select 1 from pv_records as r where r.source = s.source and r.record_key = s.record_key)
    """)
    con.sql("""
        create or replace temp table pv_kept as
        select c.request_id, c.erasing, c.identifier_type, c.identifier_value from pv_candidates as c
        where exists (select 1 from pv_elsewhere as e
                      where e.identifier_type = c.identifier_type and e.identifier_value = c.identifier_value)
    """)
    # an identifier of the profile others carry too is still erased where it says "this
    # profile" (the identity tables); the next build gives it to the others
    con.sql("""
        create or replace temp table pv_erase as
        select request_id, identifier_type, identifier_value from pv_candidates as c
        where c.erasing and (c.assigned or not exists (
            select 1 from pv_kept as k where k.identifier_type = c.identifier_type and k.identifier_value = c.identifier_value))
    """)
    con.sql("""
        create or replace temp table pv_suppress as
        select c.request_id, c.identifier_type, c.identifier_value from pv_candidates as c
        where c.suppressing and (c.assigned or c.linkable) and not exists (
            select 1 from pv_kept as k where k.identifier_type = c.identifier_type and k.identifier_value = c.identifier_value)
    """)
    con.sql("""
        create or replace temp table pv_neighbours as
        select distinct e.source, e.record_key
        from pv_elsewhere as e
        inner join pv_kept as k on k.identifier_type = e.identifier_type and k.identifier_value = e.identifier_value
        where k.erasing and e.status = 'ok'
    """)
    con.sql(f"""
        create or replace temp table pv_values as
        select min(request_id) as request_id, value from (
            select e.request_id, lower(e.identifier_value) as value from pv_erase as e
            union all
            select o.request_id, lower(o.raw_value) from pv_observations as o
            where o.erasing and not exists (select 1 from pv_kept as k
                              where k.identifier_type = o.identifier_type and k.identifier_value = o.identifier_value)
        ) where length(value) >= {MIN_TEXT_VALUE}
        group by value
    """)
