"""The Dagster definitions load with every asset, check, schedule and sensor present."""

from __future__ import annotations

import dagster as dg
import pytest

from core.config import load_config
from tests.conftest import REPO

MARTS = ["profiles", "profile_identifiers", "profile_traits", "events", "orders", "pos_transactions",
         "email_events", "support_tickets", "rejected_rows", "identity_rule_hits", "identity_review_queue", "crm_sync_back"]


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
    # and from the privacy requests, which erase people from the landed data before dbt reads it
    assert graph.get(dg.AssetKey(["staging", "stg_segment__event_copies"])).parent_keys == {
        dg.AssetKey(["raw", "events"]), dg.AssetKey(["privacy", "requests"])}
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


def test_privacy_requests_come_before_landing_and_finish_after_publishing(defs):
    graph = defs.resolve_asset_graph()
    assert dg.AssetKey(["privacy", "requests"]) in graph.get(dg.AssetKey(["raw", "events"])).parent_keys
    finished = graph.get(dg.AssetKey(["privacy", "completed"])).parent_keys
    assert {dg.AssetKey(["published", "cdp"]), dg.AssetKey(["exports", "crm_sync_back"])} <= finished
    forget = defs.resolve_job_def("cdp_forget").asset_layer.selected_asset_keys
    assert dg.AssetKey(["privacy", "requests"]) in forget and dg.AssetKey(["cdp", "profiles"]) in forget
    assert not any(key.path[0] == "raw" for key in forget)  # forgetting lands nothing new


def test_schedule_and_sensor_run_the_full_job(defs):
    assert defs.resolve_schedule_def("cdp_daily").job_name == "cdp_full_run"
    assert defs.resolve_sensor_def("cdp_new_landing_files").job_name == "cdp_full_run"
