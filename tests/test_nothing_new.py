"""A run with nothing new rebuilds only what moves with the clock; any new row or rule
brings back the full build. Landed rows are validated once, not on every run."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.dbt.targets import RUN_TARGET_PREFIX
from tests.conftest import REPO, Workspace, copy_project, make_workspace, shipped_config
from tests.test_segments import members, write_orders

CLOCK_ONLY = "building only `tag:moves_with_clock+`"


def days_ago(days: int) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def latest_metadata(workspace, key: list[str]) -> dict:
    with dg.DagsterInstance.from_config(str(workspace.root / "dagster_home")) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey(key))
        return {k: v.value for k, v in event.asset_materialization.metadata.items()}


def latest_check_metadata(workspace, key: list[str], check: str) -> dict:
    with dg.DagsterInstance.from_config(str(workspace.root / "dagster_home")) as instance:
        record = instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(dg.AssetKey(key), check), limit=1
        )[0]
        return {k: v.value for k, v in record.event.asset_check_evaluation.metadata.items()}


def check_events(workspace) -> tuple[set, set]:
    """The asset checks the latest run planned, and those it evaluated."""
    with dg.DagsterInstance.from_config(str(workspace.root / "dagster_home")) as instance:
        run = instance.get_runs(limit=1)[0]
        planned, evaluated = set(), set()
        for record in instance.all_logs(run.run_id):
            event = record.dagster_event
            if event and event.event_type_value == "ASSET_CHECK_EVALUATION_PLANNED":
                planned.add((event.event_specific_data.asset_key, event.event_specific_data.check_name))
            if event and event.event_type_value == "ASSET_CHECK_EVALUATION":
                evaluated.add((event.event_specific_data.asset_key, event.event_specific_data.check_name))
    return planned, evaluated


class PrivateProjectWorkspace(Workspace):
    """A workspace whose runs use a copy of the dbt project (and `core`, which names it):
    dbt's target folder, and the parse state kept there, are this test's alone, whatever
    other tests run beside it."""

    @property
    def target(self) -> Path:
        return self.root / "checkout" / "dbt_project" / "target"

    def env(self, **overrides: str) -> dict[str, str]:
        return super().env(PYTHONPATH=str(self.root / "checkout"), **overrides)


def private_project_workspace(root: Path) -> PrivateProjectWorkspace:
    workspace = PrivateProjectWorkspace(make_workspace(root).root)
    checkout = root / "checkout"
    copy_project(checkout)
    workspace.target.mkdir()
    shutil.copy(REPO / "dbt_project" / "target" / "manifest.json", workspace.target / "manifest.json")
    return workspace


def test_a_run_with_nothing_new_rebuilds_only_what_moves_with_the_clock(tmp_path):
    workspace = private_project_workspace(tmp_path)
    write_orders(workspace, "orders_1.jsonl", [
        {"order_id": "o1", "email": "ann@mail.org", "total": 600, "created_at": days_ago(400)},
        {"order_id": "o2", "email": "bo@mail.org", "total": 20, "created_at": days_ago(2)},
    ])
    first = workspace.cdp("run")
    assert first.returncode == 0, first.stderr[-3000:]
    assert CLOCK_ONLY not in first.stdout + first.stderr
    check = ["raw", "shop_orders"], "orders_have_ids_and_non_negative_totals"
    assert latest_check_metadata(workspace, *check)["rows_validated"] == 2
    profiles = workspace.query("select * from cdp.profiles order by profile_id")

    before = set(workspace.target.glob(f"{RUN_TARGET_PREFIX}*"))
    again = workspace.cdp("run")
    assert again.returncode == 0, again.stderr[-3000:]
    assert CLOCK_ONLY in again.stdout + again.stderr
    # the first run's parse of the project, for this warehouse, is the one dbt starts from
    (invocation,) = set(workspace.target.glob(f"{RUN_TARGET_PREFIX}*")) - before
    assert "Unable to do partial parsing" not in (invocation / "dbt.log").read_text()
    assert workspace.query("select * from cdp.profiles order by profile_id") == profiles
    # quiet: no warning, a result for every check, and the metadata the UI showed kept
    assert "emitted no result" not in again.stdout + again.stderr
    # (sources this test lands nothing for are reported stale: a finding, not noise)
    assert not [line for line in (again.stdout + again.stderr).splitlines()
                if "WARNING" in line and not line.endswith('freshness {"last_loaded_at": "never"}')]
    planned, evaluated = check_events(workspace)
    assert planned == evaluated and len(planned) > 50
    kept = latest_metadata(workspace, ["cdp", "profiles"])
    assert "unchanged" in kept
    assert kept["dagster/row_count"] == kept["profiles"] == len(profiles)
    assert "unchanged" in latest_check_metadata(workspace, ["cdp", "profiles"], "unique_profiles_profile_id")
    assert latest_metadata(workspace, ["cdp", "segments"])["dagster/row_count"] > 0  # rebuilt, and counted
    assert "unchanged" not in latest_metadata(workspace, ["cdp", "segments"])  # rebuilt against the clock
    assert latest_check_metadata(workspace, *check)["rows_validated"] == 0  # validated once, when landed
    assert members(workspace, "high_value") == {"ann@mail.org"}
    with duckdb.connect(str(workspace.root / "published" / "cdp_published.duckdb"), read_only=True) as con:
        assert con.sql("select * from cdp.profiles order by profile_id").fetchall() == profiles
        assert con.sql("select count(*) from cdp.segment_memberships").fetchall() == workspace.query(
            "select count(*) from cdp.segment_memberships")
        manifest = dict(con.sql("select table_name, row_count from cdp._manifest").fetchall())
    assert manifest["profiles"] == len(profiles)

    # a model's table dropped by hand is rebuilt: the shortcut needs every table there
    with duckdb.connect(str(workspace.warehouse)) as con:
        con.sql("drop table cdp.sessions")
    rebuilt = workspace.cdp("run")
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
    assert CLOCK_ONLY not in rebuilt.stdout + rebuilt.stderr
    assert workspace.scalar("select count(*) from duckdb_tables() where schema_name = 'cdp' and table_name = 'sessions'") == 1

    # a rule changes: the whole graph is rebuilt under it, on the same rows
    config = shipped_config()
    config["identity"]["blocked_values"].append("bo@mail.org")
    ruled = workspace.cdp("run", CDP_CONFIG=workspace.write_config(config))
    assert ruled.returncode == 0, ruled.stderr[-3000:]
    assert CLOCK_ONLY not in ruled.stdout + ruled.stderr
    assert workspace.scalar("select count(*) from cdp.profile_identifiers where identifier_value = 'bo@mail.org'") == 0

    # a new row: the full build again, and only the new row is validated
    write_orders(workspace, "orders_2.jsonl", [
        {"order_id": "o3", "email": "cy@mail.org", "total": 900, "created_at": days_ago(1)},
    ])
    new = workspace.cdp("run", CDP_CONFIG=workspace.write_config(config))
    assert new.returncode == 0, new.stderr[-3000:]
    assert CLOCK_ONLY not in new.stdout + new.stderr
    assert members(workspace, "high_value") == {"ann@mail.org", "cy@mail.org"}
    assert latest_check_metadata(workspace, *check)["rows_validated"] == 1
