"""`cdp run` with CDP_ENGINE=spark: land, copy into the lake, build on Spark, publish as Parquet.

The steps, in order, each in a process of its own, because the local Spark catalog (a
Derby metastore) admits one JVM at a time and dbt's `method: session` starts its own:

1. landing, as on DuckDB (ingestion/pipeline.py): rejects, set-aside files, crash
   recovery and the record of loaded files stay where they are, in the warehouse file,
   which on Spark is only the landing buffer;
2. the raw tables copied as Parquet under `<lake>/raw/` and named in Spark
   (`python -m ingestion.spark_tables`);
3. `dbt build` on the `spark` target (or the cluster's CDP_DBT_TARGET names);
4. the BI copy, `$CDP_PUBLISHED_DIR/parquet/<table>/` (`python -m activation.parquet_writers`).

Not yet through the Dagster job: its asset checks, exports, reports and the published
DuckDB file read the `cdp` tables with DuckDB SQL (docs/spark.md says what is left).
"""

from __future__ import annotations

import subprocess
import sys
import time

from core.config import load_config
from core.marts import DBT_PROJECT_DIR
from core.settings import Settings
from ingestion.pipeline import run_landing
from orchestration.dbt.build_plan import WITHOUT_UNIT_TESTS
from orchestration.dbt.project import dbt_executable
from orchestration.dbt.targets import TARGET_DIR


class SparkRunError(RuntimeError):
    """A step of a Spark run failed; the message names the step and ends with its output."""


def _step(name: str, args: list[str]) -> None:
    started = time.monotonic()
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise SparkRunError(f"{name} failed (exit {done.returncode}):\n{done.stdout[-4000:]}{done.stderr[-1500:]}")
    print(f"{name}: done in {time.monotonic() - started:.0f} s")


def spark_run(settings: Settings, full_refresh: bool = False) -> None:
    """One run on Spark; the caller has exported `settings` (export_settings)."""
    started = time.monotonic()
    landed = run_landing(settings, load_config(settings.config_path))
    print(f"landing: {landed.stats}")
    _step("raw tables into the lake", [sys.executable, "-m", "ingestion.spark_tables"])
    project = str(DBT_PROJECT_DIR)
    _step("dbt build on Spark", [dbt_executable(), "build", *(["--full-refresh"] if full_refresh else []),
                                 "--target", settings.dbt_target, "--project-dir", project, "--profiles-dir", project,
                                 "--target-path", str(TARGET_DIR / "spark"), *WITHOUT_UNIT_TESTS])
    _step("Parquet BI copy", [sys.executable, "-m", "activation.parquet_writers"])
    print(f"spark run: {time.monotonic() - started:.0f} s")
