"""Benchmark: publishing in proportion to what changed (activation/publish.py), side by side
on one warehouse: a full publish, an unchanged day's, and one where only small tables change.

    .venv/bin/python -m bench.publish_changed --warehouse DIR/warehouse.duckdb

Works on a copy of the warehouse; the small tables (under --small rows, not empty) each lose a
row, then `events` loses one.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from activation.publish import PUBLISHED_SCHEMA, PUBLISHED_STORAGE_VERSION, publish
from activation.publish_fingerprints import table_fingerprint
from core.settings import Settings
from core.sql import quote

REPO = Path(__file__).resolve().parents[1]


def timed(settings: Settings, run_id: str) -> tuple[float, int]:
    started = time.perf_counter()
    published = publish(settings, run_id)
    return time.perf_counter() - started, len(published.written)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--small", type=int, default=100_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="cdp-publish-changed-"))
    try:
        warehouse = root / "warehouse.duckdb"
        shutil.copyfile(args.warehouse, warehouse)
        settings = Settings(warehouse=warehouse, landing_dir=root / "landing", config_path=REPO / "cdp.yml",
                            published_dir=root / "published")
        with duckdb.connect(str(warehouse)) as con:
            sizes = dict(con.sql("select table_name, estimated_size from duckdb_tables() "
                                 "where schema_name = ?", params=[PUBLISHED_SCHEMA]).fetchall())
            started = time.perf_counter()
            table_fingerprint(con, "warehouse", PUBLISHED_SCHEMA, "events", PUBLISHED_STORAGE_VERSION)
            print(f"fingerprint of events ({sizes['events']:,} rows): {time.perf_counter() - started:.2f} s")
            started = time.perf_counter()
            for table in sizes:
                table_fingerprint(con, "warehouse", PUBLISHED_SCHEMA, table, PUBLISHED_STORAGE_VERSION)
            print(f"fingerprints of all {len(sizes)} tables: {time.perf_counter() - started:.2f} s")
        for label, run_id in (("full (no previous snapshot)", "full"), ("unchanged day", "same")):
            seconds, written = timed(settings, run_id)
            print(f"{label:40s} {seconds:6.2f} s  ({written} tables written)")
        small = [t for t, rows in sizes.items() if 0 < rows < args.small]
        with duckdb.connect(str(warehouse)) as con:
            for table in small:
                con.sql(f"delete from {PUBLISHED_SCHEMA}.{quote(table)} where rowid = (select min(rowid) "
                        f"from {PUBLISHED_SCHEMA}.{quote(table)})")
        seconds, written = timed(settings, "small")
        print(f"{'small tables changed (' + str(len(small)) + ')':40s} {seconds:6.2f} s  ({written} tables written)")
        with duckdb.connect(str(warehouse)) as con:
            con.sql(f"delete from {PUBLISHED_SCHEMA}.events where rowid = (select min(rowid) from "
                    f"{PUBLISHED_SCHEMA}.events)")
        seconds, written = timed(settings, "events")
        print(f"{'events changed (one row fewer)':40s} {seconds:6.2f} s  ({written} tables written)")
        for previous in ("cdp_published.duckdb", "manifest.json"):
            (settings.published_dir / previous).unlink()
        seconds, written = timed(settings, "full2")
        print(f"{'full again (no previous snapshot)':40s} {seconds:6.2f} s  ({written} tables written)")
    finally:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
