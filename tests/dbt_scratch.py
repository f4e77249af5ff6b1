"""A small dbt project in a temporary folder for tests of this project's dbt macros: the
shipped macro files, models a test writes, and a real DuckDB file (w.duckdb)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb

from orchestration.dbt.project import DBT_PROJECT_DIR, dbt_executable

PROFILES = """
scratch:
  target: duckdb
  outputs:
    duckdb:
      type: duckdb
      path: "{path}"
      threads: 1
"""


def scratch_project(folder: Path, macros: list[str], settings: str = "") -> Path:
    """`macros`: files or folders under dbt_project/macros; `settings`: more of dbt_project.yml."""
    for macro in macros:
        shipped = DBT_PROJECT_DIR / "macros" / macro
        copy = shutil.copytree if shipped.is_dir() else shutil.copy
        (folder / "macros" / macro).parent.mkdir(parents=True, exist_ok=True)
        copy(shipped, folder / "macros" / macro)
    (folder / "models").mkdir()
    (folder / "dbt_project.yml").write_text(
        "name: scratch\nversion: '1.0'\nconfig-version: 2\nprofile: scratch\n" + settings)
    (folder / "profiles.yml").write_text(PROFILES.format(path=folder / "w.duckdb"))
    return folder


def run_dbt(project: Path, command: str = "run") -> subprocess.CompletedProcess:
    return subprocess.run(
        [dbt_executable(), command, "--project-dir", str(project), "--profiles-dir", str(project)],
        capture_output=True, text=True, timeout=300,
    )


def query(project: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(project / "w.duckdb"), read_only=True) as con:
        return con.sql(sql).fetchall()
