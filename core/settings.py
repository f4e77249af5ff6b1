"""Where things live and when the schedule runs: one frozen `Settings`, read from the
environment once (`load_settings`) at an entry point (the `cdp` command, the Dagster
definitions) and passed to whatever needs it.

Paths are made absolute once, here, because dbt and dlt run with their own working
directories and a relative warehouse path would point somewhere else for each of them.
`export_settings` is the one place that writes them back to the environment, for dbt.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from core.memory import DEFAULT_MEMORY_LIMIT, default_temp_dir, memory_limit_error
from core.warehouse_lock import DEFAULT_LOCK_WAIT_SECONDS


class SettingsError(ValueError):
    """An environment variable with a value cdp cannot use, worded for the person who set it."""


@dataclass(frozen=True)
class Settings:
    warehouse: Path
    landing_dir: Path
    config_path: Path
    # Left out (None): a folder beside the warehouse, in data_dir.
    export_dir: Path = None  # type: ignore[assignment]
    published_dir: Path = None  # type: ignore[assignment]
    dagster_home: Path = None  # type: ignore[assignment]
    schedule_hour: int = 3
    schedule_timezone: str = "UTC"
    # The engine dbt builds on (CDP_ENGINE, else cdp.yml's `engine:`): `duckdb`, the embedded default, or `spark`
    # (dbt's target of that name; docs/spark.md). Spark's raw tables and managed tables
    # live in the lake folder, its catalog in a local Derby metastore.
    engine: str = "duckdb"
    lake_dir: Path = None  # type: ignore[assignment]
    spark_metastore: Path = None  # type: ignore[assignment]
    # dbt's target: the engine's own, or a cluster's (CDP_DBT_TARGET: dbt_project/profiles.yml)
    dbt_target: str = None  # type: ignore[assignment]
    # How long a run waits for another process's lock on the warehouse (core/warehouse_lock.py).
    lock_wait_seconds: float = DEFAULT_LOCK_WAIT_SECONDS
    # What each DuckDB on the warehouse may hold in memory, and where it spills the rest
    # (core/memory.py). Left out (None): DuckDB's folder for the file, `<warehouse>.tmp`.
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    temp_dir: Path = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise SettingsError(f"CDP_ENGINE: {self.engine!r} is not one of {', '.join(ENGINES)}")
        if self.dbt_target is None:
            object.__setattr__(self, "dbt_target", self.engine)
        for name, folder in (("export_dir", "exports"), ("published_dir", "published"), ("dagster_home", "dagster_home"),
                             ("lake_dir", "lake"), ("spark_metastore", "spark_metastore")):
            if getattr(self, name) is None:
                object.__setattr__(self, name, (self.data_dir / folder).absolute())
        if self.temp_dir is None:
            object.__setattr__(self, "temp_dir", default_temp_dir(self.warehouse))

    @property
    def data_dir(self) -> Path:
        """Working state that belongs to this warehouse (dlt pipeline state, Dagster home)."""
        return self.warehouse.parent

    @property
    def dlt_pipelines_dir(self) -> Path:
        return self.data_dir / ".dlt_pipelines"

    @property
    def published_snapshot(self) -> Path:
        """The read-only DuckDB file BI tools and the profile API read."""
        return self.published_dir / PUBLISHED_NAME


ENGINES = ("duckdb", "spark")

# Not `cdp.duckdb`: DuckDB names the catalog after the file, and a catalog `cdp` would
# make `cdp.profiles` ambiguous for every reader.
PUBLISHED_NAME = "cdp_published.duckdb"


# Every CDP_* variable cdp reads.
KNOWN_VARIABLES = frozenset({
    "CDP_WAREHOUSE", "CDP_LANDING_DIR", "CDP_CONFIG", "CDP_EXPORT_DIR", "CDP_PUBLISHED_DIR",
    "CDP_SCHEDULE_HOUR", "CDP_SCHEDULE_TIMEZONE", "CDP_WRITE_KEYS", "CDP_READ_KEYS",
    "CDP_LOCK_WAIT_SECONDS", "CDP_PRIVACY_KEY",
    "CDP_MEMORY_LIMIT", "CDP_TEMP_DIR",
    # Spark (docs/spark.md): the engine, where its tables live, and the cluster targets' connections
    "CDP_ENGINE", "CDP_LAKE_DIR", "CDP_SPARK_METASTORE", "CDP_SPARK_FILE_FORMAT", "CDP_SPARK_MASTER",
    "CDP_SPARK_DRIVER_MEMORY", "CDP_DBT_TARGET", "CDP_SPARK_HOST", "CDP_SPARK_PORT", "CDP_SPARK_USER",
    "CDP_DATABRICKS_HOST", "CDP_DATABRICKS_CLUSTER", "CDP_DATABRICKS_TOKEN",
})


def unknown_variables(named_by_config: Iterable[str] = (), environ: Mapping[str, str] = os.environ) -> list[str]:
    """Warnings for set CDP_* variables that nothing reads: usually a typo that silently
    leaves a default in place (`CDP_WAREHOSE` and a run against the wrong warehouse)."""
    known = KNOWN_VARIABLES | set(named_by_config)
    warnings = []
    for name in sorted(n for n in environ if n.startswith("CDP_") and n not in known):
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        warnings.append(f"{name} is set but cdp reads no such variable{hint}")
    return warnings


def _folder(environ: Mapping[str, str], name: str) -> Path | None:
    value = environ.get(name)
    return Path(value).absolute() if value else None


def _hour(value: str) -> int:
    if not value.strip().isdigit() or not 0 <= int(value) <= 23:
        raise SettingsError(f"CDP_SCHEDULE_HOUR: {value!r} is not an hour from 0 to 23")
    return int(value)


def _seconds(name: str, value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise SettingsError(f"{name}: {value!r} is not a number of seconds (0 or more)")
    return seconds


def _memory_limit(value: str) -> str:
    error = memory_limit_error(value)
    if error:
        raise SettingsError(error)
    return value.strip()


def _config_engine(config_path: Path) -> str | None:
    """cdp.yml's `engine:`, or None when it has none. Read here, not through core.config,
    because the engine decides where everything else lives and Settings come first; a
    file that is missing or not YAML is left for load_config to report."""
    try:
        raw = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    value = raw.get("engine") if isinstance(raw, dict) else None
    if value is None:
        return None
    engine = str(value).strip().lower()
    if engine not in ENGINES:
        raise SettingsError(f"{config_path}: engine: {value!r} is not one of {', '.join(ENGINES)}")
    return engine


def _engine(environ: Mapping[str, str], config_path: Path) -> str:
    """CDP_ENGINE if set (it wins, so one run can try the other engine), else cdp.yml's
    `engine:`, else duckdb."""
    return environ.get("CDP_ENGINE", "").strip().lower() or _config_engine(config_path) or "duckdb"


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    config_path = Path(environ.get("CDP_CONFIG", "cdp.yml")).absolute()
    return Settings(
        warehouse=Path(environ.get("CDP_WAREHOUSE", "data/warehouse.duckdb")).absolute(),
        landing_dir=Path(environ.get("CDP_LANDING_DIR", "data/landing")).absolute(),
        config_path=config_path,
        export_dir=_folder(environ, "CDP_EXPORT_DIR"),
        published_dir=_folder(environ, "CDP_PUBLISHED_DIR"),
        dagster_home=_folder(environ, "DAGSTER_HOME"),
        schedule_hour=_hour(environ.get("CDP_SCHEDULE_HOUR", "3")),
        schedule_timezone=environ.get("CDP_SCHEDULE_TIMEZONE", "UTC"),
        engine=_engine(environ, config_path),
        lake_dir=_folder(environ, "CDP_LAKE_DIR"),
        spark_metastore=_folder(environ, "CDP_SPARK_METASTORE"),
        dbt_target=environ.get("CDP_DBT_TARGET") or None,
        lock_wait_seconds=_seconds("CDP_LOCK_WAIT_SECONDS", environ.get("CDP_LOCK_WAIT_SECONDS", str(DEFAULT_LOCK_WAIT_SECONDS))),
        memory_limit=_memory_limit(environ.get("CDP_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT),
        temp_dir=_folder(environ, "CDP_TEMP_DIR"),
    )


def export_settings(settings: Settings) -> None:
    """Publish absolute paths and DuckDB's memory settings to child processes and to
    this one's connections: dbt reads CDP_WAREHOUSE (or, on Spark, CDP_LAKE_DIR and
    CDP_SPARK_METASTORE), CDP_MEMORY_LIMIT and CDP_TEMP_DIR from its profile and its
    target from CDP_ENGINE; `core.memory.duckdb_config` reads the memory two. The one
    place cdp writes its environment."""
    os.environ["CDP_WAREHOUSE"] = str(settings.warehouse)
    os.environ["CDP_LANDING_DIR"] = str(settings.landing_dir)
    os.environ["CDP_CONFIG"] = str(settings.config_path)
    os.environ["CDP_MEMORY_LIMIT"] = settings.memory_limit
    os.environ["CDP_TEMP_DIR"] = str(settings.temp_dir)
    os.environ["CDP_ENGINE"] = settings.engine
    os.environ["CDP_LAKE_DIR"] = str(settings.lake_dir)
    os.environ["CDP_SPARK_METASTORE"] = str(settings.spark_metastore)
