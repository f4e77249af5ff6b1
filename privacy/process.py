"""Carry out the pending privacy requests: the step that runs before landing in every run.

1. Read request files new in the landing folder (`privacy/requests*.csv`) into requests.
2. Lift the suppressions `cdp unsuppress` asked for.
3. In one transaction: find each person (privacy.resolve), delete their rows everywhere
   (privacy.erase), let the records their removal touches be resolved again
   (privacy.neighbours), suppress their identifiers, and record what was done.
   Before it, the export files are rewritten without them (privacy.files). On Spark, the
   lake's Parquet tables are staged without them in the same step, and replace their
   files once it is committed (privacy.lake).
4. Delete dlt's job files of loaded packages, then rewrite the warehouse into a fresh file
   (privacy.compact).

Nothing is written while there is nothing to do. A run killed at any point leaves either
the state before a step or after it, and the next run takes the requests up where they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from core.config import CdpConfig
from core.privacy import SUPPRESSIONS, check_key, install_keyed_hash, keyed_hash_sql, load_key
from core.settings import Settings
from core.warehouse_lock import connect
from privacy import erase, files, lake, neighbours, resolve
from privacy.compact import compact, needs_compaction
from privacy.landing_requests import record_new_files, request_files, unread
from privacy.store import COMPLETED, ERASED, PENDING, REQUESTS, ensure_tables, has_requests_table
from privacy.unsuppress import lift


@dataclass
class Outcome:
    """What one step did, for the run's metadata (ids and counts, no values)."""

    received: int = 0  # requests read from the landing folder
    invalid: list[tuple[str, str]] = field(default_factory=list)  # (request id, error), new this run
    erased: list[str] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)  # needed no erasure: not found, suppress only, unsuppress
    compacted: int = 0
    export_rows_removed: int = 0
    job_files_deleted: int = 0
    lake_tables_rewritten: int = 0  # on Spark: the lake's Parquet tables that held a forgotten row
    left_pending: str | None = None  # on Spark: why the requests wait (privacy.lake.not_erasable_here)


def _has_work(settings: Settings) -> bool:
    """New request files, pending requests, or an erasure not yet compacted (read-only)."""
    found = request_files(settings.landing_dir)
    if settings.engine == "spark" and lake.has_staged(settings.lake_dir):
        return True
    if not settings.warehouse.exists():
        return bool(found)
    with connect(settings.warehouse, read_only=True, wait_seconds=settings.lock_wait_seconds, what="privacy") as con:
        if unread(con, found):
            return True
        if not has_requests_table(con):
            return False
        return bool(con.sql(f"select count(*) from {REQUESTS} where status in ('{PENDING}', '{ERASED}')").fetchall()[0][0])


def process(settings: Settings, config: CdpConfig, settle_staged: Callable[[], None] = lambda: None) -> Outcome:
    """Carry out every pending request. `settle_staged` first settles what a killed landing
    left staged (its rows may be a forgotten person's)."""
    outcome = Outcome()
    if not _has_work(settings):
        return outcome
    settle_staged()
    key = load_key(settings.data_dir)
    with connect(settings.warehouse, wait_seconds=settings.lock_wait_seconds, what="privacy") as con:
        ensure_tables(con, key)
        check_key(con, key)
        install_keyed_hash(con, key)
        new = record_new_files(con, settings.landing_dir, config.identity, key)
        outcome.received = len(new)
        outcome.invalid = [(r.request_id, r.error) for r in new if r.error]
        spark = settings.engine == "spark"
        if spark:  # a swap a killed run left: finished if its erasure was committed, else dropped
            lake.finish(con, settings.lake_dir)
            outcome.left_pending = lake.not_erasable_here(con, settings.dbt_target)
            if outcome.left_pending:
                # never `erased` while a copy may hold the person: the run's every_request_completed
                # check fails, and says so, until a run can carry them out
                return outcome
        con.sql("begin")
        outcome.completed += lift(con)
        if resolve.resolve(con):
            outcome.export_rows_removed = sum(files.scrub_exports(settings.export_dir, files.person_tokens(con)).values())
            _erase(con, config, outcome)
            if spark and outcome.erased:
                outcome.lake_tables_rewritten = lake.stage_erasure(con, settings.lake_dir, *_sources(config))
        con.sql("commit")
        if spark:
            lake.finish(con, settings.lake_dir)
        must_compact = needs_compaction(con)
    # before the compaction that marks the requests `compacted`: a run killed after it finds
    # nothing left to do here, and would never delete the job files that hold the people
    outcome.job_files_deleted = files.delete_job_files(settings.dlt_pipelines_dir)
    if must_compact:
        outcome.compacted = compact(settings.warehouse, settings.lock_wait_seconds)
    return outcome


def _sources(config: CdpConfig) -> tuple[set[str], list[str]]:
    """The sources (raw tables of their own), and the Segment ones among them."""
    return set(config.sources), [name for name, source in config.sources.items() if source.format == "segment"]


def _erase(con: duckdb.DuckDBPyConnection, config: CdpConfig, outcome: Outcome) -> None:
    sources, segment_sources = _sources(config)
    anyone = con.sql("select (select count(*) from pv_profiles) + (select count(*) from pv_erase) "
                     "+ (select count(*) from pv_records where erasing)").fetchall()[0][0]
    erased = erase.Erased()
    if anyone:  # a value never seen, or suppress only: nothing is written but the request
        neighbours.reobserve(con)
        erased = erase.erase(con, sources, segment_sources)
    con.sql(f"""
        insert into {SUPPRESSIONS}
        select identifier_type, identifier_hash, min(request_id), now()::timestamp, null, null from (
            select s.identifier_type, {keyed_hash_sql('s.identifier_type', 's.identifier_value')} as identifier_hash,
                s.request_id
            from pv_suppress as s
        ) as new
        where not exists (select 1 from {SUPPRESSIONS} as k where k.lifted_at is null
                          and k.identifier_type = new.identifier_type and k.identifier_hash = new.identifier_hash)
        group by identifier_type, identifier_hash
    """)
    rows = []
    noted = _noted(con)
    for request_id, status, outcome_text, counts in _request_outcomes(con):
        rows.append({
            "request_id": request_id, "status": status, "outcome": outcome_text,
            **dict(zip(("profiles_found", "identifiers_found", "identifiers_suppressed", "identifiers_kept",
                        "records_erased"), counts)),
            "rows_deleted": erase.as_json(erased.rows.get(request_id, {})),
            "landed_files": erase.as_json(erased.files.get(request_id, {})),
            "notices": erase.as_json(erased.notices.get(request_id, {})),
            "notes": OVERRIDES_NOTE if request_id in noted else None,
        })
        (outcome.erased if status == ERASED else outcome.completed).append(request_id)
    con.register("pv_outcomes", pa.Table.from_pylist(rows))
    con.sql(f"""
        update {REQUESTS} as r set status = o.status, outcome = o.outcome, profiles_found = o.profiles_found,
            identifiers_found = o.identifiers_found, identifiers_suppressed = o.identifiers_suppressed,
            identifiers_kept = o.identifiers_kept, records_erased = o.records_erased, rows_deleted = o.rows_deleted,
            landed_files = o.landed_files, notices = o.notices, notes = o.notes,
            erased_at = case when o.status = '{ERASED}' then now()::timestamp end,
            completed_at = case when o.status = '{COMPLETED}' then now()::timestamp end
        from pv_outcomes as o where r.request_id = o.request_id
    """)
    con.unregister("pv_outcomes")


def _request_outcomes(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, list[int]]]:
    """(request id, status, outcome, [profiles, identifiers, suppressed, kept, records]) per request."""
    rows = con.sql("""
        select r.request_id, r.kind,
            (select count(*) from pv_found as f where f.request_id = r.request_id) as found,
            (select count(*) from pv_current as c where c.request_id = r.request_id),
            (select count(*) from pv_candidates as c where c.request_id = r.request_id),
            (select count(*) from pv_suppress as s where s.request_id = r.request_id),
            (select count(*) from pv_kept as k where k.request_id = r.request_id),
            (select count(*) from pv_records as k where k.request_id = r.request_id and k.erasing)
        from pv_requests as r order by r.request_id
    """).fetchall()
    outcomes = []
    for request_id, kind, found, *counts in rows:
        if not found:
            outcomes.append((request_id, COMPLETED, "not found", [0, 0, 0, 0, 0]))
        elif kind == "suppress_only":
            outcomes.append((request_id, COMPLETED, "suppressed", counts))
        else:
            outcomes.append((request_id, ERASED, "erased" if kind == "delete_only" else "erased and suppressed", counts))
    return outcomes


OVERRIDES_NOTE = "cdp.yml identity.overrides names an identifier of this person: remove it there, or every run lands it again"


def _noted(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Requests whose person cdp.yml names (an override): the CDP cannot erase that itself."""
    try:
        return {row[0] for row in con.sql(
            """select distinct e.request_id from raw.identity_overrides as o inner join pv_erase as e
            on (o.type_a = e.identifier_type and o.value_a = e.identifier_value)
            or (o.type_b = e.identifier_type and o.value_b = e.identifier_value)"""
        ).fetchall()}
    except duckdb.CatalogException:
        return set()
