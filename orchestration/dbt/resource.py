"""The dbt CLI resource the assets run dbt with."""

from __future__ import annotations

import sys
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path

from dagster_dbt import DbtCliResource
from packaging import version

from core.settings import Settings
from orchestration.dbt.project import dbt_executable, dbt_project


class CdpDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without two costs it pays before every dbt invocation, for
    things this project does not use (seconds of every run):
    - `dbt --version` in a subprocess to learn the version. The dbt run here is the one
      installed beside this Python, whose version the package metadata gives.
    - a handle on the dbt adapter in Dagster's own process (importing dbt): 3.6-4 s per
      invocation, and `fetch_row_counts()` through it 4 s more on a clock-only build;
      its DuckDB connection also stays open in Dagster's process, so the next dbt of
      the same process finds the warehouse locked. It only serves `fetch_row_counts`
      and `fetch_column_metadata`; the asset counts rows itself once dbt has exited
      (row_counts.py, 0.05 s for every table).
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        if Path(self.dbt_executable).parent == Path(sys.executable).parent:
            return version.parse(installed_version("dbt-core"))
        return super()._cli_version

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_resource(settings: Settings) -> CdpDbtCliResource:
    """dbt on the engine's target (`duckdb` or `spark`), or the one CDP_DBT_TARGET names."""
    return CdpDbtCliResource(project_dir=dbt_project(), dbt_executable=dbt_executable(), target=settings.dbt_target)
