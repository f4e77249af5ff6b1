"""Benchmark: a full daily run through Dagster vs a plain DuckDB script, side by side.

    .venv/bin/python -m bench.daily_run --people 1000000

Both read the same Segment event files (about 11 events a person). The plain script
has no orchestration, no dlt, no dbt, no checks: read_json, the identifiers, the same
connected-components rounds (min-label propagation with pointer jumping), and one
profile row per component. The CDP number is `cdp run`: landing with validation and
rejects, every dbt model and test, GX checks, publishing. A second `cdp run` with
nothing new is timed too. Peak memory is the largest process (ru_maxrss of children).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.disk import settle
from bench.segment_events import write_events

REPO = Path(__file__).resolve().parents[1]

PLAIN = r"""
import sys, time, duckdb
landing, warehouse = sys.argv[1], sys.argv[2]
con = duckdb.connect(warehouse)
con.sql(f"create table events as select * from read_json('{landing}/events/*.jsonl', format='newline_delimited')")
con.sql('''create table ids as
    select distinct messageId as record, 'anonymous_id' as kind, anonymousId as value from events where anonymousId is not null
    union all select distinct messageId, 'user_id', userId from events where userId is not null
    union all select distinct messageId, 'email', lower(trim(traits.email)) from events where traits.email is not null''')
con.sql("create table nodes as select row_number() over (order by kind, value) as node, kind, value from (select distinct kind, value from ids)")
con.sql('''create table edges as with r as (select i.record, n.node from ids i join nodes n using (kind, value)),
    a as (select record, min(node) as anchor from r group by record)
    select distinct a.anchor as src, r.node as dst from r join a using (record) where r.node <> a.anchor''')
con.sql("create table both_ways as select src, dst from edges union all select dst, src from edges")
con.sql("create table labels as select n.node, least(n.node, coalesce(min(b.dst), n.node)) as label from nodes n left join both_ways b on b.src = n.node group by n.node")
while True:
    con.sql('''create or replace table next_labels as
        with m as (select b.src as node, min(l.label) as label from both_ways b join labels l on l.node = b.dst group by b.src),
        p as (select l.node, least(l.label, coalesce(m.label, l.label)) as label from labels l left join m using (node))
        select p.node, least(p.label, j.label) as label from p join p as j on j.node = p.label''')
    changed = con.sql("select count(*) from next_labels n join labels l using (node) where n.label <> l.label").fetchall()[0][0]
    con.sql("drop table labels"); con.sql("alter table next_labels rename to labels")
    if changed == 0:
        break
con.sql('''create table profiles as
    select l.label as profile, count(distinct i.record) as events, max(e.timestamp) as last_seen_at
    from labels l join nodes n using (node) join ids i using (kind, value) join events e on e.messageId = i.record
    group by l.label''')
print(con.sql("select count(*) from profiles").fetchall()[0][0])
"""


def timed(command: list[str], env: dict) -> tuple[float, subprocess.CompletedProcess]:
    settle()
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=REPO)
    if result.returncode != 0:
        sys.exit(f"{command[0]} failed:\n{result.stderr[-3000:]}")
    return time.perf_counter() - started, result


def step_seconds(dagster_home: Path) -> list[dict[str, float]]:
    """Each run's steps and how long they took, from the Dagster instance's event log."""
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    from dagster import DagsterEventType, DagsterInstance

    instance = DagsterInstance.get()
    runs = []
    for run in reversed(instance.get_runs()):
        started: dict[str, float] = {}
        steps: dict[str, float] = {}
        for record in instance.all_logs(run.run_id):
            event = record.dagster_event
            if event is None:
                continue
            if event.event_type == DagsterEventType.STEP_START:
                started[event.step_key] = record.timestamp
            elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
                steps[event.step_key] = record.timestamp - started.get(event.step_key, record.timestamp)
        runs.append(steps)
    return runs


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="reuse (or create) the landing files here")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="cdp-daily-"))
    landing = root / "landing"
    if not (landing / "events").exists():
        started = time.perf_counter()
        write_events(landing / "events", args.people * 11, files=16)
        print(f"generated {args.people * 11:,} events in {time.perf_counter() - started:.0f} s")
    work = Path(tempfile.mkdtemp(prefix="cdp-daily-work-"))
    try:
        plain_s, plain = timed([sys.executable, "-c", PLAIN, str(landing), str(work / "plain.duckdb")], dict(os.environ))
        plain_peak = peak_mb()
        env = {**os.environ, "CDP_WAREHOUSE": str(work / "cdp" / "warehouse.duckdb"), "CDP_LANDING_DIR": str(landing),
               "CDP_CONFIG": str(REPO / "cdp.yml"), "DAGSTER_HOME": str(work / "dagster_home")}
        cdp = str(Path(sys.executable).parent / "cdp")
        full_s, _ = timed([cdp, "run"], env)
        full_peak = peak_mb()
        again_s, _ = timed([cdp, "run"], env)
        steps = step_seconds(work / "dagster_home")
    finally:
        shutil.rmtree(work)
        if not args.keep:
            shutil.rmtree(root)
    print(json.dumps({"people": args.people, "plain_profiles": int(plain.stdout.strip().splitlines()[-1])}))
    print(f"plain DuckDB script: {plain_s:.0f} s, peak {plain_peak:.0f} MB")
    print(f"cdp run (full):      {full_s:.0f} s, peak {max(full_peak, plain_peak):.0f} MB (largest process so far)")
    print(f"cdp run (nothing new): {again_s:.0f} s")
    print(f"ratio: {full_s / plain_s:.1f}x the plain script")
    for label, run_steps in zip(("full", "nothing new"), steps):
        slowest = sorted(run_steps.items(), key=lambda item: -item[1])[:6]
        print(f"{label} run, slowest steps: " + ", ".join(f"{step} {seconds:.0f} s" for step, seconds in slowest))


if __name__ == "__main__":
    main()
