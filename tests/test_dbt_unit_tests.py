"""The dbt unit tests (`unit_tests:` in the yml beside the identity models) pass.

dbt reads the column types of a unit test's inputs from the warehouse, so they run against
the session's warehouse after `cdp run`; they leave nothing there (dbt's temporary
tables only). A target folder of their own keeps the manifest Dagster loads as `cdp run`
left it.
"""

from __future__ import annotations

import json

import dagster as dg

from orchestration.dbt.targets import run_target, run_targets
from tests.conftest import Workspace


def test_the_dbt_unit_tests_pass(workspace: Workspace, tmp_path):
    result = workspace.cdp("dbt", "test", "--select", "test_type:unit", "--target-path", str(tmp_path / "target"))

    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    run = json.loads((tmp_path / "target" / "run_results.json").read_text())
    unit_tests = [r for r in run["results"] if r["unique_id"].startswith("unit_test.")]
    assert len(unit_tests) >= 5, [r["unique_id"] for r in run["results"]]
    assert {r["status"] for r in unit_tests} == {"pass"}


def test_cdp_run_leaves_the_unit_tests_out(workspace: Workspace):
    """The dbt asset's builds in the workspace's runs held models and data tests only:
    `dbt build` would run the unit tests too, and dagster-dbt selects them."""
    with dg.DagsterInstance.from_config(str(workspace.root / "dagster_home")) as instance:
        run_ids = [record.dagster_run.run_id for record in instance.get_run_records()]
    folders = [folder for folder in run_targets() if any(folder.name.startswith(run_target(run_id).name) for run_id in run_ids)]
    results = [json.loads(path.read_text())["results"] for folder in folders if (path := folder / "run_results.json").is_file()]
    assert results, f"no run results of the dbt asset for the runs {run_ids}"
    ran = {result["unique_id"] for run in results for result in run}
    assert any(unique_id.startswith("model.") for unique_id in ran)
    assert not [unique_id for unique_id in ran if unique_id.startswith("unit_test.")]
