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


def _parse_inputs() -> str:
    # the environment dbt reads at parse time: which SQL segment models to union, and the
    # engine (its target, and Spark's table format)
    return "\n".join(f"{name}={os.environ.get(name, '')}"
                     for name in ("CDP_SQL_SEGMENTS", "CDP_ENGINE", "CDP_DBT_TARGET", "CDP_SPARK_FILE_FORMAT"))


def _inputs_file(project: DbtProject) -> Path:
    return project.manifest_path.with_name("cdp_parse_inputs.txt")


def _manifest_is_stale(project: DbtProject) -> bool:
    """True without a manifest, when an analytics engineer edited the project since, or
    when it was parsed with another list of SQL segments, or by someone else since (plain
    `dbt compile` by hand rewrites it without the SQL segments: Dagster's graph would then
    disagree with what dbt selects, and a run with nothing new fails)."""
    if not project.manifest_path.exists():
        return True
    inputs = _inputs_file(project)
    if not inputs.exists() or inputs.read_text() != _parse_inputs():
        return True
    built = project.manifest_path.stat().st_mtime
    if built > inputs.stat().st_mtime:
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
