"""dbt's `unique` test runs with a hash pass first on DuckDB (macros/test_unique.sql):
it must still find every repeated value, and only those."""

from __future__ import annotations

import shutil

import duckdb

from tests.conftest import make_workspace


def test_unique_finds_a_repeated_value_and_only_it(workspace, tmp_path):
    copy = make_workspace(tmp_path)
    shutil.copy(workspace.warehouse, copy.warehouse)
    select = ["dbt", "test", "--select", "unique_events_message_id", "--target-path", str(tmp_path / "target")]

    clean = copy.cdp(*select)
    assert clean.returncode == 0, clean.stdout[-3000:]

    with duckdb.connect(str(copy.warehouse)) as con:
        # two copies of one event, three of another
        con.sql("insert into cdp.events select * from cdp.events order by message_id limit 1")
        con.sql("insert into cdp.events select * from cdp.events order by message_id desc limit 1")
        con.sql("insert into cdp.events select * from cdp.events order by message_id desc limit 1")
    repeated = copy.cdp(*select)
    assert repeated.returncode == 1
    assert "Got 2 results" in repeated.stdout, repeated.stdout[-3000:]
