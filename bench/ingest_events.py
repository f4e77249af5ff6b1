"""Benchmark: land N Segment events with this project vs DuckDB's own read_json, side by side.

    .venv/bin/python -m bench.ingest_events --events 2000000

Each contender runs in a fresh process on the same files and reports wall time and peak
memory (max RSS). The project's number is a full landing run: parsing, validation,
identifier normalisation, and the dlt load into a DuckDB file. The two alternate for
`--runs` pairs, each into a new warehouse, and the ratio is reported per pair and as the
median: on a shared two-core machine one pair can move by a third either way.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.disk import settle
from bench.segment_events import write_events

CHILD = r"""
import json, resource, sys, time
mode, landing, warehouse = sys.argv[1], sys.argv[2], sys.argv[3]
started = time.perf_counter()
if mode == "duckdb":
    import duckdb
    con = duckdb.connect(warehouse)
    con.sql(f"create table events as select * from read_json('{landing}/events/*.jsonl', format='newline_delimited')")
    rows = con.sql("select count(*) from events").fetchall()[0][0]
    con.close()
else:
    from core.config import load_config
    from core.settings import load_settings
    from ingestion.pipeline import run_landing
    settings = load_settings()
    config = load_config(settings.config_path)
    config.sources = {"events": config.sources["events"]}
    rows = run_landing(settings, config).stats.sources["events"].loaded
elapsed = time.perf_counter() - started
print(json.dumps({"mode": mode, "rows": rows, "seconds": elapsed, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_child(mode: str, landing: Path, work: Path) -> dict:
    warehouse = work / f"{mode}.duckdb"
    env = {**os.environ, "CDP_WAREHOUSE": str(warehouse), "CDP_LANDING_DIR": str(landing)}
    settle()
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(landing), str(warehouse)], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--keep", type=Path, help="reuse (or create) the landing files here")
    parser.add_argument("--runs", type=int, default=3, help="pairs of runs, DuckDB then this project")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="cdp-bench-"))
    landing = root / "landing"
    if not (landing / "events").exists():
        started = time.perf_counter()
        write_events(landing / "events", args.events)
        print(f"generated {args.events:,} events in {time.perf_counter() - started:.1f} s")
    pairs = []
    try:
        for _ in range(args.runs):
            work = Path(tempfile.mkdtemp(prefix="cdp-bench-work-"))
            try:
                pairs.append((run_child("duckdb", landing, work), run_child("cdp", landing, work)))
            finally:
                shutil.rmtree(work)
    finally:
        if not args.keep:
            shutil.rmtree(root)
    ratios = []
    for number, (duck, ours) in enumerate(pairs, start=1):
        ratios.append(ours["seconds"] / duck["seconds"])
        print(f"pair {number}: " + ", ".join(
            f"{r['mode']} {r['rows']:,} rows in {r['seconds']:.1f} s, peak {r['peak_mb']:.0f} MB" for r in (duck, ours)
        ) + f": {ratios[-1]:.1f}x")
    print(f"ratio: {statistics.median(ratios):.1f}x DuckDB's read_json (median of {len(ratios)}; "
          f"{min(ratios):.1f}x-{max(ratios):.1f}x), peak {max(result['peak_mb'] for _, result in pairs):.0f} MB")


if __name__ == "__main__":
    main()
