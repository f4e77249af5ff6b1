"""BI tools read a published snapshot while runs write: no lock errors, no half-built tables."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

from pathlib import Path

import duckdb
import pytest

from ingestion.sample_data import generate_landing
from tests.conftest import make_workspace

DUCKDB_1X = "duckdb==1.4.*"

# Run by DuckDB 1.4's Python: every table of the snapshot and of the Parquet copy, counted.
READ_WITH_1X = """
import duckdb, json, sys
snapshot, parquet = sys.argv[1], sys.argv[2]
with duckdb.connect(snapshot, read_only=True) as con:
    manifest = dict(con.sql("select table_name, row_count from cdp._manifest").fetchall())
    tables = [r[0] for r in con.sql("select table_name from duckdb_tables() where schema_name = 'cdp'").fetchall()]
    counts = {t: con.sql(f'select count(*) from cdp."{t}"').fetchall()[0][0] for t in tables if t != "_manifest"}
    files = {t: con.sql(f"select count(*) from read_parquet('{parquet}/{t}/*.parquet')").fetchall()[0][0] for t in manifest}
    storage = con.sql("select tags from duckdb_databases() where database_name = current_database()").fetchall()
print(json.dumps({"version": duckdb.__version__, "manifest": manifest, "counts": counts, "parquet": files}))
"""


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
        # the cdp tables alone: no raw data, no views
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


@pytest.fixture(scope="session")
def duckdb_1x(request) -> Path:
    """A Python with DuckDB 1.4 from PyPI, made once and kept in pytest's cache."""
    folder = request.config.cache.mkdir("duckdb-1.4-venv")
    python = folder / "bin" / "python"
    ready = [str(python), "-c", "import duckdb; assert duckdb.__version__.startswith('1.4')"]
    if not python.exists() or subprocess.run(ready, capture_output=True).returncode:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", DUCKDB_1X], check=True, timeout=600)
    return python


def test_duckdb_1x_reads_every_published_table_and_its_parquet_copy(workspace, duckdb_1x):
    published = workspace.root / "published"
    read = subprocess.run([str(duckdb_1x), "-c", READ_WITH_1X, str(published / "cdp_published.duckdb"),
                           str(published / "parquet")], capture_output=True, text=True, timeout=300)
    assert read.returncode == 0, read.stderr[-3000:]
    report = json.loads(read.stdout)
    assert report["version"].startswith("1.4")
    assert {"profiles", "profile_identifiers", "events", "segment_memberships"} <= set(report["manifest"])
    assert report["counts"] == report["manifest"] == report["parquet"]
    # one folder per table, each behind the link to the current version
    manifest_json = json.loads((published / "manifest.json").read_text())
    assert {p.name for p in (published / "parquet").iterdir()} == set(manifest_json["tables"])
    assert (published / "parquet").resolve().name == manifest_json["parquet"]


def test_the_snapshot_keeps_no_bytes_of_what_it_does_not_publish(workspace):
    """A new file, not a copy of the warehouse with the rest dropped: DuckDB leaves
    dropped tables' bytes in a file's free blocks."""
    snapshot = (workspace.root / "published" / "cdp_published.duckdb").read_bytes()
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        # names no published value can hold (a source's name is a value of `sources`)
        others = [r[0] for r in con.sql(
            "select table_name from duckdb_tables() where schema_name <> 'cdp' "
            "and (table_name like '%\\_\\_%' escape '\\' or table_name like '\\_dlt%' escape '\\')"
        ).fetchall()]
    assert len(others) > 20
    assert [name for name in others if name.encode() in snapshot] == []
