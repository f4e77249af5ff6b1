"""Kept (incremental) tables on DuckDB gather a small row group per run, and the first run
of each `compact_kept_tables_every_days` merges them (dbt_project/macros/kept_table_compaction.sql).
Real dbt runs on a small project that uses the shipped macro and hook, against a real
DuckDB file."""

from __future__ import annotations

import re

import duckdb
import pytest

from orchestration.dbt.project import DBT_PROJECT_DIR
from tests.dbt_scratch import query, run_dbt, scratch_project

MODEL = "{{ config(materialized='incremental') }}\nselect range as i from range(1000)\n"
MERGING = "DuckDB merges their small row groups in this run"


@pytest.fixture
def project(tmp_path):
    hook = re.search(r"^on-run-start:\n(  - .*\n)+", (DBT_PROJECT_DIR / "dbt_project.yml").read_text(), re.M)
    assert hook, "dbt_project.yml no longer runs kept_table_compaction on-run-start"
    project = scratch_project(tmp_path, ["kept_table_compaction.sql"],
                              hook.group(0) + "vars:\n  compact_kept_tables_every_days: 7\n")
    (project / "models" / "kept.sql").write_text(MODEL)
    (project / "models" / "_kept.yml").write_text(  # something for `dbt test` to run
        "version: 2\nmodels:\n  - name: kept\n    columns:\n      - name: i\n        data_tests: [not_null]\n")
    return project


def run(project) -> str:
    done = run_dbt(project)
    assert done.returncode == 0, done.stdout[-3000:]
    return done.stdout


def a_week_passes(project) -> None:
    with duckdb.connect(str(project / "w.duckdb")) as con:
        con.sql("update main.kept_table_compactions set compacted_at = compacted_at - interval 8 day")


def test_small_row_groups_gather_within_a_period_and_merge_in_the_next(project):
    seen = []
    for day in range(5):
        if day == 3:
            a_week_passes(project)
            # a command that builds no model leaves the due merge to the next run that does
            tested = run_dbt(project, "test")
            assert tested.returncode == 0 and MERGING not in tested.stdout, tested.stdout[-3000:]
        log = run(project)
        [(groups, rows)] = query(project, "select (select count(distinct row_group_id) from pragma_storage_info('main.kept')), "
                                          "(select count(*) from main.kept)")
        seen.append((groups, rows, MERGING in log))
    # the first run merges (nothing yet); the next two leave their pieces (without the hook
    # DuckDB merges at every run: one row group throughout); a week later the three
    # pieces become one, beside that run's own
    assert seen == [(1, 1000, True), (2, 2000, False), (3, 3000, False), (2, 4000, True), (3, 5000, False)]
    assert query(project, "select count(*) from main.kept_table_compactions") == [(2,)]
