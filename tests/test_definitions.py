"""The Dagster definitions load with every asset, check, schedule and sensor present."""

from __future__ import annotations

import dagster as dg
import pytest

from core.config import load_config
from tests.conftest import REPO

MARTS = ["profiles", "profile_identifiers", "profile_traits", "events", "orders", "pos_transactions",
         "email_events", "support_tickets", "rejected_rows", "identity_rule_hits", "crm_sync_back"]


@pytest.fixture(scope="module")
def defs(tmp_path_factory, monkeypatch_module):
    root = tmp_path_factory.mktemp("defs")
    monkeypatch_module.setenv("CDP_WAREHOUSE", str(root / "w.duckdb"))
    monkeypatch_module.setenv("CDP_LANDING_DIR", str(root / "landing"))
    monkeypatch_module.setenv("CDP_CONFIG", str(REPO / "cdp.yml"))
    from orchestration.definitions import defs

    return defs()


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_every_source_and_mart_is_an_asset(defs):
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    for source in load_config(REPO / "cdp.yml").sources:
        assert f"raw/{source}" in keys
    for table in ("identifiers", "traits", "rejected_rows"):
        assert f"raw/{table}" in keys
    for mart in MARTS:
        assert f"cdp/{mart}" in keys
    for destination in load_config(REPO / "cdp.yml").destinations:
        assert f"exports/{destination}" in keys


def test_exports_follow_the_marts_they_send(defs):
    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey(["exports", "ads_high_value"])).parent_keys == {
        dg.AssetKey(["cdp", "profiles"]), dg.AssetKey(["cdp", "segment_memberships"])
    }
    assert graph.get(dg.AssetKey(["exports", "crm_sync_back"])).parent_keys == {dg.AssetKey(["cdp", "crm_sync_back"])}


def test_dbt_sources_hang_from_the_landing_assets(defs):
    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey(["staging", "stg_segment__event_copies"])).parent_keys == {dg.AssetKey(["raw", "events"])}
    assert dg.AssetKey(["raw", "identifiers"]) in graph.get(dg.AssetKey(["staging", "stg_cdp__identifiers"])).parent_keys
    # nothing dangles: every asset's parents are assets this code location materializes
    materializable = {k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable}
    for key in materializable:
        assert graph.get(key).parent_keys <= materializable, key


def test_dbt_tests_are_asset_checks(defs):
    checks = {(c.asset_key.to_user_string(), c.name) for c in defs.resolve_asset_graph().asset_check_keys}
    assert ("cdp/profiles", "unique_profiles_profile_id") in checks
    assert any(asset == "cdp/profile_identifiers" and name.startswith("unique_") for asset, name in checks)


def test_every_warehouse_writer_is_in_the_one_pool(defs):
    graph = defs.resolve_asset_graph()
    pools = {graph.get(k).pools and tuple(graph.get(k).pools) for k in graph.get_all_asset_keys() if graph.get(k).is_materializable}
    assert pools == {("duckdb_warehouse",)}


def test_schedule_and_sensor_run_the_full_job(defs):
    assert defs.resolve_schedule_def("cdp_daily").job_name == "cdp_full_run"
    assert defs.resolve_sensor_def("cdp_new_landing_files").job_name == "cdp_full_run"


def test_a_manifest_parsed_by_hand_after_cdp_is_parsed_again(tmp_path, monkeypatch):
    """`dbt compile` run by hand rewrites the manifest without CDP_SQL_SEGMENTS."""
    import os
    import time
    from types import SimpleNamespace

    from orchestration.dbt.project import _manifest_is_stale

    monkeypatch.setenv("CDP_SQL_SEGMENTS", "at_risk_high_value")
    project = SimpleNamespace(manifest_path=tmp_path / "manifest.json")
    project.manifest_path.write_text("{}")
    inputs = tmp_path / "cdp_parse_inputs.txt"
    inputs.write_text("CDP_SQL_SEGMENTS=at_risk_high_value")
    now = time.time() + 60  # later than every file of the project
    os.utime(project.manifest_path, (now, now))
    os.utime(inputs, (now + 1, now + 1))
    assert not _manifest_is_stale(project)

    os.utime(project.manifest_path, (now + 2, now + 2))
    assert _manifest_is_stale(project)
