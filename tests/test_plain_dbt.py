"""Plain dbt beside cdp, as an analytics engineer runs it: no CDP_* environment, a partial
selection, a model of their own. dbt finds the warehouse from the project folder or the
repository root, a partial build never damages a history table, and a new leaf model
does not rebuild the identity tables from all history.

The tests work on a checkout of their own (the dbt project and `core` copied, the other
packages linked) with the default layout, `data/` beside `dbt_project/`, so that they
can add a model and run dbt with nothing set."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from ingestion.sample_data import generate_landing
from orchestration.dbt.project import dbt_executable
from tests.conftest import CDP, REPO, copy_project

LINKED = ("cdp", "orchestration", "ingestion", "quality", "activation", "server", "privacy")
FULL_REFRESH = "rebuilt from all history"


@dataclass
class Checkout:
    root: Path

    @property
    def warehouse(self) -> Path:
        return self.root / "data" / "warehouse.duckdb"

    def env(self) -> dict[str, str]:
        """Nothing of cdp's set: the defaults, relative to the checkout."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CDP_", "DAGSTER_", "DBT_"))}
        return {**env, "PYTHONPATH": str(self.root)}

    def cdp(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(CDP), *args], cwd=self.root, env=self.env(), capture_output=True, text=True, timeout=900)

    def dbt(self, *args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run([dbt_executable(), *args], cwd=cwd, env={**self.env(), **env}, capture_output=True,
                              text=True, timeout=600)

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.sql(sql).fetchall()


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Checkout:
    root = tmp_path_factory.mktemp("checkout")
    copy_project(root)
    shutil.copy(REPO / "cdp.yml", root / "cdp.yml")
    for package in LINKED:
        (root / package).symlink_to(REPO / package)
    generate_landing(root / "data" / "landing", people_count=200, seed=3)
    checkout = Checkout(root)
    result = checkout.cdp("run")
    assert result.returncode == 0, result.stderr[-4000:]
    return checkout


def segment_state(checkout: Checkout) -> dict:
    return {
        "segments": checkout.query("select name, kind, size from cdp.segments order by name"),
        "members": checkout.query("select segment, count(*) from cdp.segment_memberships group by 1 order by 1"),
        "stays": checkout.query("select segment, count(*), count(exited_at) from cdp.segment_membership_history "
                                "group by 1 order by 1"),
    }


def test_a_plain_dbt_build_of_profiles_and_downstream_keeps_every_segment_and_its_history(checkout):
    before = segment_state(checkout)
    assert ("at_risk_high_value", "sql") in {(name, kind) for name, kind, _ in before["segments"]}
    assert dict(before["members"])["at_risk_high_value"] > 0
    result = checkout.dbt("build", "--select", "profiles+", "--project-dir", "dbt_project", "--profiles-dir",
                          "dbt_project", cwd=checkout.root)
    assert result.returncode == 0, result.stdout[-4000:]
    assert segment_state(checkout) == before  # nobody left a segment: no stay closed, the SQL one kept


def test_a_build_that_cannot_see_the_segment_definitions_closes_no_stay_of_theirs(checkout, tmp_path):
    """Landed definitions gone (the raw dataset dropped to land again, say): which
    declarative segments exist is unknown, so none of their members left them."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(checkout.warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.sql("drop table raw.segment_definitions")
        stays = con.sql("select segment, count(*), count(exited_at) from cdp.segment_membership_history "
                        "group by 1 order by 1").fetchall()
    result = checkout.dbt("build", "--select", "stg_cdp__segment_definitions", "segment_membership_history",
                          cwd=checkout.root / "dbt_project", CDP_WAREHOUSE=str(warehouse))
    assert result.returncode == 0, result.stdout[-4000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.sql("select segment, count(*), count(exited_at) from cdp.segment_membership_history "
                       "group by 1 order by 1").fetchall() == stays


def test_plain_dbt_in_the_project_folder_finds_the_warehouse_beside_it(checkout):
    profiles = checkout.query("select count(*) from cdp.profiles")[0][0]
    result = checkout.dbt("show", "--inline", "select count(*) as n from cdp.profiles", "--output", "json",
                          "--log-format", "json", cwd=checkout.root / "dbt_project")
    assert result.returncode == 0, result.stdout[-4000:]
    shown = [json.loads(line)["data"] for line in result.stdout.splitlines() if '"preview"' in line]
    assert json.loads(shown[0]["preview"]) == [{"n": profiles}]
    assert not (checkout.root / "dbt_project" / "data").exists()


def identity_builds(checkout: Checkout) -> list[bool]:
    """Per build of the identity graph, oldest first: was it incremental."""
    return [row[0] for row in checkout.query(
        "select was_incremental from intermediate.int_identity__resolutions order by resolved_at")]


def test_a_new_leaf_model_does_not_rebuild_the_identity_tables_but_a_changed_identity_model_does(checkout):
    builds = identity_builds(checkout)
    leaf = checkout.root / "dbt_project" / "models" / "intermediate" / "int_leaf__profiles_counted.sql"
    leaf.write_text("select count(*) as profiles from {{ ref('profiles') }}\n")
    added = checkout.cdp("run")
    assert added.returncode == 0, added.stderr[-4000:]
    assert FULL_REFRESH not in added.stderr
    assert checkout.query("select profiles from intermediate.int_leaf__profiles_counted") == checkout.query(
        "select count(*) from cdp.profiles")
    assert identity_builds(checkout) == [*builds, True]  # built again, from what landed since: nothing

    edges = checkout.root / "dbt_project" / "models" / "intermediate" / "identity" / "int_identity__edges.sql"
    edges.write_text(edges.read_text() + "-- an analytics engineer's edit\n")
    changed = checkout.cdp("run")
    assert changed.returncode == 0, changed.stderr[-4000:]
    assert FULL_REFRESH in changed.stderr and "int_identity__nodes_assigned" in changed.stderr
    assert identity_builds(checkout)[-1] is False  # the identity graph resolved again from all history


def test_a_sql_segment_model_missing_from_the_list_stops_cdp_and_dbt_naming_it(checkout):
    unlisted = checkout.root / "dbt_project" / "models" / "marts" / "segments" / "sql" / "big_spenders.sql"
    unlisted.write_text("select profile_id from {{ ref('profiles') }} where lifetime_value > 1000\n")
    try:
        refused = checkout.cdp("run")
        assert refused.returncode == 2
        assert "big_spenders" in refused.stderr and "vars.sql_segments" in refused.stderr
        compiled = checkout.dbt("compile", "--select", "segment_membership_history", cwd=checkout.root / "dbt_project")
        assert compiled.returncode != 0
        assert "SQL segment models big_spenders (models/marts/segments/sql/) are not listed" in compiled.stdout
    finally:
        unlisted.unlink()


def test_a_listed_sql_model_in_the_segments_folder_is_a_segment_on_the_next_run(checkout):
    model = checkout.root / "dbt_project" / "models" / "marts" / "segments" / "sql" / "big_basket_buyers.sql"
    project = checkout.root / "dbt_project" / "dbt_project.yml"
    shipped = project.read_text()
    listed = shipped.replace("sql_segments: [", "sql_segments: [big_basket_buyers, ", 1)
    assert listed != shipped
    model.write_text("select profile_id from {{ ref('orders') }} where total >= 50 and profile_id is not null\n")
    project.write_text(listed)
    run = checkout.cdp("run")
    assert run.returncode == 0, run.stderr[-4000:]
    assert checkout.query("select kind, size from cdp.segments where name = 'big_basket_buyers'") == checkout.query(
        "select 'sql', count(distinct profile_id) from cdp.orders where total >= 50 and profile_id is not null")
    assert checkout.query("select count(*) from cdp.segment_memberships where segment = 'big_basket_buyers'") == \
        checkout.query("select count(distinct profile_id) from cdp.orders where total >= 50 and profile_id is not null")
    # the shipped SQL segment is there too, with the description from its yml
    assert checkout.query("select kind, description like 'Customers with lifetime value%' "
                          "from cdp.segments where name = 'at_risk_high_value'") == [("sql", True)]
