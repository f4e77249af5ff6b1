"""The dbt project, built lazily so importing definitions does not run dbt unless it must."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from dagster_dbt import DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"


@cache
def dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    # `make setup` parses the project once; a fresh checkout without a manifest parses here.
    if not project.manifest_path.exists():
        project.preparer.prepare(project)
    return project
