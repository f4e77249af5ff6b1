"""The dbt project, built lazily so importing definitions does not run dbt unless it must."""

from __future__ import annotations

import subprocess
import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtProject

from core.marts import DBT_PROJECT_DIR
from core.settings import export_settings, load_settings


PROJECT_FILES = ("dbt_project.yml", "models/**/*", "macros/**/*", "seeds/**/*", "tests/**/*")


def _manifest_is_stale(project: DbtProject) -> bool:
    """True without a manifest, or when an analytics engineer edited the project since.
    (Plain dbt parses to the same manifest: nothing it reads at parse time comes from
    cdp's environment.)"""
    if not project.manifest_path.exists():
        return True
    built = project.manifest_path.stat().st_mtime
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
    return project


if __name__ == "__main__":  # `make setup`: parse once, with the environment `cdp` gives dbt
    export_settings(load_settings())
    dbt_project()
