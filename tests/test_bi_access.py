"""BI tools read a published snapshot while runs write: no lock errors, no half-built tables."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import duckdb

from ingestion.sample_data import generate_landing
from tests.conftest import make_workspace


def test_a_reader_never_fails_and_always_sees_a_consistent_snapshot(tmp_path):
    workspace = make_workspace(tmp_path / "bi")
    generate_landing(workspace.landing, people_count=300, seed=5)
    assert workspace.cdp("run").returncode == 0
    published = workspace.root / "published" / "cdp_published.duckdb"
    assert published.exists()

    # a second day's files arrive, under new names
    generate_landing(tmp_path / "day2", people_count=300, seed=6)
    for path in (tmp_path / "day2").rglob("*.*"):
        target = workspace.landing / path.parent.name / f"day2_{path.name}"
        shutil.copy(path, target)

    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "tests/bi_reader.py", str(published), str(stop)], stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(1)
        result = workspace.cdp("run")
        time.sleep(1)
    finally:
        stop.touch()
        out, _ = reader.communicate(timeout=60)
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(out)
    assert report["errors"] == []
    assert report["mismatches"] == []
    assert report["reads"] > 10
    assert len(report["snapshots"]) == 2  # the old snapshot during the run, the new one after


def test_the_snapshot_holds_every_cdp_table_with_the_warehouse_counts(workspace):
    published = workspace.root / "published" / "cdp_published.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        manifest = dict(con.sql("select table_name, row_count from cdp._manifest").fetchall())
        # a copy of the warehouse file with all but the cdp tables dropped: no raw data, no views
        relations = con.sql("select schema_name, table_name from duckdb_tables() union all "
                            "select schema_name, view_name from duckdb_views() where not internal").fetchall()
    assert {schema for schema, _ in relations} == {"cdp"}
    assert {name for _, name in relations} == set(manifest) | {"_manifest"}
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        tables = [r[0] for r in con.sql("select table_name from duckdb_tables() where schema_name = 'cdp'").fetchall()]
        expected = {t: con.sql(f"select count(*) from cdp.{t}").fetchall()[0][0] for t in tables}
    assert manifest == expected
    assert {"profiles", "profile_identifiers", "events"} <= set(manifest)
    manifest_json = json.loads((workspace.root / "published" / "manifest.json").read_text())
    assert manifest_json["tables"] == expected
