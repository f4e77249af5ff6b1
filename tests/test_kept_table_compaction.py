"""Kept (incremental) tables on DuckDB gather a small row group per run, and the first run
of each `compact_kept_tables_every_days` merges them (dbt_project/macros/kept_table_compaction.sql).
Real dbt runs on a small project that uses the shipped macro and hook, against a real
DuckDB file."""

from __future__ import annotations

import re
import shutil
import subprocess

import duckdb
import pytest

from orchestration.dbt.project import DBT_PROJECT_DIR, dbt_executable

PROFILES = """
compaction_check:
  target: duckdb
  outputs:
    duckdb:
      type: duckdb
      path: "{path}"
      threads: 1
"""
MODEL = "{{ config(materialized='incremental') }}\nselect range as i from range(1000)\n"


@pytest.fixture
def project(tmp_path):
    shipped = (DBT_PROJECT_DIR / "dbt_project.yml").read_text()
    hook = re.search(r"^on-run-start:\n(  - .*\n)+", shipped, re.M)
    assert hook, "dbt_project.yml no longer runs kept_table_compaction on-run-start"
    (tmp_path / "dbt_project.yml").write_text(
        "name: compaction_check\nversion: '1.0'\nconfig-version: 2\nprofile: compaction_check\n"
        + hook.group(0)
        + "vars:\n  compact_kept_tables_every_days: 7\n"
    )
    (tmp_path / "macros").mkdir()
    shutil.copy(DBT_PROJECT_DIR / "macros" / "kept_table_compaction.sql", tmp_path / "macros")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "kept.sql").write_text(MODEL)
    (tmp_path / "profiles.yml").write_text(PROFILES.format(path=tmp_path / "w.duckdb"))
    return tmp_path


def run(project) -> str:
    done = subprocess.run(
        [dbt_executable(), "run", "--project-dir", str(project), "--profiles-dir", str(project)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    return done.stdout


def row_groups(project) -> tuple[int, int]:
    with duckdb.connect(str(project / "w.duckdb"), read_only=True) as con:
        [(groups,)] = con.sql("select count(distinct row_group_id) from pragma_storage_info('main.kept')").fetchall()
        [(rows,)] = con.sql("select count(*) from main.kept").fetchall()
    return groups, rows


def a_week_passes(project) -> None:
    with duckdb.connect(str(project / "w.duckdb")) as con:
        con.sql("update main.kept_table_compactions set compacted_at = compacted_at - interval 8 day")


def test_small_row_groups_gather_within_a_period_and_merge_in_the_next(project):
    merging = "DuckDB merges their small row groups in this run"
    seen = []
    for day in range(5):
        if day == 3:
            a_week_passes(project)
        log = run(project)
        seen.append((*row_groups(project), merging in log))
    # the first run merges (nothing yet); the next two leave their pieces (without the hook
    # DuckDB merges at every run: one row group throughout); a week later the three
    # pieces become one, beside that run's own
    assert seen == [(1, 1000, True), (2, 2000, False), (3, 3000, False), (2, 4000, True), (3, 5000, False)]
    with duckdb.connect(str(project / "w.duckdb"), read_only=True) as con:
        assert con.sql("select count(*) from main.kept_table_compactions").fetchall() == [(2,)]
