"""Publishing rewrites only what changed: an unchanged table's Parquet files are hard links
to the previous version's and its DuckDB rows are kept, yet every table reads as the
warehouse's; after a privacy request the DuckDB file is written afresh."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from activation.publish import publish
from core.settings import Settings

REPO = Path(__file__).resolve().parents[1]


def warehouse(tmp_path: Path) -> Settings:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.sql("create schema cdp")
        con.sql("create table cdp.profiles as select range as profile_id, 'name ' || range as name from range(2000)")
        con.sql("create table cdp.events as select range % 50 as profile_id, 'page' as event from range(5000)")
        con.sql("create table cdp.totals as select 1 as profile_id, sum(range) as total from range(10)")
    return Settings(warehouse=path, landing_dir=tmp_path / "landing", config_path=REPO / "cdp.yml",
                    published_dir=tmp_path / "published")


def change(settings: Settings, *statements: str) -> None:
    with duckdb.connect(str(settings.warehouse)) as con:
        for statement in statements:
            con.sql(statement)


def rows(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple]:
    return sorted(con.sql(f"select * from {relation}").fetchall(), key=repr)


def assert_published_equals_warehouse(settings: Settings) -> None:
    published = settings.published_dir
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        con.sql(f"attach '{published / 'cdp_published.duckdb'}' as snap (read_only)")
        tables = sorted(r[0] for r in con.sql(
            "select table_name from duckdb_tables() where database_name = 'warehouse' and schema_name = 'cdp'"
        ).fetchall())
        in_snapshot = sorted(r[0] for r in con.sql(
            "select table_name from duckdb_tables() where database_name = 'snap' and table_name <> '_manifest'"
        ).fetchall())
        assert in_snapshot == tables
        for table in tables:
            expected = rows(con, f"warehouse.cdp.{table}")
            assert rows(con, f"snap.cdp.{table}") == expected, table
            assert rows(con, f"read_parquet('{published / 'parquet' / table / '*.parquet'}')") == expected, table


def inodes(version: Path, table: str) -> set[int]:
    return {path.stat().st_ino for path in (version / table).iterdir()}


def test_only_changed_tables_are_written_again_and_every_table_reads_as_the_warehouse(tmp_path):
    settings = warehouse(tmp_path)
    first = publish(settings, "one")
    change(settings, "insert into cdp.events values (7, 'purchase')")
    second = publish(settings, "two")

    assert first.written == ("events", "profiles", "totals") and second.written == ("events",)
    assert inodes(second.parquet, "profiles") == inodes(first.parquet, "profiles")
    assert inodes(second.parquet, "totals") == inodes(first.parquet, "totals")
    assert not inodes(second.parquet, "events") & inodes(first.parquet, "events")
    assert_published_equals_warehouse(settings)
    manifest = json.loads((settings.published_dir / "manifest.json").read_text())
    assert manifest["tables"]["events"] == 5001 and set(manifest["fingerprints"]) == {"events", "profiles", "totals"}

    change(settings, "drop table cdp.totals", "create table cdp.extra as select 1 as x",
           "alter table cdp.profiles add column vip boolean")
    third = publish(settings, "three")
    assert third.written == ("extra", "profiles")
    assert not inodes(third.parquet, "profiles") & inodes(second.parquet, "profiles")  # a new column: rewritten
    assert inodes(third.parquet, "events") == inodes(second.parquet, "events")
    assert_published_equals_warehouse(settings)


def test_a_duplicate_row_is_a_change(tmp_path):
    settings = warehouse(tmp_path)
    first = publish(settings, "one")
    change(settings, "insert into cdp.totals select * from cdp.totals", "insert into cdp.totals select * from cdp.totals")
    second = publish(settings, "two")
    assert not inodes(second.parquet, "totals") & inodes(first.parquet, "totals")
    assert_published_equals_warehouse(settings)


def test_after_a_privacy_request_the_file_is_written_afresh(tmp_path):
    # a reused file may keep a changed table's old rows in freed blocks; after an erasure
    # no byte of the forgotten person may stay, so every table is written into a new file
    settings = warehouse(tmp_path)
    change(settings, "create table cdp.privacy_requests (request_id varchar, status varchar)",
           "create table cdp.people as select md5(range::varchar) as email from range(3000)")
    publish(settings, "one")
    change(settings, "insert into cdp.events values (7, 'purchase')")
    assert publish(settings, "two").written == ("events",)

    change(settings, "delete from cdp.people where email = md5('1234')",
           "insert into cdp.privacy_requests values ('r1', 'erased')")
    assert publish(settings, "three").written == ("events", "people", "privacy_requests", "profiles", "totals")
    assert_published_equals_warehouse(settings)


def test_an_unreadable_previous_file_is_written_afresh(tmp_path):
    settings = warehouse(tmp_path)
    publish(settings, "one")
    (settings.published_dir / "cdp_published.duckdb").write_bytes(b"not a database")
    (settings.published_dir / "manifest.json").write_text("{")
    change(settings, "insert into cdp.events values (7, 'purchase')")
    assert len(publish(settings, "two").written) == 3
    assert_published_equals_warehouse(settings)


def test_another_engines_parquet_copy_is_published_whole(tmp_path):
    # Spark's writer stands in as any TableWriter: its copy is written every run, and the
    # DuckDB file made afresh from it
    settings = warehouse(tmp_path)

    def write_parquet(folder: Path) -> None:
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            for table in ("events", "profiles", "totals"):
                con.sql(f"copy cdp.{table} to '{folder / table}' (format parquet, per_thread_output false, "
                        "file_size_bytes '256MB')")

    first = publish(settings, "one", write_parquet)
    second = publish(settings, "two", write_parquet)
    assert second.written == ("events", "profiles", "totals") and second.tables == first.tables
    assert not inodes(second.parquet, "profiles") & inodes(first.parquet, "profiles")
    assert_published_equals_warehouse(settings)
    assert len(publish(settings, "three").written) == 3  # no fingerprints recorded: written whole


def test_a_file_left_with_many_free_blocks_is_written_afresh(tmp_path):
    settings = warehouse(tmp_path)
    change(settings, "create table cdp.big as select md5(range::varchar) as a, md5((range + 1)::varchar) as b "
                     "from range(300000)")
    publish(settings, "one")
    change(settings, "drop table cdp.big", "insert into cdp.events values (7, 'purchase')")
    assert publish(settings, "two").written == ("events",)  # `big`'s blocks are now free in the file
    change(settings, "insert into cdp.events values (8, 'purchase')")
    assert publish(settings, "three").written == ("events", "profiles", "totals")
    assert_published_equals_warehouse(settings)
