"""Where things live: every path comes from an environment variable with a documented default.

Paths are made absolute once, here, because dbt and dlt run with their own working
directories and a relative warehouse path would point somewhere else for each of them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    warehouse: Path
    landing_dir: Path
    config_path: Path

    @property
    def data_dir(self) -> Path:
        """Working state that belongs to this warehouse (dlt pipeline state, Dagster home)."""
        return self.warehouse.parent

    @property
    def dlt_pipelines_dir(self) -> Path:
        return self.data_dir / ".dlt_pipelines"

    @property
    def export_dir(self) -> Path:
        """Where file destinations write, one folder per destination."""
        return Path(os.environ.get("CDP_EXPORT_DIR") or self.data_dir / "exports").absolute()

    @property
    def dagster_home(self) -> Path:
        return Path(os.environ.get("DAGSTER_HOME") or self.data_dir / "dagster_home").absolute()


def load_settings() -> Settings:
    return Settings(
        warehouse=Path(os.environ.get("CDP_WAREHOUSE", "data/warehouse.duckdb")).absolute(),
        landing_dir=Path(os.environ.get("CDP_LANDING_DIR", "data/landing")).absolute(),
        config_path=Path(os.environ.get("CDP_CONFIG", "cdp.yml")).absolute(),
    )


def export_settings(settings: Settings) -> None:
    """Publish absolute paths to child processes (dbt reads CDP_WAREHOUSE from its profile)."""
    os.environ["CDP_WAREHOUSE"] = str(settings.warehouse)
    os.environ["CDP_LANDING_DIR"] = str(settings.landing_dir)
    os.environ["CDP_CONFIG"] = str(settings.config_path)
    # dbt learns the SQL segment models from this at parse time (macros/sql_segments.sql)
    from cdp.segments import sql_segment_names

    os.environ["CDP_SQL_SEGMENTS"] = ",".join(sql_segment_names())
