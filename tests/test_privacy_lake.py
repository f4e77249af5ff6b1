"""privacy/lake.py without a JVM: a lake laid out as Spark and the Spark steps write it, a
person's rows staged out in the privacy step's transaction, and the files replaced only
once it is committed. Every file keeps its name (the warehouse's views list them)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from privacy import lake

PERSON, OTHER = "p-forgotten", "p-kept"


def _lake(root: Path) -> Path:
    # Spark's raw tables are external: its `raw.db` folder is empty, and the copies are under raw/
    (root / "warehouse" / "raw.db").mkdir(parents=True)
    tables = [root / "warehouse" / "cdp.db" / "profiles", root / "bi_tables" / "run1" / "cdp" / "profiles",
              root / "raw" / "profiles"]
    for folder in tables:
        folder.mkdir(parents=True)
        for n, who in enumerate((PERSON, OTHER)):
            duckdb.sql(f"copy (select '{who}' as profile_id, 'x@{who}.example' as email) "
                       f"to '{folder / f'part-{n}.parquet'}' (format parquet)")
        (folder / ".part-0.parquet.crc").write_bytes(b"checksum")
    return root


def _step(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """A connection holding the pv_* tables privacy.resolve leaves for one person."""
    con = duckdb.connect(str(warehouse))
    con.sql("create schema if not exists privacy")
    con.sql(f"create temp table pv_profiles as select 'r1' as request_id, '{PERSON}' as profile_id")
    con.sql("create temp table pv_erase as select 'r1' as request_id, 'email' as identifier_type, "
            "'x@p-forgotten.example' as identifier_value")
    return con


def _rows(root: Path) -> dict[str, list]:
    return {str(f.relative_to(root)): duckdb.sql(f"select profile_id from '{f}'").fetchall()
            for f in sorted(root.rglob("*.parquet")) if not f.name.startswith(".")}


def test_the_files_are_replaced_once_the_erasure_is_committed(tmp_path):
    root = _lake(tmp_path / "lake")
    with _step(tmp_path / "w.duckdb") as con:
        con.sql("begin")
        assert lake.stage_erasure(con, root, set(), []) == 3
        con.sql("commit")
        assert lake.finish(con, root) == 6
        assert not lake.has_staged(root)
    rows = _rows(root)
    assert set(rows) == {f"{base}/part-{n}.parquet" for n in (0, 1)
                         for base in ("warehouse/cdp.db/profiles", "bi_tables/run1/cdp/profiles", "raw/profiles")}
    assert sorted(r for found in rows.values() for r in found) == [(OTHER,)] * 3
    assert not list(root.rglob("*.crc"))  # Hadoop would refuse a file its checksum no longer matches
    assert not [f for f in root.rglob("*") if f.is_file() and b"p-forgotten" in f.read_bytes()]


def test_a_step_killed_before_its_commit_leaves_the_lake_as_it_was(tmp_path):
    root = _lake(tmp_path / "lake")
    before = _rows(root)
    with _step(tmp_path / "w.duckdb") as con:
        con.sql("begin")
        lake.stage_erasure(con, root, set(), [])
        con.sql("rollback")
        assert lake.has_staged(root)
        assert lake.finish(con, root) == 0
    assert not lake.has_staged(root)
    assert _rows(root) == before


def test_the_lake_waits_while_the_person_could_go_unseen(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert lake.not_erasable_here(con, "spark") is None  # nothing built, nothing landed
        assert "cluster" in lake.not_erasable_here(con, "spark_thrift")
        con.sql("create schema intermediate")
        con.sql("create schema raw")
        con.sql("create table raw.identifiers as select timestamp '2026-01-02' as _cdp_loaded_at")
        con.sql("create view intermediate.int_identity__identifiers_screened as "
                "select timestamp '2026-01-02' as last_loaded_at")
        # a copy made before the privacy step read the identity tables
        assert "not copied" in lake.not_erasable_here(con, "spark")
        for name in lake.IDENTITY_COPIES[1:]:
            con.sql(f"create view intermediate.{name} as select 1 as x")
        assert lake.not_erasable_here(con, "spark") is None
        con.sql("insert into raw.identifiers values (timestamp '2026-01-03')")  # landed, its build failed
        assert "not built yet" in lake.not_erasable_here(con, "spark")


def test_two_equal_rows_changed_alike_still_change_the_fingerprint():
    con = duckdb.connect()
    con.sql("create table t as select * from (values ('prf_a', 1), ('prf_a', 1), ('prf_b', 2)) v(profile_id, n)")
    before = lake._fingerprint(con, "main", "t")
    con.sql("update t set profile_id = null where profile_id = 'prf_a'")
    assert lake._fingerprint(con, "main", "t") != before
