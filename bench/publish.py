"""Benchmark: publishing the BI copy (a new DuckDB file in storage format v1.0.0, and
Parquet) against the byte copy it replaced, side by side on one warehouse.

    .venv/bin/python -m bench.publish --people 200000      # builds a world with `cdp run` first
    .venv/bin/python -m bench.publish --warehouse data/warehouse.duckdb

The byte copy copied the warehouse file and dropped every schema but `cdp` from the
copy: fast, but DuckDB 1.x cannot read the copy's storage format, and its free blocks
keep the dropped data's bytes. It is kept here as the baseline only. Rounds alternate
the two, each into a folder of its own.
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

from activation.publish import publish
from bench.disk import settle
from bench.segment_events import write_events
from core.settings import Settings
from core.sql import quote

REPO = Path(__file__).resolve().parents[1]


def byte_copy(warehouse: Path, folder: Path) -> Path:
    """The former way: copy the file, drop all but the `cdp` tables."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "cdp_published.duckdb"
    shutil.copyfile(warehouse, target)
    with duckdb.connect(str(target)) as con:
        for (schema,) in con.sql("select schema_name from duckdb_schemas() where database_name = current_database() "
                                 "and not internal and schema_name <> 'cdp'").fetchall():
            con.sql(f"drop schema {quote(schema)} cascade")
        for (view,) in con.sql("select view_name from duckdb_views() where database_name = current_database() "
                               "and not internal").fetchall():
            con.sql(f"drop view cdp.{quote(view)}")
        con.sql("checkpoint")
    return target


def size_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def build_world(people: int, root: Path) -> Path:
    write_events(root / "landing" / "events", people * 11, files=16)
    env = {"CDP_WAREHOUSE": str(root / "warehouse.duckdb"), "CDP_LANDING_DIR": str(root / "landing"),
           "CDP_CONFIG": str(REPO / "cdp.yml"), "DAGSTER_HOME": str(root / "dagster_home")}
    subprocess.run([str(Path(sys.executable).parent / "cdp"), "run"], env={**os.environ, **env},
                   cwd=REPO, check=True, capture_output=True)
    return root / "warehouse.duckdb"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warehouse", type=Path, help="an existing warehouse (else one is built)")
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cdp-publish-"))
    try:
        warehouse = args.warehouse or build_world(args.people, work / "world")
        for round_ in range(args.rounds):
            settle()
            started = time.perf_counter()
            copied = byte_copy(warehouse, work / f"copy-{round_}")
            copy_s = time.perf_counter() - started
            settle()
            settings = Settings(warehouse=warehouse, landing_dir=work, config_path=REPO / "cdp.yml",
                                published_dir=work / f"new-{round_}")
            started = time.perf_counter()
            published = publish(settings, f"bench-{round_}")
            new_s = time.perf_counter() - started
            print(f"round {round_ + 1}: byte copy {copy_s:.2f} s ({size_mb(copied):.0f} MB); "
                  f"new file and Parquet {new_s:.2f} s ({size_mb(published.path):.0f} MB and "
                  f"{size_mb(published.parquet):.0f} MB); {new_s / copy_s:.1f}x")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
