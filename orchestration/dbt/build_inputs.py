"""Everything a dbt build's result depends on, read from the warehouse and the manifest.

A daily run with nothing new would otherwise rebuild every model to get the same tables.
The inputs are the landed rows, the rules `cdp.yml` lands beside them and the dbt
project itself; when they match the last successful full build, only the models tagged
`moves_with_clock` (segments with relative windows, and what reads them) can differ,
and only those are built.

Incremental models add only what landed since their last build, which equals a rebuild
only while their definition and everything upstream of it stay the same
(model_digests): each full build records every incremental model's digest, and the
next build rebuilds from all history just those whose digest changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.sql import quote
from core.warehouse_lock import connect
from orchestration.dbt.build_plan import BuildFacts
from orchestration.dbt.model_digests import changed_incremental_models, incremental_models, node_digests, project_digest

LANDING_SCHEMA = "raw"
STATE_SCHEMA = "ops"
BUILDS_TABLE = f"{STATE_SCHEMA}.full_dbt_builds"
DEFINITIONS_TABLE = f"{STATE_SCHEMA}.incremental_model_definitions"


@dataclass(frozen=True)
class BuildInputs:
    """What a full build records: the landed data and project as one fingerprint, and
    each incremental model's definition."""

    inputs: str
    definitions: dict[str, str]


def _replaced_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Tables dlt replaces on every load (the rules from cdp.yml), from its stored schema."""
    rows = con.sql(
        f"select schema from {LANDING_SCHEMA}._dlt_version order by inserted_at desc limit 1"
    ).fetchall()
    if not rows:
        return set()
    tables = json.loads(rows[0][0])["tables"]
    return {name for name, table in tables.items() if table.get("write_disposition") == "replace"}


def _landed_digest(con: duckdb.DuckDBPyConnection, replaced: set[str]) -> list:
    """Per landed table: row count and latest landing for appended data; the content
    itself for the small tables replaced on each load, whose load ids always change."""
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


def _digest(payload: object) -> str:
    return hashlib.sha256(json.dumps(payload, default=str).encode()).hexdigest()


def landed_fingerprint(warehouse: Path, lock_wait: float) -> str | None:
    """One digest of every landed table (its rows, as _landed_digest counts them), which
    changes when anything lands; None while nothing has."""
    try:
        with connect(warehouse, read_only=True, wait_seconds=lock_wait, what="what landed") as con:
            return _digest(_landed_digest(con, _replaced_tables(con)))
    except duckdb.CatalogException:
        return None


def _engine(manifest: dict) -> str:
    # a kept table may hold values only these versions compute the same way (the identity
    # models' hashes)
    return f"duckdb {duckdb.__version__}, dbt {manifest['metadata'].get('dbt_version')}"


def read_inputs(con: duckdb.DuckDBPyConnection, manifest: dict) -> BuildInputs | None:
    """The build's inputs, or None while nothing has landed."""
    if not con.sql("select count(*) from duckdb_tables() where schema_name = ?", params=[LANDING_SCHEMA]).fetchall()[0][0]:
        return None
    replaced = _replaced_tables(con)
    landed = _landed_digest(con, replaced)
    rules = {table: _digest(rest) for table, *rest in landed if table in replaced}
    digests = node_digests(manifest, rules, _engine(manifest))
    definitions = {unique_id: digests[unique_id] for unique_id in incremental_models(manifest)}
    return BuildInputs(_digest({"landed": landed, "project": project_digest(digests)}), definitions)


def _relations(manifest: dict) -> set[tuple[str, str]]:
    nodes = manifest["nodes"].values()
    return {(n["schema"], n["alias"]) for n in nodes if n["resource_type"] == "model" and n["config"]["enabled"]}


def _table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, table = qualified.split(".")
    return con.sql("select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
                   params=[schema, table]).fetchall()[0][0] > 0


def _last_inputs(con: duckdb.DuckDBPyConnection) -> str | None:
    if not _table_exists(con, BUILDS_TABLE):
        return None
    rows = con.sql(f"select inputs from {BUILDS_TABLE} order by built_at desc limit 1").fetchall()
    return rows[0][0] if rows else None


def _recorded_definitions(con: duckdb.DuckDBPyConnection) -> dict[str, str] | None:
    """Each incremental model's definition at the last full build, or None if none is
    recorded (a first build, or one by a version that did not record them)."""
    if not _table_exists(con, DEFINITIONS_TABLE):
        return None
    return dict(con.sql(f"select unique_id, definition from {DEFINITIONS_TABLE}").fetchall()) or None


def read_facts(warehouse: Path, manifest: dict, whole_project: bool,
               lock_wait: float) -> tuple[BuildFacts, BuildInputs | None]:
    """The facts a build plan is made from, and the inputs a full build records."""
    if not warehouse.exists():
        return BuildFacts(), None
    with connect(warehouse, read_only=True, wait_seconds=lock_wait, what="dbt build inputs") as con:
        inputs = read_inputs(con, manifest)
        if inputs is None:
            return BuildFacts(), None
        recorded = _recorded_definitions(con)
        unchanged = whole_project and _last_inputs(con) == inputs.inputs and _relations(manifest) <= set(con.sql(
            "select schema_name, table_name from duckdb_tables() union all select schema_name, view_name from duckdb_views()"
        ).fetchall())
    changed = None if recorded is None else changed_incremental_models(manifest, inputs.definitions, recorded)
    return BuildFacts(changed_models=changed, inputs_unchanged=unchanged), inputs


def record_full_build(warehouse: Path, inputs: BuildInputs | None, run_id: str, lock_wait: float) -> None:
    """After a successful build of the whole project: what the next build is measured against."""
    if inputs is None:
        return
    with connect(warehouse, wait_seconds=lock_wait, what="recording the dbt build") as con:
        con.sql("begin transaction")
        con.sql(f"create schema if not exists {STATE_SCHEMA}")
        con.sql(f"create or replace table {BUILDS_TABLE} (inputs varchar, run_id varchar, built_at timestamp)")
        con.execute(f"insert into {BUILDS_TABLE} values (?, ?, current_timestamp)", [inputs.inputs, run_id]).fetchall()
        con.sql(f"create or replace table {DEFINITIONS_TABLE} (unique_id varchar, definition varchar)")
        if inputs.definitions:
            con.executemany(f"insert into {DEFINITIONS_TABLE} values (?, ?)", sorted(inputs.definitions.items()))
        con.sql("commit")
