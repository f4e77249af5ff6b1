"""A Spark run killed while it rewrote a kept Parquet table leaves the work table
(`<table>__cdp_kept`, `<table>__cdp_added`); the next run stops naming it, a run with
`--full-refresh` drops it, and the BI copy never lists it
(dbt_project/macros/engines/kept_table_leftovers.sql).

The leftover is planted as a killed run leaves it: a table of that name in the local
metastore. dbt builds one seed, the smallest build that runs the on-run-start hooks.
Three JVMs one after another (Derby admits one at a time): about a minute.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.spark

REPO = Path(__file__).resolve().parents[1]
PROJECT = str(REPO / "dbt_project")
DBT = str(Path(sys.executable).parent / "dbt")

PLANT = """
from activation.parquet_writers import spark_tables
from core.settings import load_settings
from core.spark_session import spark_session

spark = spark_session(load_settings())
spark.sql("create database if not exists cdp")
spark.sql("create table cdp.profile_merges__cdp_kept using parquet as select 'p1' as profile_id")
spark.sql("create table cdp.profiles using parquet as select 'p1' as profile_id")
print("listed:", ",".join(spark_tables(spark)))
"""


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


def test_a_leftover_stops_the_run_until_a_full_refresh_drops_it(tmp_path):
    env = {**os.environ, "CDP_ENGINE": "spark", "CDP_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
           "CDP_LAKE_DIR": str(tmp_path / "lake"), "CDP_SPARK_METASTORE": str(tmp_path / "metastore")}
    env.pop("CDP_DBT_TARGET", None)
    planted = _run([sys.executable, "-c", PLANT], env)
    assert planted.returncode == 0, planted.stderr[-3000:]
    # the BI copy's listing leaves the work table out
    assert "listed: profiles\n" in planted.stdout
    leftover = tmp_path / "lake" / "warehouse" / "cdp.db" / "profile_merges__cdp_kept"
    assert leftover.is_dir()

    build = [DBT, "build", "--select", "email_domain_typos", "--target", "spark", "--project-dir", PROJECT,
             "--profiles-dir", PROJECT, "--target-path", str(tmp_path / "target")]
    stopped = _run(build, env)
    assert stopped.returncode != 0
    assert "cdp.profile_merges__cdp_kept" in stopped.stdout and "--full-refresh" in stopped.stdout, stopped.stdout[-3000:]
    assert leftover.is_dir()

    refreshed = _run([*build, "--full-refresh"], env)
    assert refreshed.returncode == 0, refreshed.stdout[-3000:]
    assert "Dropped what a killed run left" in refreshed.stdout
    assert not leftover.exists()
    assert (tmp_path / "lake" / "warehouse" / "cdp.db" / "profiles").is_dir()
