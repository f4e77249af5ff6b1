"""One landed world built by both engines: the same BI copy (issue #31), on a first day
and after an incremental second one.

The world is landed once a day (the landing pipeline into a DuckDB file, its rejects and
its record of loaded files). DuckDB builds it with `dbt build` and publishes its BI copy
(activation/publish.py: the DuckDB file and Parquet); `cdp run` with CDP_ENGINE=spark, the
Dagster job, on a copy of the landed rows, finds no new file, copies the raw tables into
the lake, builds on the local Spark (dbt's `spark` target, `method: session`), points the
warehouse's `cdp.*` views at a Parquet copy of Spark's tables, runs the checks and the
exports on them and publishes the BI copy and the DuckDB file from it
(orchestration/spark_steps.py). The copies must agree table by table: the profiles and their ids,
identifiers, traits and revenue, computed traits, segment members, rejected rows and the
rest (quality/bi_copy_compare.py); the two DuckDB files hold the same tables and row counts.
The config is the shipped cdp.yml with computed traits and `performed:` segments added,
which read event properties from JSON and name source columns: SQL each engine spells
its own way.

Day 2 is 40 people whose ids overlap the first day's (merges, re-sent events): Spark adds
it incrementally, rewriting its kept Parquet tables (macros/engines/delete_rows.sql).
Slow (each Spark day starts three JVMs and runs ~150 dbt nodes: minutes each on the
2 shared cores, where DuckDB's half takes about one): marked `spark`, so
`pytest -m "not spark"` leaves it out; `make test` runs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from dagster import AssetKey, DagsterInstance

from activation.publish_parquet import LINK_NAME
from core.settings import PUBLISHED_NAME
from ingestion.sample_data import generate_landing
from quality.bi_copy_compare import compare_copies
from tests.conftest import shipped_config

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PEOPLE = 150

pytestmark = pytest.mark.spark

# every kind of compiled SQL once: event properties as text and as numbers, a typed column,
# a record's time and key, a source without a timestamp; windows wider than the world's year
COMPUTED_TRAITS = {
    "ordered_total": {"source": "events", "event": "Order Completed", "aggregate": "sum", "of": "total"},
    "last_order_id": {"source": "events", "event": "Order Completed", "aggregate": "last", "of": "order_id"},
    "favourite_campaign": {"source": "email_events", "aggregate": "most_frequent", "of": "campaign_id"},
    "store_spend": {"source": "pos_transactions", "aggregate": "sum", "of": "amount", "within_last_days": 400},
    "first_store_visit_at": {"source": "pos_transactions", "aggregate": "min"},
    "has_loyalty_card": {"source": "pos_loyalty_members", "aggregate": "exists"},
}
SEGMENTS = {
    "repeat_buyers": {"description": "Ordered online twice or more, in store or by email click too.",
                      "where": {"all": [
                          {"performed": {"event": "Order Completed", "at_least": 2, "within_last_days": 400}},
                          {"any": [{"trait": "store_spend", "op": ">", "value": 0},
                                   {"performed": {"source": "email_events", "where": {"event": "click"}}}]}]}},
    "card_holders_ordering_big": {"description": "Loyalty card holders with 200 or more ordered online.",
                                  "where": {"all": [{"trait": "has_loyalty_card", "op": "=", "value": True},
                                                    {"trait": "ordered_total", "op": ">=", "value": 200}]}},
    # a source's trait (shop_orders' currency), cast from cdp.profile_traits
    "paying_in_usd": {"description": "People whose latest order currency is USD.",
                      "where": {"trait": "currency", "op": "=", "value": "USD"}},
}
# Segment's consent categories, read from the events' JSON (none in the sample: all unknown)
CATEGORY_PURPOSE = {"statements": [{"source": "events", "consent_category": "Advertising"}]}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    return done


def _add_day(landing: Path, day: Path, suffix: str) -> None:
    """Another landing folder's files as new files of the same sources."""
    for path in day.rglob("*.*"):
        stem, rest = path.name.split(".", 1)
        shutil.copyfile(path, landing / path.parent.relative_to(day) / f"{stem}_{suffix}.{rest}")


def _landed_rows_to(spark_root: Path, duck_warehouse: Path) -> None:
    """The Spark side's landing buffer given the rows DuckDB's side landed (its raw schema,
    dlt's state in it): its own landing then finds no new file, as on the first day."""
    with duckdb.connect(str(spark_root / "warehouse.duckdb")) as con:
        con.sql(f"attach '{duck_warehouse}' as landed (read_only)")
        for (table,) in con.sql("select table_name from duckdb_tables() where database_name = 'landed' "
                                "and schema_name = 'raw'").fetchall():
            con.sql(f'create or replace table raw."{table}" as select * from landed.raw."{table}"')
    shutil.rmtree(spark_root / ".dlt_pipelines")  # dlt takes its state from the warehouse again


@pytest.fixture(scope="module")
def engines(tmp_path_factory) -> dict:
    """Each engine's world (duckdb/, spark/), the two copies compared after day 1 and
    after day 2, and the Spark `cdp run`s' output."""
    root = tmp_path_factory.mktemp("engines")
    generate_landing(root / "landing", people_count=PEOPLE, seed=7)
    config = shipped_config()
    config["computed_traits"] = COMPUTED_TRAITS
    config["segments"].update(SEGMENTS)
    config["consent"]["purposes"]["advertising"] = CATEGORY_PURPOSE
    (root / "cdp.yml").write_text(yaml.safe_dump(config))
    duck = {
        **os.environ,
        "CDP_CONFIG": str(root / "cdp.yml"),
        "CDP_LANDING_DIR": str(root / "landing"),
        "CDP_WAREHOUSE": str(root / "duckdb" / "warehouse.duckdb"),
        "CDP_PUBLISHED_DIR": str(root / "duckdb" / "published"),
        "CDP_ENGINE": "duckdb",
    }
    duck.pop("CDP_DBT_TARGET", None)
    # Landed once: two landings differ by design where a source has no timestamp of its own
    _run([sys.executable, "-m", "ingestion.pipeline"], duck)
    (root / "spark").mkdir()
    shutil.copyfile(duck["CDP_WAREHOUSE"], root / "spark" / "warehouse.duckdb")
    project = str(REPO / "dbt_project")
    _run([str(BIN / "dbt"), "build", "--full-refresh", "--project-dir", project, "--profiles-dir", project,
          "--target-path", str(root / "duckdb" / "target")], duck)
    _run([sys.executable, "-m", "activation.parquet_writers"], duck)
    # `cdp run` on Spark from the copy of the landed warehouse: its landing finds no new file
    spark = {**duck, "CDP_ENGINE": "spark", "CDP_WAREHOUSE": str(root / "spark" / "warehouse.duckdb"),
             "CDP_PUBLISHED_DIR": str(root / "spark" / "published"), "CDP_LAKE_DIR": str(root / "spark" / "lake"),
             "CDP_SPARK_METASTORE": str(root / "spark" / "metastore"), "DAGSTER_HOME": str(root / "spark" / "dagster")}
    day1 = _run([str(BIN / "cdp"), "run"], spark)
    links = root / "duckdb" / "published" / LINK_NAME, root / "spark" / "published" / LINK_NAME
    compared = {"day1": compare_copies(*links)}

    # day 2: landed once more on DuckDB's side, built incrementally by both
    generate_landing(root / "day2", people_count=40, seed=8)
    _add_day(root / "landing", root / "day2", "day2")
    _run([sys.executable, "-m", "ingestion.pipeline"], duck)
    _landed_rows_to(root / "spark", Path(duck["CDP_WAREHOUSE"]))
    _run([str(BIN / "dbt"), "build", "--project-dir", project, "--profiles-dir", project,
          "--target-path", str(root / "duckdb" / "target")], duck)
    _run([sys.executable, "-m", "activation.parquet_writers"], duck)
    day2 = _run([str(BIN / "cdp"), "run"], spark)
    compared["day2"] = compare_copies(*links)
    return {"root": root, "spark_env": spark, "compared": compared, "spark_runs": {"day1": day1, "day2": day2}}


@pytest.fixture(scope="module")
def published(engines) -> Path:
    """The folder holding each engine's published folder (duckdb/published, spark/published), after day 2."""
    return engines["root"]


@pytest.fixture(scope="module", params=["day1", "day2"])
def copies(engines, request):
    return engines["compared"][request.param]


def test_both_engines_publish_the_same_tables(copies):
    differences, one_sided = copies
    assert one_sided == []
    names = {d.table for d in differences}
    assert {"profiles", "profile_identifiers", "segment_memberships", "rejected_rows"} <= names
    assert all(d.one_sided_columns == [] for d in differences), [d for d in differences if d.one_sided_columns]


def test_every_table_has_the_same_rows_on_both_engines(copies):
    differences, _ = copies
    assert [d for d in differences if not d.same] == []
    rows = {d.table: d.rows for d in differences}
    # a world with people, merges and rejects in it, not two empty copies agreeing
    assert rows["profiles"] > 50 and rows["profile_identifiers"] > rows["profiles"]
    assert rows["segment_memberships"] > 0 and rows["rejected_rows"] > 0


def test_computed_traits_and_performed_segments_have_values_to_compare(published):
    # both engines agree above; here, on something: traits with values, members in the new segments
    with duckdb.connect(str(published / "duckdb" / "published" / PUBLISHED_NAME), read_only=True) as con:
        filled = con.sql("select count(ordered_total), count(last_order_id), count(favourite_campaign), "
                         "count(first_store_visit_at), count(*) filter (where has_loyalty_card), "
                         "count(*) filter (where store_spend > 0) from cdp.profile_computed_traits").fetchall()[0]
        members = dict(con.sql("select segment, count(*) from cdp.segment_memberships group by segment").fetchall())
    assert all(count > 0 for count in filled), filled
    assert members.get("repeat_buyers", 0) > 0 and members.get("card_holders_ordering_big", 0) > 0, members
    assert members.get("paying_in_usd", 0) > 0, members


def test_both_engines_publish_a_duckdb_file_of_the_same_tables(published):
    # on Spark the DuckDB file is made from Spark's Parquet copy (activation/publish.py)
    counts = {}
    for engine in ("duckdb", "spark"):
        with duckdb.connect(str(published / engine / "published" / PUBLISHED_NAME), read_only=True) as con:
            counts[engine] = dict(con.sql("select table_name, row_count from cdp._manifest").fetchall())
            assert counts[engine]["profiles"] == con.sql("select count(*) from cdp.profiles").fetchall()[0][0]
    assert counts["spark"] == counts["duckdb"]
    assert counts["spark"]["profiles"] > 50


def test_spark_runs_through_the_dagster_job_incrementally_on_day_2(engines):
    day1, day2 = (engines["spark_runs"][day].stderr for day in ("day1", "day2"))
    assert "No full build is recorded" in day1 and "cdp_full_run" in day1
    assert "Incremental build" in day2 and "rebuilt from all history" not in day2
    # day 2 landed rows, so the raw tables went to the lake again; every step and check passed
    assert "raw tables into the lake: done" in day2 and "Spark tables copied for DuckDB: done" in day2
    assert "FAILED" not in day1 + day2


def test_dagster_reads_what_spark_built_for_counts_and_exports(engines):
    root = engines["root"]
    with duckdb.connect(str(root / "spark" / "published" / PUBLISHED_NAME), read_only=True) as con:
        profiles, members = con.sql("select (select count(*) from cdp.profiles), (select count(*) from "
                                    "cdp.segment_memberships where segment = 'newsletter_engaged')").fetchall()[0]
    with DagsterInstance.from_config(str(root / "spark" / "dagster")) as instance:
        counted = instance.get_latest_materialization_event(AssetKey(["cdp", "profiles"]))
        exported = instance.get_latest_materialization_event(AssetKey(["exports", "newsletter_audience"]))
    # the row count the asset read from the warehouse's view over Spark's table
    assert counted.asset_materialization.metadata["dagster/row_count"].value == profiles
    # the members with email consent (destination newsletter_audience, cdp.yml): some, read from Spark's tables
    assert 0 < exported.asset_materialization.metadata["rows at destination"].value <= members
    assert any((root / "spark" / "exports").rglob("*newsletter_audience*"))


def test_cdp_explain_reads_what_spark_built(engines):
    root = engines["root"]
    with duckdb.connect(str(root / "spark" / "published" / PUBLISHED_NAME), read_only=True) as con:
        profile_id, email = con.sql("select profile_id, identifier_value from cdp.profile_identifiers "
                                    "where identifier_type = 'email' order by 1, 2 limit 1").fetchall()[0]
    done = _run([str(BIN / "cdp"), "explain", "email", email], engines["spark_env"])
    assert profile_id in done.stdout
