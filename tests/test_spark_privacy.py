"""Privacy on Spark (docs/spark.md): `cdp forget` with CDP_ENGINE=spark erases the person
from the landing buffer (DuckDB's, where the privacy step runs as on DuckDB) and from every
Parquet table of the lake (privacy/lake.py): the raw copies, Spark's own tables (the kept
history ones among them) and the copies the warehouse's views read; the run then builds on
Spark and publishes again. Afterwards no file under the data folder (warehouse, lake,
metastore, published copies, exports, Dagster's) holds a value of theirs, and nobody
else's profile changed.

test_privacy.py's world (120 people), one Spark build and one forget: each Spark run
starts JVMs and runs the dbt project, about 5 minutes each on 2 shared cores. Marked `spark`."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingestion.sample_data import generate_landing
from tests.conftest import make_workspace
from tests.test_privacy import bytes_holding, email_of, everyone_else, holding, person

pytestmark = pytest.mark.spark
SPARK = {"CDP_ENGINE": "spark"}


def parquet_rows_holding(folder: Path, values: list[str]) -> list[str]:
    """Parquet files under `folder` whose rows hold one of the values: compressed pages
    can hide a value from a search of the bytes."""
    lowered = [v.lower() for v in values]
    hits = []
    for path in sorted(folder.rglob("*.parquet")):
        if not path.name.startswith((".", "_")):
            text = str(duckdb.sql(f"select * from read_parquet('{path}')").fetchall()).lower()
            hits += [f"{path}: {v}" for v in lowered if v in text]
    return hits


def test_a_person_forgotten_on_spark_is_gone_from_every_file(tmp_path):
    workspace = make_workspace(tmp_path / "w")
    generate_landing(workspace.landing, people_count=120, seed=5)
    built = workspace.cdp("run", **SPARK)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-4000:]
    profile_id, values = person(workspace, entangled=False)
    email = email_of(workspace, profile_id)
    before = everyone_else(workspace, profile_id)
    assert parquet_rows_holding(workspace.root / "lake", values), "the lake held the person before"

    result = workspace.cdp("forget", "email", email, "--reason", "ticket 7", **SPARK)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert workspace.query("select status from cdp.privacy_requests") == [("completed",)]

    assert bytes_holding(workspace.root, values) == []  # warehouse, lake, metastore, published, exports, Dagster
    assert parquet_rows_holding(workspace.root, values) == []
    # the profile id only in the removals sent (exports' changes/)
    assert parquet_rows_holding(workspace.root / "lake", [profile_id]) == []
    assert parquet_rows_holding(workspace.root / "published", [profile_id]) == []
    assert holding(workspace.warehouse, [*values, profile_id]) == []
    for snapshot in (workspace.root / "published").glob("*.duckdb"):
        assert holding(snapshot, [*values, profile_id]) == []
    assert everyone_else(workspace, profile_id) == before

    # Spark's BI copy carries the requests, as DuckDB's does (published before the run marks them completed)
    published = workspace.root / "published" / "parquet" / "privacy_requests"
    assert duckdb.sql(f"select status from read_parquet('{published}/*.parquet')").fetchall() == [("compacted",)]
    with duckdb.connect(str(workspace.root / "published" / "cdp_published.duckdb"), read_only=True) as con:
        assert con.sql("select count(*) from cdp.privacy_requests").fetchall() == [(1,)]
