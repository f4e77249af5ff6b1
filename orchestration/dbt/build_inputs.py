"""Everything a full dbt build's result depends on, as one fingerprint.

A daily run with nothing new would otherwise rebuild every model from all history to
get the same tables. The inputs are the landed rows, the rules `cdp.yml` lands beside
them and the dbt project itself; when they match the last successful full build, only
the models tagged `moves_with_clock` (segments with relative windows, and what reads
them) can differ, and only those are built.

The rules, the project and DuckDB's version are the build's definition. Incremental models add only
what landed since their last build, which equals a rebuild only while the definition
stays the same: when it changed, the build runs with `--full-refresh`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb

from core.sql import quote
from orchestration.dbt.build_plan import BuildFacts

LANDING_SCHEMA = "raw"
STATE_TABLE = "ops.full_dbt_builds"


def _project_digest(manifest: dict) -> str:
    # without metadata: parse time and invocation id change on every parse
    project = {key: value for key, value in manifest.items() if key != "metadata"}
    return hashlib.sha256(json.dumps(project, sort_keys=True).encode()).hexdigest()


def _replaced_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Tables dlt replaces on every load (the rules from cdp.yml), from its stored schema."""
    rows = con.sql(
        f"select schema from {LANDING_SCHEMA}._dlt_version order by inserted_at desc limit 1"
    ).fetchall()
    if not rows:
        return set()
    tables = json.loads(rows[0][0])["tables"]
    return {name for name, table in tables.items() if table.get("write_disposition") == "replace"}


def _landed_digest(con: duckdb.DuckDBPyConnection) -> list:
    """Per landed table: row count and latest landing for appended data; the content
    itself for the small tables replaced on each load, whose load ids always change."""
    replaced = _replaced_tables(con)
    digest = []
    for (table,) in con.sql(
        "select table_name from duckdb_tables() where schema_name = ? and table_name not like '\\_dlt%' escape '\\' "
        "order by 1",
        params=[LANDING_SCHEMA],
    ).fetchall():
        name = f"{LANDING_SCHEMA}.{quote(table)}"
        if table in replaced:
            query = (f"select count(*), md5(coalesce(string_agg(cast(t as varchar), '|' order by cast(t as varchar)), '')) "
                     f"from (select * exclude (_dlt_load_id, _dlt_id) from {name}) as t")
        else:
            columns = {c for (c,) in con.sql(
                "select column_name from duckdb_columns() where schema_name = ? and table_name = ?",
                params=[LANDING_SCHEMA, table],
            ).fetchall()}
            latest = "cast(max(_cdp_loaded_at) as varchar)" if "_cdp_loaded_at" in columns else "null"
            query = f"select count(*), {latest} from {name}"
        digest.append([table, *con.sql(query).fetchall()[0]])
    return digest


def _digest(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, default=str).encode()).hexdigest()


def fingerprint(warehouse: Path, manifest: dict) -> tuple[str, str] | None:
    """(inputs, definition) fingerprints, or None while nothing has landed. The
    definition leaves out the appended data: the rules and the project only."""
    if not warehouse.exists():
        return None
    with duckdb.connect(str(warehouse), read_only=True) as con:
        if not con.sql("select count(*) from duckdb_tables() where schema_name = ?", params=[LANDING_SCHEMA]).fetchall()[0][0]:
            return None
        landed = _landed_digest(con)
        replaced = _replaced_tables(con)
    # the engine too: a kept table may hold values only this version computes the same
    # way (the identity models' hashes)
    project = _digest({"project": _project_digest(manifest), "engine": duckdb.__version__})
    rules = [entry for entry in landed if entry[0] in replaced]
    return _digest({"landed": landed, "project": project}), _digest({"rules": rules, "project": project})


def _relations(manifest: dict) -> set[tuple[str, str]]:
    nodes = manifest["nodes"].values()
    return {(n["schema"], n["alias"]) for n in nodes if n["resource_type"] == "model" and n["config"]["enabled"]}


def _last_full_build(con: duckdb.DuckDBPyConnection) -> tuple[str, str, str | None] | None:
    """(inputs, run_id, definition) of the last successful full build, if one was recorded."""
    schema, table = STATE_TABLE.split(".")
    columns = {c for (c,) in con.sql("select column_name from duckdb_columns() where schema_name = ? and table_name = ?",
                                     params=[schema, table]).fetchall()}
    if not columns:
        return None
    definition = "definition" if "definition" in columns else "null"  # recorded by older versions without it
    rows = con.sql(f"select inputs, run_id, {definition} from {STATE_TABLE} order by built_at desc limit 1").fetchall()
    return rows[0] if rows else None


def unchanged_since_last_full_build(warehouse: Path, manifest: dict, inputs: str | None) -> bool:
    """True when the last successful full build had these very inputs and every model's
    relation is still there (nobody dropped one by hand since)."""
    if inputs is None:
        return False
    with duckdb.connect(str(warehouse), read_only=True) as con:
        last = _last_full_build(con)
        present = set(con.sql(
            "select schema_name, table_name from duckdb_tables() union all select schema_name, view_name from duckdb_views()"
        ).fetchall())
    return last is not None and last[0] == inputs and _relations(manifest) <= present


def definition_changed(warehouse: Path, definition: str | None) -> bool:
    """True unless the last successful full build had this very definition: then the
    incremental models hold what a rebuild would, and may just add what is new."""
    if definition is None or not warehouse.exists():
        return True
    with duckdb.connect(str(warehouse), read_only=True) as con:
        last = _last_full_build(con)
    return last is None or last[2] != definition


def read_facts(warehouse: Path, manifest: dict, whole_project: bool) -> tuple[BuildFacts, str | None, str | None]:
    """The facts a build plan is made from, and the (inputs, definition) fingerprints a
    full build records."""
    inputs, definition = fingerprint(warehouse, manifest) or (None, None)
    facts = BuildFacts(
        definition_changed=definition_changed(warehouse, definition),
        inputs_unchanged=whole_project and unchanged_since_last_full_build(warehouse, manifest, inputs),
    )
    return facts, inputs, definition


def record_full_build(warehouse: Path, inputs: str | None, definition: str | None, run_id: str) -> None:
    if inputs is None:
        return
    with duckdb.connect(str(warehouse)) as con:
        con.sql(f"create schema if not exists {STATE_TABLE.split('.')[0]}")
        con.sql(f"create table if not exists {STATE_TABLE} (inputs varchar, run_id varchar, built_at timestamp)")
        con.sql(f"alter table {STATE_TABLE} add column if not exists definition varchar")
        con.sql(f"delete from {STATE_TABLE}")  # only the last build matters
        con.execute(f"insert into {STATE_TABLE} (inputs, run_id, built_at, definition) values (?, ?, current_timestamp, ?)",
                    [inputs, run_id, definition]).fetchall()
