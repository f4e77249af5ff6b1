"""Benchmark: the same landed world through `dbt build` on DuckDB and on local Spark.

    .venv/bin/python -m bench.spark_vs_duckdb --people 3000
    .venv/bin/python -m bench.spark_vs_duckdb --warehouse data/warehouse.duckdb   # a landed one

The world is landed once, into DuckDB (`cdp demo`); its raw tables are then written as
Parquet and named in Spark (`python -m ingestion.spark_tables`), so both engines read the
same rows.
Each engine runs a full `dbt build --full-refresh` (models and tests) in a fresh process,
one after the other, and the two BI copies are compared table by table
(bench/compare_engines.py). Spark's fixed cost is reported beside it: a `dbt run` of
one view (the JVM, the session and the metastore).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from bench.compare_engines import main as compare_main

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-6000:] + done.stderr[-3000:])
        raise SystemExit(f"failed: {' '.join(args[:3])}")
    return time.perf_counter() - started


def _dbt(project: Path, target_path: Path, *args: str) -> list[str]:
    return [str(BIN / "dbt"), *args, "--project-dir", str(project), "--profiles-dir", str(project),
            "--target-path", str(target_path)]


def _keep_only_raw(warehouse: Path) -> None:
    """The landed rows only: history models (full_refresh=false) would keep what `cdp demo` built."""
    with duckdb.connect(str(warehouse)) as con:
        for (schema,) in con.sql("select schema_name from duckdb_schemas() where database_name = current_database() "
                                 "and not internal and schema_name not in ('raw', 'main')").fetchall():
            con.sql(f'drop schema "{schema}" cascade')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--warehouse", type=Path, help="a landed DuckDB warehouse (skips `cdp demo`)")
    parser.add_argument("--project-dir", type=Path, default=REPO / "dbt_project")
    parser.add_argument("--work", type=Path, help="keep the worlds here (default: a temporary folder)")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="cdp-spark-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    base = {**os.environ, "CDP_CONFIG": str(REPO / "cdp.yml")}
    base.pop("CDP_ENGINE", None)

    landed = args.warehouse
    if landed is None:
        landed = work / "landed" / "warehouse.duckdb"
        env = {**base, "CDP_WAREHOUSE": str(landed), "CDP_LANDING_DIR": str(work / "landed" / "landing"),
               "DAGSTER_HOME": str(work / "landed" / "dagster_home")}
        seconds = _run([str(BIN / "cdp"), "demo", "--people", str(args.people)], env)
        print(f"landed {args.people} people with `cdp demo` in {seconds:.0f} s")

    duck = work / "duckdb"
    shutil.rmtree(duck, ignore_errors=True)
    duck.mkdir()
    shutil.copyfile(landed, duck / "warehouse.duckdb")
    _keep_only_raw(duck / "warehouse.duckdb")
    duck_env = {**base, "CDP_WAREHOUSE": str(duck / "warehouse.duckdb"), "CDP_PUBLISHED_DIR": str(duck / "published")}
    spark = work / "spark"
    shutil.rmtree(spark, ignore_errors=True)
    spark_env = {**base, "CDP_ENGINE": "spark", "CDP_LAKE_DIR": str(spark / "lake"),
                 "CDP_SPARK_METASTORE": str(spark / "metastore"), "CDP_WAREHOUSE": str(landed),
                 "CDP_PUBLISHED_DIR": str(spark / "published")}
    prepare = _run([sys.executable, "-m", "ingestion.spark_tables"], spark_env)

    duck_seconds = _run(_dbt(args.project_dir, duck / "target", "build", "--full-refresh"), duck_env)
    spark_seconds = _run(_dbt(args.project_dir, spark / "target", "build", "--full-refresh"), spark_env)
    fixed = _run(_dbt(args.project_dir, spark / "target", "run", "--select", "stg_cdp__identity_caps"), spark_env)
    print(f"dbt build --full-refresh: DuckDB {duck_seconds:.1f} s, Spark {spark_seconds:.1f} s "
          f"(ratio {spark_seconds / duck_seconds:.1f}); Spark's fixed cost per dbt invocation {fixed:.1f} s; "
          f"raw tables to Parquet and Spark {prepare:.1f} s")

    _run([sys.executable, "-m", "activation.parquet_writers"], duck_env)
    _run([sys.executable, "-m", "activation.parquet_writers"], spark_env)
    return compare_main([str(duck / "published" / "parquet"), str(spark / "published" / "parquet")])


if __name__ == "__main__":
    sys.exit(main())
