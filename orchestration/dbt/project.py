"""The dbt project, built lazily so importing definitions does not run dbt unless it must."""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtProject

from core.marts import DBT_PROJECT_DIR
from core.settings import export_settings, load_settings


PROJECT_FILES = ("dbt_project.yml", "models/**/*", "macros/**/*", "seeds/**/*", "tests/**/*")


# What dbt reads at parse time from cdp's environment: the target (its adapter's macros and
# config) and Spark's table format. Plain dbt without them parses as cdp does on DuckDB.
DEFAULT_PARSE_INPUTS = "target=duckdb\nfile_format=parquet"


def _parse_inputs() -> str:
    target = os.environ.get("CDP_DBT_TARGET") or os.environ.get("CDP_ENGINE") or "duckdb"
    return f"target={target}\nfile_format={os.environ.get('CDP_SPARK_FILE_FORMAT') or 'parquet'}"


def _inputs_file(project: DbtProject) -> Path:
    return project.manifest_path.with_name("cdp_parse_inputs.txt")


def _manifest_is_stale(project: DbtProject) -> bool:
    """True without a manifest, when an analytics engineer edited the project since, or
    when it was parsed for another engine. (On DuckDB, plain dbt parses to the same
    manifest; on another engine, a parse by someone else since may have been DuckDB's.)"""
    if not project.manifest_path.exists():
        return True
    inputs, now = _inputs_file(project), _parse_inputs()
    recorded = inputs.read_text() if inputs.exists() else DEFAULT_PARSE_INPUTS
    if recorded != now:
        return True
    built = project.manifest_path.stat().st_mtime
    if now != DEFAULT_PARSE_INPUTS and (not inputs.exists() or built > inputs.stat().st_mtime):
        return True
    return any(
        path.is_file() and path.stat().st_mtime > built
        for pattern in PROJECT_FILES
        for path in DBT_PROJECT_DIR.glob(pattern)
    )


def dbt_executable() -> str:
    """The dbt installed beside this Python, so a venv works without being activated."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else "dbt"


@cache
def dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    # `make setup` parses the project once; after that, only an edited project re-parses.
    if _manifest_is_stale(project):
        subprocess.run(
            [dbt_executable(), "parse", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR), "--quiet"],
            check=True,
        )
        _inputs_file(project).write_text(_parse_inputs())
    return project


if __name__ == "__main__":  # `make setup`: parse once, with the environment `cdp` gives dbt
    export_settings(load_settings())
    dbt_project()
