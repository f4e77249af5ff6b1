"""Where things live: every path comes from an environment variable with a documented default.

Paths are made absolute once, here, because dbt and dlt run with their own working
directories and a relative warehouse path would point somewhere else for each of them.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
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

    @property
    def published_dir(self) -> Path:
        """Where the read-only snapshot for BI tools (and the profile API) is published."""
        return Path(os.environ.get("CDP_PUBLISHED_DIR") or self.data_dir / "published").absolute()


# Not `cdp.duckdb`: DuckDB names the catalog after the file, and a catalog `cdp` would
# make `cdp.profiles` ambiguous for every reader.
PUBLISHED_NAME = "cdp_published.duckdb"


# Every CDP_* variable cdp reads; CDP_SQL_SEGMENTS is set by cdp itself, for dbt.
KNOWN_VARIABLES = frozenset({
    "CDP_WAREHOUSE", "CDP_LANDING_DIR", "CDP_CONFIG", "CDP_EXPORT_DIR", "CDP_PUBLISHED_DIR",
    "CDP_SCHEDULE_HOUR", "CDP_SCHEDULE_TIMEZONE", "CDP_SQL_SEGMENTS", "CDP_WRITE_KEYS", "CDP_READ_KEYS",
})


def unknown_variables(named_by_config: Iterable[str] = ()) -> list[str]:
    """Warnings for set CDP_* variables that nothing reads: usually a typo that silently
    leaves a default in place (`CDP_WAREHOSE` and a run against the wrong warehouse)."""
    known = KNOWN_VARIABLES | set(named_by_config)
    warnings = []
    for name in sorted(n for n in os.environ if n.startswith("CDP_") and n not in known):
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        warnings.append(f"{name} is set but cdp reads no such variable{hint}")
    return warnings


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
