"""The project's table and view materializations on DuckDB (dbt_project/macros/materializations/):
a relation is replaced inside its model's transaction. Real dbt runs on a small project
that uses the macro folder as it ships, against a real DuckDB file."""

from __future__ import annotations

import pytest

from tests.dbt_scratch import query, run_dbt, scratch_project


@pytest.fixture
def project(tmp_path):
    return scratch_project(tmp_path, ["materializations"], "models:\n  scratch:\n    +materialized: table\n")


def build(project, name: str, code: str, suffix: str = "sql"):
    for old in (project / "models").glob(f"{name}.*"):
        old.unlink()
    (project / "models" / f"{name}.{suffix}").write_text(code)
    return run_dbt(project)


def test_a_rebuild_replaces_the_table_and_a_failed_one_keeps_it(project):
    assert build(project, "scores", "select 1 as score").returncode == 0
    assert build(project, "scores", "select 2 as score, 'b' as label").returncode == 0
    assert query(project, "select * from scores") == [(2, "b")]

    failed = build(project, "scores", "select error('boom') as score from range(3)")
    assert failed.returncode != 0 and "boom" in failed.stdout
    assert query(project, "select * from scores") == [(2, "b")]
    # nothing left beside it (dbt-duckdb's own materialization builds __dbt_tmp and __dbt_backup)
    assert query(project, "select table_name from duckdb_tables() union all select view_name from duckdb_views() "
                          "where not internal") == [("scores",)]


def test_hooks_run_inside_and_outside_the_transaction(project):
    hooked = """{{ config(
        pre_hook=[{'sql': "create table if not exists hook_log (hook varchar)", 'transaction': False},
                  "insert into hook_log values ('pre, inside')"],
        post_hook=["insert into hook_log values ('post, inside')",
                   {'sql': "insert into hook_log values ('post, outside')", 'transaction': False}],
    ) }} select 1 as score"""
    for materialized in ("table", "view"):
        result = build(project, "scores", hooked.replace("{{ config(", f"{{{{ config(materialized='{materialized}', "))
        assert result.returncode == 0, result.stdout[-2000:]
    assert query(project, "select hook, count(*) from hook_log group by hook order by hook") == [
        ("post, inside", 2), ("post, outside", 2), ("pre, inside", 2)]


def test_a_view_is_replaced_and_a_failed_one_kept(project):
    view = "{{ config(materialized='view') }} "
    assert build(project, "scores", view + "select 1 as score").returncode == 0
    assert build(project, "scores", view + "select 2 as score").returncode == 0
    assert query(project, "select * from scores") == [(2,)]

    failed = build(project, "scores", view + "select no_such_column from range(3)")
    assert failed.returncode != 0 and "no_such_column" in failed.stdout
    assert query(project, "select * from scores") == [(2,)]
    assert query(project, "select view_name from duckdb_views() where not internal") == [("scores",)]


def test_a_view_becomes_a_table_and_back(project):
    assert build(project, "scores", "{{ config(materialized='view') }} select 1 as score").returncode == 0
    assert build(project, "scores", "select 3 as score").returncode == 0
    assert query(project, "select table_type from information_schema.tables where table_name = 'scores'") == [
        ("BASE TABLE",)]
    assert query(project, "select * from scores") == [(3,)]
    assert build(project, "scores", "{{ config(materialized='view') }} select 4 as score").returncode == 0
    assert query(project, "select table_type from information_schema.tables where table_name = 'scores'") == [
        ("VIEW",)]


def test_python_models_and_contracts_still_build(project):
    python_model = 'def model(dbt, session):\n    return session.sql("select 4 as score")\n'
    for _ in range(2):  # the second run replaces an existing table
        assert build(project, "py_scores", python_model, suffix="py").returncode == 0
    assert query(project, "select * from py_scores") == [(4,)]

    (project / "models" / "_contracts.yml").write_text(
        "version: 2\nmodels:\n  - name: checked\n    config:\n      contract: {enforced: true}\n"
        "    columns:\n      - name: score\n        data_type: integer\n        constraints: [{type: not_null}]\n"
    )
    for _ in range(2):
        result = build(project, "checked", "select 5 as score")
        assert result.returncode == 0, result.stdout[-2000:]
    assert query(project, "select * from checked") == [(5,)]
    assert query(project, "select is_nullable from information_schema.columns where table_name = 'checked'") == [
        ("NO",)]
