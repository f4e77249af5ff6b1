"""Benchmark: the identity models against an in-memory union-find on the same edges.

    .venv/bin/python -m bench.identity_graph --people 1000000

Writes about 11 Segment events a person, runs `cdp run`, and takes the dbt models'
own timings (run_results.json) of the identity graph (every `int_identity__*` model:
screening, shared detection, nodes, edges, components, splits, assignment). Then it
reads the same edges out of the warehouse and times scipy's `connected_components`
on them: in memory alone, and end to end (reading the edges and writing the labels
back, which the SQL rounds include). Finally it adds 1% more events and runs again,
twice (`--days`), to compare the daily increment with the full build: the first day after
a full build, and days after an incremental one (the steady state of a daily schedule,
whose kept tables have taken a day's appends and deletes already). Each day's events come from
the same 10,000 returning people and are dated that day (November 2026, after the
history); `--backfill-days` spreads them over the history instead, as before stop 22.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from bench.disk import settle
from bench.segment_events import write_events
from orchestration.dbt.project import DBT_PROJECT_DIR

REPO = Path(__file__).resolve().parents[1]
# The models that find who is one person from the edges: the components, the groups and
# bridges that judge weak identifiers, the limit splits.
STITCHING = ("int_identity__components", "int_identity__judged_components", "int_identity__groups",
             "int_identity__bridges", "int_identity__components_confirmed",
             "int_identity__components_limited")


def newest_run_results() -> dict[str, float]:
    """Model name -> seconds, from the newest dbt invocation of the Dagster asset."""
    folders = sorted(DBT_PROJECT_DIR.glob("target/cdp_dbt_models-*/run_results.json"), key=lambda p: p.stat().st_mtime)
    results = json.loads(folders[-1].read_text())["results"]
    return {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results if r["unique_id"].startswith("model.")}


def identity_seconds(timings: dict[str, float]) -> float:
    return sum(seconds for name, seconds in timings.items() if name.startswith("int_identity__"))


def cdp_run(env: dict) -> tuple[float, dict[str, float]]:
    settle()
    started = time.perf_counter()
    result = subprocess.run([str(Path(sys.executable).parent / "cdp"), "run"], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"cdp run failed:\n{result.stderr[-3000:]}")
    return time.perf_counter() - started, newest_run_results()


def scipy_components(warehouse: Path) -> tuple[float, float, int, int]:
    """Seconds for scipy's components in memory alone, and end to end as the SQL rounds
    work: read the edges out of the warehouse, compute, write the labels back."""
    with duckdb.connect(str(warehouse)) as con:
        started = time.perf_counter()
        edges = con.sql("select node_id, neighbour_id from intermediate.int_identity__edges").fetchnumpy()
        nodes = con.sql("select max(node_id) from intermediate.int_identity__nodes").fetchall()[0][0] + 1
        computing = time.perf_counter()
        graph = coo_matrix((np.ones(len(edges["node_id"]), dtype=np.int8), (edges["node_id"], edges["neighbour_id"])),
                           shape=(nodes, nodes)).tocsr()
        _, labels = connected_components(graph, directed=False)
        in_memory = time.perf_counter() - computing
        written = pa.table({"node_id": np.arange(nodes), "label": labels})
        con.sql("create table intermediate.bench_scipy_labels as select * from written")
        end_to_end = time.perf_counter() - started
        con.sql("drop table intermediate.bench_scipy_labels")
    return in_memory, end_to_end, nodes, len(edges["node_id"]) // 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="build here (a new folder) and keep the warehouse afterwards")
    parser.add_argument("--days", type=int, default=2, help="how many 1%% days to add after the full build")
    parser.add_argument("--backfill-days", action="store_true",
                        help="date the days' events over the whole history (late arrivals) instead of on their day")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True)
    root = args.keep or Path(tempfile.mkdtemp(prefix="cdp-identity-"))
    try:
        landing = root / "landing"
        write_events(landing / "events", args.people * 11, files=16)
        env = {**os.environ, "CDP_WAREHOUSE": str(root / "warehouse.duckdb"), "CDP_LANDING_DIR": str(landing),
               "CDP_CONFIG": str(REPO / "cdp.yml"), "DAGSTER_HOME": str(root / "dagster_home")}
        full_s, full = cdp_run(env)
        scipy_s, scipy_e2e_s, nodes, edges = scipy_components(root / "warehouse.duckdb")

        days = []
        for seed in range(2, 2 + args.days):
            day = root / f"day{seed}"
            dated = None if args.backfill_days else date(2026, 10, 30) + timedelta(days=seed)
            write_events(day, args.people * 11 // 100, files=1, seed=seed, day=dated)
            (day / "events_000.jsonl").rename(landing / "events" / f"events_day{seed}.jsonl")
            days.append(cdp_run(env))
    finally:
        if not args.keep:
            shutil.rmtree(root)

    identity = identity_seconds(full)
    print(f"{args.people:,} people: {nodes:,} linkable identifiers, {edges:,} edges")
    print(f"identity models (full build): {identity:.1f} s  | scipy connected_components: {scipy_s:.1f} s "
          f"-> {identity / scipy_s:.1f}x")
    stitching = sum(full.get(name, 0) for name in STITCHING)
    print(f"  of which stitching (components, the judging of weak links, limit splits): {stitching:.1f} s "
          f"-> {stitching / scipy_s:.1f}x scipy")
    print(f"scipy end to end (read the edges from the warehouse, compute, write the labels back): {scipy_e2e_s:.1f} s "
          f"-> stitching {stitching / scipy_e2e_s:.1f}x, identity models {identity / scipy_e2e_s:.1f}x")
    for name, seconds in sorted(full.items(), key=lambda item: -item[1])[:12]:
        print(f"  {name:45s} {seconds:6.1f} s")
    for number, (_, timings) in enumerate(days, start=2):
        print(f"day {number} (+1% events): identity models {identity_seconds(timings):.1f} s "
              f"= {identity_seconds(timings) / identity:.1%} of the full build")
        for name, seconds in sorted(timings.items(), key=lambda item: -item[1])[:12]:
            print(f"  {name:45s} {seconds:6.1f} s (full build: {full.get(name, 0):.1f} s)")
    print(f"cdp run: full {full_s:.0f} s, " + ", ".join(f"day {n} {s:.0f} s" for n, (s, _) in enumerate(days, start=2)))


if __name__ == "__main__":
    main()
