"""A `cdp run` killed (SIGKILL) at any step of landing: dlt's extract, its normalize, or its
load (a job committed but not yet marked done, or the load recorded but its package not
yet archived). The next run recovers by itself and lands each file exactly once: every
raw table holds what a run never killed holds.

The kill comes from tests/kill_switch/sitecustomize.py, on PYTHONPATH in the killed run only."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from core.config import load_config
from ingestion.sample_data import generate_landing
from tests.conftest import REPO, land, make_workspace
from tests.landed_files import reconcile, warehouse_query

KILL_SWITCH = REPO / "tests" / "kill_switch"
KILL_POINTS = {
    "extract": "dlt.extract.extractors:ArrowExtractor.write_items@3",
    "normalize": "dlt.common.storages.load_storage:LoadStorage.commit_new_load_package",
    "load_job": "dlt.destinations.impl.duckdb.duck:DuckDbCopyJob.run@2",
    "load_recorded": "dlt.destinations.job_client_impl:SqlJobClientBase.complete_load",
}
CONFIG = load_config(REPO / "cdp.yml")


def raw_counts(query) -> dict[str, int]:
    tables = [row[0] for row in query("select table_name from duckdb_tables() where schema_name = 'raw' "
                                      "and not starts_with(table_name, '_dlt')")]
    return {table: query(f'select count(*) from raw."{table}"')[0][0] for table in sorted(tables)}


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    root = tmp_path_factory.mktemp("crash_landing")
    generate_landing(root / "landing", people_count=20, seed=9)
    return root / "landing"


@pytest.fixture(scope="module")
def never_killed(landing, tmp_path_factory) -> dict[str, int]:
    root = tmp_path_factory.mktemp("never_killed")
    shutil.copytree(landing, root / "landing")
    land(root, CONFIG)
    return raw_counts(warehouse_query(root / "w.duckdb"))


def killed_run(tmp_path, landing, kill_point: str):
    """A workspace whose first `cdp run` died at the kill point."""
    workspace = make_workspace(tmp_path)
    shutil.copytree(landing, workspace.landing)
    marker = tmp_path / "killed_at"
    result = workspace.cdp("run", PYTHONPATH=str(KILL_SWITCH), LANDING_TEST_KILL_AFTER=KILL_POINTS[kill_point],
                           LANDING_TEST_KILL_MARKER=str(marker))
    assert result.returncode == -9, result.stderr[-3000:]
    assert marker.read_text() == KILL_POINTS[kill_point]  # it died there, not elsewhere
    return workspace


@pytest.mark.parametrize("kill_point", ["extract", "normalize", "load_recorded"])
def test_the_next_landing_after_a_kill_lands_each_file_once(tmp_path, landing, never_killed, kill_point):
    workspace = killed_run(tmp_path, landing, kill_point)
    again = subprocess.run([sys.executable, "-m", "ingestion.pipeline"], cwd=REPO, env=workspace.env(),
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert raw_counts(workspace.query) == never_killed
    reconcile(workspace.query, workspace.landing, CONFIG)


def test_the_next_cdp_run_after_a_kill_during_the_load_recovers_and_builds(tmp_path, landing, never_killed):
    # the kill lands between a job's insert and dlt marking it done: finishing the package
    # would insert it twice; the next run used to fail on `'NoneType' object has no attribute 'files'`
    workspace = killed_run(tmp_path, landing, "load_job")
    assert sum(raw_counts(workspace.query).values()) > 0  # jobs (whichever dlt ran first) were in before the kill
    again = workspace.cdp("run")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "an earlier landing run was interrupted; recovered" in again.stderr + again.stdout
    assert raw_counts(workspace.query) == never_killed
    reconcile(workspace.query, workspace.landing, CONFIG)
    assert workspace.scalar("select count(*) from cdp.profiles") > 0
