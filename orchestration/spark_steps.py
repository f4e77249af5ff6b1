"""The Spark side of the Dagster dbt asset, with CDP_ENGINE=spark (docs/spark.md).

The job is the one DuckDB runs: privacy requests, landing (into the warehouse file, on
Spark the landing buffer), dbt, checks, exports, publishing. Around dbt, on Spark:

1. before: the landed raw tables copied as Parquet under `<lake>/raw/` and named in Spark
   (`python -m ingestion.spark_tables`), skipped when nothing landed since the last copy;
2. dbt builds on the Spark target, as the asset runs it on DuckDB;
3. after: Spark's `cdp` tables (and the two others `cdp explain` reads) copied as Parquet
   under `<lake>/bi_tables/<run>/<schema>/` (`python -m orchestration.spark_copy`) and the
   warehouse's `<schema>.<table>` views pointed at that copy (core/lake_views.py), so
   whatever reads `cdp.*` downstream reads Spark's results with its DuckDB SQL, and
   publishing copies the same files.

Each Spark step is a process of its own: the local catalog (Derby) admits one JVM at a
time, and dbt's Spark starts its own. A file lock beside the catalog keeps a second run
(`cdp run` while `dagster dev`'s sensor runs, or `cdp dbt`) from starting its Spark steps
while one holds them: it waits, saying for whom, up to CDP_LOCK_WAIT_SECONDS.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from core.lake_views import replace_lake_views
from core.settings import Settings
from core.sql import literal, quote
from core.warehouse_lock import connect

# the digest of what landed when the raw tables were last copied into the lake
RAW_COPIED_MARK = "_cdp_landed_digest"
COPIES = "bi_tables"
CURRENT = "current"


class SparkStepError(RuntimeError):
    """A Spark step failed; the message names the step and ends with its output."""


def run_step(name: str, args: list[str], log: Callable[[str], None] = print) -> None:
    started = time.monotonic()
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise SparkStepError(f"{name} failed (exit {done.returncode}):\n{done.stdout[-4000:]}{done.stderr[-1500:]}")
    log(f"{name}: done in {time.monotonic() - started:.0f} s")


@contextmanager
def holding_spark(settings: Settings, log: Callable[[str], None] = print) -> Iterator[None]:
    """This process's turn at the local Spark catalog, waited for while another run has it."""
    settings.spark_metastore.mkdir(parents=True, exist_ok=True)
    path = settings.spark_metastore / "cdp_run.lock"
    with open(path, "a+") as lock:
        deadline, pause = time.monotonic() + settings.lock_wait_seconds, 0.5
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                lock.seek(0)
                holder = lock.read().strip() or "another process"
                if time.monotonic() >= deadline:
                    raise SparkStepError(f"the run that holds {path} ({holder}) did not finish within "
                                         f"{settings.lock_wait_seconds:.0f} s (CDP_LOCK_WAIT_SECONDS)") from None
                log(f"waiting for the run that holds {path} ({holder}) to finish its Spark steps")
                time.sleep(pause)
                pause = min(pause * 2, 15)
        lock.seek(0)
        lock.truncate()
        lock.write(f"pid {os.getpid()}")
        lock.flush()
        try:
            yield
        finally:
            lock.truncate(0)
            fcntl.flock(lock, fcntl.LOCK_UN)


def raw_into_lake(settings: Settings, digest: str | None, log: Callable[[str], None] = print) -> bool:
    """The landed raw tables into the lake and named in Spark, unless they are as the last
    copy left them (`digest`: of what has landed, None while unknown); True when copied."""
    mark = settings.lake_dir / "raw" / RAW_COPIED_MARK
    if digest is not None and mark.is_file() and mark.read_text() == digest:
        log("raw tables into the lake: nothing landed since the last copy; skipped")
        return False
    mark.unlink(missing_ok=True)
    run_step("raw tables into the lake", [sys.executable, "-m", "ingestion.spark_tables"], log)
    if digest is not None:
        mark.write_text(digest)
    return True


def current_copy(settings: Settings) -> Path:
    """The Parquet copy of Spark's tables the warehouse's views read."""
    return (settings.lake_dir / COPIES / CURRENT).resolve()


def copy_for_duckdb(settings: Settings, run_id: str, log: Callable[[str], None] = print) -> list[str]:
    """Spark's `cdp` tables as a new Parquet copy, the warehouse's views moved onto it,
    and copies older than the one before dropped; the tables."""
    copies = settings.lake_dir / COPIES
    folder = copies / run_id
    shutil.rmtree(folder, ignore_errors=True)  # a retried step's half copy
    run_step("Spark tables copied for DuckDB", [sys.executable, "-m", "orchestration.spark_copy", str(folder)], log)
    with connect(settings.warehouse, wait_seconds=settings.lock_wait_seconds, what="views over Spark's tables") as con:
        tables = replace_lake_views(con, folder)
    previous = current_copy(settings) if (copies / CURRENT).is_symlink() else None
    link = copies / f".{CURRENT}.{run_id}"
    link.unlink(missing_ok=True)
    link.symlink_to(folder.name)
    os.replace(link, copies / CURRENT)
    # the one before stays for a reader that opened the views before they moved
    for old in copies.iterdir():
        if old.is_dir() and not old.is_symlink() and old not in (folder, previous):
            shutil.rmtree(old, ignore_errors=True)
    return tables


def lake_copy_writer(settings: Settings) -> Callable[[Path], None]:
    """A writer of the BI copy (activation/publish_parquet.py) from the current copy of
    Spark's tables: the same files, no Spark needed to publish; and the warehouse's own
    `cdp` tables (cdp.privacy_requests), which no model builds, as DuckDB publishes them."""
    def write(folder: Path) -> None:
        source = current_copy(settings) / "cdp"
        for table in sorted(p for p in source.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
            shutil.copytree(table, folder / table.name,
                            ignore=lambda _, names: [n for n in names if n.startswith(("_", "."))])
        with connect(settings.warehouse, read_only=True, wait_seconds=settings.lock_wait_seconds,
                     what="the warehouse's own cdp tables") as con:
            for (table,) in con.sql("select table_name from duckdb_tables() where schema_name = 'cdp' "
                                    "order by 1").fetchall():
                (folder / table).mkdir()
                con.sql(f"copy cdp.{quote(table)} to {literal(str(folder / table / 'part-0.parquet'))} (format parquet)")

    return write
