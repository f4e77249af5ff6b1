"""Which incremental models a change rebuilds from all history: those it is upstream of
(and their group), never because something was added beside or below them."""

from __future__ import annotations

import copy

from orchestration.dbt.model_digests import changed_incremental_models, node_digests


def model(name: str, parents: list[str], materialized: str = "table", sql: str = "", group: str | None = None,
          macros: list[str] | None = None, full_refresh: bool | None = None) -> dict:
    return {
        "resource_type": "model",
        "checksum": {"name": "sha256", "checksum": f"{name}:{sql}"},
        "config": {"enabled": True, "materialized": materialized, "full_refresh": full_refresh,
                   "tags": [], "meta": {"full_refresh_group": group} if group else {}},
        "columns": {},
        "depends_on": {"nodes": parents, "macros": macros or []},
    }


def manifest() -> dict:
    return {
        "nodes": {
            "model.p.stg": model("stg", ["source.p.raw.events"]),
            "model.p.ids_kept": model("ids_kept", ["model.p.stg"], "incremental", group="identity", macros=["macro.p.key"]),
            "model.p.ids_region": model("ids_region", ["model.p.ids_kept"], "incremental", group="identity"),
            "model.p.events": model("events", ["model.p.stg"], "incremental"),
            "model.p.history": model("history", ["model.p.events"], "incremental", full_refresh=False),
        },
        "sources": {
            "source.p.raw.events": {"schema": "raw", "identifier": "events", "columns": {}},
            "source.p.raw.rules": {"schema": "raw", "identifier": "rules", "columns": {}},
        },
        "macros": {"macro.p.key": {"macro_sql": "{% macro key() %}md5(x){% endmacro %}", "depends_on": {"macros": []}}},
    }


def changed(before: dict, after: dict, rules_before=None, rules_after=None) -> set[str]:
    recorded = node_digests(before, rules_before or {}, "engine")
    return set(changed_incremental_models(after, node_digests(after, rules_after or {}, "engine"), recorded))


def test_nothing_changed_rebuilds_nothing():
    assert changed(manifest(), manifest()) == set()


def test_a_new_leaf_model_rebuilds_nothing():
    after = manifest()
    after["nodes"]["model.p.leaf"] = model("leaf", ["model.p.events", "model.p.ids_region"])
    assert changed(manifest(), after) == set()


def test_an_upstream_change_rebuilds_what_reads_it_and_the_group_it_is_in():
    after = manifest()
    after["nodes"]["model.p.stg"]["checksum"]["checksum"] = "stg:edited"
    assert changed(manifest(), after) == {"model.p.ids_kept", "model.p.ids_region", "model.p.events"}


def test_a_change_in_a_group_rebuilds_the_whole_group_and_nothing_beside_it():
    after = manifest()
    after["nodes"]["model.p.ids_region"]["checksum"]["checksum"] = "ids_region:edited"
    assert changed(manifest(), after) == {"model.p.ids_kept", "model.p.ids_region"}


def test_a_changed_macro_rebuilds_the_models_that_call_it():
    after = copy.deepcopy(manifest())
    after["macros"]["macro.p.key"]["macro_sql"] = "{% macro key() %}sha256(x){% endmacro %}"
    assert changed(manifest(), after) == {"model.p.ids_kept", "model.p.ids_region"}


def test_a_changed_rule_rebuilds_the_models_that_read_it():
    before, after = manifest(), manifest()
    for m in (before, after):
        m["nodes"]["model.p.ids_kept"]["depends_on"]["nodes"].append("source.p.raw.rules")
    assert changed(before, after, {"rules": "a"}, {"rules": "b"}) == {"model.p.ids_kept", "model.p.ids_region"}


def test_a_new_incremental_model_is_built_from_all_history_and_history_tables_never_are():
    after = manifest()
    after["nodes"]["model.p.new"] = model("new", ["model.p.stg"], "incremental")
    after["nodes"]["model.p.history"]["checksum"]["checksum"] = "history:edited"
    assert changed(manifest(), after) == {"model.p.new"}
