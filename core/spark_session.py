"""A local Spark session configured as dbt's `spark` target configures its own.

From the Settings (core/settings.py; dbt_project/profiles.yml reads the same values
from the environment `export_settings` writes):
- lake_dir (CDP_LAKE_DIR): raw tables land as Parquet under `raw/<table>/`, Spark's
  managed tables live under `warehouse/`
- spark_metastore (CDP_SPARK_METASTORE): the folder of the local Hive metastore (a Derby
  database). It must be a local path: Derby is a file database.
- CDP_SPARK_MASTER (default `local[2]`), CDP_SPARK_DRIVER_MEMORY (default `2g`): tuning,
  read from the environment as dbt's profile reads them

Tables outlive the process: the catalog is a Derby-backed Hive metastore on disk, so the
tables one `dbt build` creates are there for the next one (dbt's `method: session`
starts a new Spark for each invocation). Derby allows one process at a time: whatever
opens a session here belongs in the warehouse pool of size 1, as every DuckDB writer does.

On a cluster none of this applies: dbt connects with `method: thrift` or `http` and the
cluster's own metastore (docs/spark-design-notes.md).
"""

from __future__ import annotations

import os

from pyspark.sql import SparkSession

from core.settings import Settings

# dbt-spark forces spark.sql.ansi.enabled=false on every session it opens; this module does
# the same, so SQL behaves alike whichever of the two opened the session.
FIXED_CONF = {
    "spark.sql.ansi.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    # small local data: Spark's default of 200 shuffle partitions is 200 tasks per join
    "spark.sql.shuffle.partitions": "4",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.log.level": "WARN",
    # Parquet's standard timestamp (Spark writes the legacy INT96 by default)
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
}


def spark_conf(settings: Settings) -> dict[str, str]:
    """The configuration of a local session: the `spark` target's server_side_parameters."""
    metastore = settings.spark_metastore
    return {
        "spark.master": os.environ.get("CDP_SPARK_MASTER", "local[2]"),
        "spark.driver.memory": os.environ.get("CDP_SPARK_DRIVER_MEMORY", "2g"),
        "spark.sql.warehouse.dir": str(settings.lake_dir / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={metastore}/metastore_db;create=true",
        # derby.log goes beside the metastore instead of the working folder
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={metastore}",
        **FIXED_CONF,
    }


def spark_session(settings: Settings, app_name: str = "cdp") -> SparkSession:
    """The process's Spark session (started on first use, with the Hive catalog)."""
    settings.spark_metastore.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.appName(app_name).enableHiveSupport()
    for key, value in spark_conf(settings).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
