"""`cdp explain <type> <value>`: why an identifier is in the profile it is in.

Prints the profile, every identifier in it, the landed records that put identifiers
together (each record links the identifiers seen on it), the identity rules that judged
the value (a weak one that links no one, a conflict) or kept a value out (invalid, junk,
shared), and the profiles it is seen beside with the overrides that would settle them
(cdp.identity_review_queue). Reads the warehouse read-only.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from core.config import CdpConfig
from ingestion import segment
from core.normalize import normalize

LINK_LIMIT = 50


def _normalise(config: CdpConfig, identifier_type: str, value: str) -> str:
    rule = config.identity.identifier_types.get(identifier_type)
    if rule is None:
        known = ", ".join(sorted(config.identity.identifier_types))
        raise ValueError(f"unknown identifier type {identifier_type!r} (known: {known})")
    normalised, _ = normalize(rule.normalize, value, config.identity.default_phone_region)
    return normalised or value.strip()


def _dropped_copies(con: duckdb.DuckDBPyConnection, identifier_type: str, value: str) -> list[str]:
    """The message ids of event copies not kept that carried this identifier: as landed in
    raw.identifiers, or, where normalising left it as it arrived, in an event column."""
    landed = {row[0] for row in con.sql("select table_name from duckdb_tables() where schema_name = 'raw'").fetchall()}
    seen, params = [], {"value": value}
    if "identifiers" in landed:
        seen.append("select source, record_key, _cdp_loaded_at, _cdp_file from raw.identifiers "
                    "where identifier_type = $type and identifier_value = $value")
        params["type"] = identifier_type
    if segment.EVENTS_SOURCE in landed:
        seen += [f"select '{segment.EVENTS_SOURCE}' as source, message_id as record_key, _cdp_loaded_at, _cdp_file "
                 f"from raw.{segment.EVENTS_SOURCE} where {column} = $value"
                 for column, kind in segment.IDENTIFIERS.items() if kind == identifier_type]
    if not seen:
        return []
    try:
        rows = con.sql(
            f"select distinct record_key from ({' union all '.join(seen)}) "
            "inner join staging.stg_segment__dropped_copies using (source, record_key, _cdp_loaded_at, _cdp_file) "
            "order by 1 limit 5",
            params=params,
        ).fetchall()
    except duckdb.CatalogException:  # a warehouse built before the model existed
        return []
    return [row[0] for row in rows]


def _review(con: duckdb.DuckDBPyConnection, identifier_type: str, value: str) -> list[str]:
    """The profiles the identifier is seen beside but not in, from the review queue, with
    the overrides that would settle each."""
    try:
        rows = con.sql(
            "select other_profile_id, merge_override, split_override from cdp.identity_review_queue "
            "where identifier_type = ? and identifier_value = ? order by review_rank limit ?",
            params=[identifier_type, value, LINK_LIMIT],
        ).fetchall()
    except duckdb.CatalogException:  # a warehouse built before the review queue existed
        return []
    if not rows:
        return []
    lines = [f"\nseen beside {len(rows)} other profile(s); to settle one, add to identity.overrides in cdp.yml:"]
    for other, merge, split in rows:
        lines += [f"  {other}", f"    - {merge}", f"    - {split}"]
    return lines


def explain(warehouse: Path, config: CdpConfig, identifier_type: str, value: str) -> tuple[bool, str]:
    """(found, report) for one identifier."""
    wanted = _normalise(config, identifier_type, value)
    lines: list[str] = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        found = con.sql(
            "select profile_id from cdp.profile_identifiers where identifier_type = ? and identifier_value = ?",
            params=[identifier_type, wanted],
        ).fetchall()
        if not found:
            hits = con.sql(
                "select rule, detail from cdp.identity_rule_hits where identifier_type = ? and identifier_value in (?, ?) "
                "order by rule, detail",
                params=[identifier_type, wanted, value],
            ).fetchall()
            if hits:
                reasons = "; ".join(f"{rule}: {detail}" for rule, detail in hits)
                return True, "\n".join([f"{identifier_type} {wanted} is in no profile: {reasons}",
                                         *_review(con, identifier_type, wanted)])
            copies = _dropped_copies(con, identifier_type, wanted)
            if copies:
                return True, (f"{identifier_type} {wanted} is in no profile: seen only on later copies of events "
                              f"already stored (messageId {', '.join(copies)}); a re-sent messageId is no evidence")
            return False, f"{identifier_type} {wanted} has not been seen"
        profile_id = found[0][0]
        profile = con.sql(
            "select user_id, email, phone, first_name, last_name, first_seen_at, last_seen_at, lifetime_value "
            "from cdp.profiles where profile_id = ?",
            params=[profile_id],
        ).fetchall()[0]
        lines.append(f"profile {profile_id}")
        labels = ["user_id", "email", "phone", "first_name", "last_name", "first_seen_at", "last_seen_at", "lifetime_value"]
        lines += [f"  {label:<15} {item}" for label, item in zip(labels, profile) if item is not None]
        own_hits = con.sql(
            "select rule, detail from cdp.identity_rule_hits where identifier_type = ? and identifier_value = ? "
            "order by rule, detail",
            params=[identifier_type, wanted],
        ).fetchall()
        if own_hits:
            lines.append(f"\n{identifier_type} {wanted}: " + "; ".join(f"{rule}: {detail}" for rule, detail in own_hits))
            lines += _review(con, identifier_type, wanted)

        identifiers = con.sql(
            "select identifier_type, identifier_value, first_seen_at, sources from cdp.profile_identifiers "
            "where profile_id = ? order by first_seen_at, identifier_type, identifier_value",
            params=[profile_id],
        ).fetchall()
        lines.append(f"\nidentifiers ({len(identifiers)}):")
        lines += [f"  {t:<15} {v:<40} first seen {seen}  in {sources}" for t, v, seen, sources in identifiers]

        links = con.sql(
            f"""with mine as (
                    select identifier_type, identifier_value from cdp.profile_identifiers where profile_id = ?
                ),
                observations as (
                    select s.source, s.record_key, s.observed_at, s.identifier_type, s.identifier_value
                    from intermediate.int_identity__identifiers_screened as s
                    join mine using (identifier_type, identifier_value)
                    where s.status = 'ok'
                )
                select min(observed_at), source, record_key,
                    string_agg(identifier_type || ' ' || identifier_value, ' + ' order by identifier_type, identifier_value)
                from observations
                group by source, record_key
                having count(*) > 1
                order by 1, 2, 3
                limit {LINK_LIMIT + 1}""",
            params=[profile_id],
        ).fetchall()
        lines.append("\nlinked by these records (identifiers seen together on one record are one person):")
        lines += [f"  {when}  {source:<20} {key:<40} {ids}" for when, source, key, ids in links[:LINK_LIMIT]]
        if len(links) > LINK_LIMIT:
            lines.append(f"  … and more; showing the first {LINK_LIMIT}")

        kept_out = con.sql(
            """with records as (
                   select distinct s.source, s.record_key
                   from intermediate.int_identity__identifiers_screened as s
                   join cdp.profile_identifiers as p using (identifier_type, identifier_value)
                   where p.profile_id = ? and s.status = 'ok'
               )
               select distinct h.rule, h.identifier_type, h.identifier_value, h.detail
               from intermediate.int_identity__identifiers_screened as s
               join records using (source, record_key)
               join cdp.identity_rule_hits as h
                   on h.identifier_type = s.identifier_type
                   and h.identifier_value = coalesce(s.identifier_value, s.raw_value)
               order by 1, 2, 3""",
            params=[profile_id],
        ).fetchall()
        if kept_out:
            lines.append("\nseen on the same records but kept out by a rule:")
            lines += [f"  {rule:<16} {t:<15} {v:<40} {detail}" for rule, t, v, detail in kept_out]
    return True, "\n".join(lines)
