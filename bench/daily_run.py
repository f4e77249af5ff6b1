"""Benchmark: what each kind of day costs the whole `cdp run`, beside a plain DuckDB script.

    nice -n 5 .venv/bin/python -m bench.daily_run --people 20000

A world of about 11 Segment events a person (16 files) and a CRM contact for every
second person, then one warehouse through five `cdp run`s, each from a settled disk:
- full: the first build (landing with validation and rejects, every dbt model and data
  test, GX checks, exports, publishing);
- nothing new: the same folder again;
- 1% day: 1% more events, dated one day after the history, from returning people;
- CRM day: 1% of the contacts again with a new lifecycle stage, nothing else;
- merge day: identify calls that link the anonymous ids of 1% as many anonymous-only
  profiles to their people's known user ids: each merges two profiles into one.
For each run: wall time, peak memory (the largest process, from `wait4`, and the whole
process tree's resident memory sampled every 0.2 s from /proc), the machine's load, the
Dagster steps and the dbt models and data tests that cost most (run_results.json), and
where the fixed cost lies: the time before the dbt step starts (the process's start-up,
then the run's steps), the dbt step against dbt's own elapsed time, and the time after it.

The plain script, run first on the same event files, has no orchestration, no dlt, no
dbt, no checks: read_json, the identifiers, the same connected-components rounds
(min-label propagation with pointer jumping), and one profile row per component: the
floor of a full build.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from bench.disk import settle
from bench.segment_events import write_events
from orchestration.dbt.project import DBT_PROJECT_DIR

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


CRM_HEADER = "contact_id,email,phone,first_name,last_name,company,job_title,lifecycle_stage,updated_at\n"
DAY = date(2026, 11, 1)


def write_contacts(path: Path, people: range, stage: str, updated_at: str) -> None:
    """CRM contacts of the event generator's people (same emails), one a row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(CRM_HEADER)
        handle.writelines(f"c-{p},person{p}@mail.org,+1212{2000000 + p:07d},Sam,Lee{p},Acme,Buyer,{stage},{updated_at}\n"
                          for p in people)


def write_merges(warehouse: Path, landing: Path, count: int) -> int:
    """Identify calls joining `count` anonymous-only profiles to their person's known
    profile (the generator's `a-<person>-<n>` and `u-<person>`); returns how many."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        anonymous = [row[0] for row in con.sql("""
            select a.identifier_value
            from cdp.profile_identifiers as a
            where a.identifier_type = 'anonymous_id'
              and not exists (select 1 from cdp.profile_identifiers as o
                              where o.profile_id = a.profile_id and o.identifier_type <> 'anonymous_id')
              and exists (select 1 from cdp.profile_identifiers as u
                          where u.identifier_type = 'user_id' and u.identifier_value = 'u-' || split_part(a.identifier_value, '-', 2))
            order by 1""").fetchall()]
    chosen = random.Random(3).sample(anonymous, min(count, len(anonymous)))
    lines = []
    for n, anonymous_id in enumerate(chosen):
        person = anonymous_id.split("-")[1]
        lines.append(json.dumps({"messageId": f"merge-{n}", "type": "identify", "anonymousId": anonymous_id,
                                 "userId": f"u-{person}", "timestamp": f"{DAY.isoformat()}T12:00:00Z",
                                 "traits": {"email": f"person{person}@mail.org", "firstName": "Sam"}}))
    (landing / "events" / "events_merges.jsonl").write_text("\n".join(lines) + "\n")
    return len(chosen)


def _tree_rss_bytes(root: int) -> int:
    """Resident memory of `root` and every process under it, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


@dataclass
class Timed:
    seconds: float
    largest_mb: float  # the largest single process (ru_maxrss)
    tree_mb: float  # the whole process tree at its sampled peak
    load: tuple[float, float]  # 1-minute load average before and after
    stdout: str = ""
    steps: dict[str, float] = field(default_factory=dict)
    dbt: dict[str, float] = field(default_factory=dict)
    phases: RunPhases | None = None


@dataclass
class RunPhases:
    """Seconds from the Dagster run's start to the dbt step's start, of the dbt step, and
    from its end to the run's end; dbt's own elapsed time (its run_results.json)."""

    run: float
    before_dbt: float
    dbt_step: float
    after_dbt: float
    dbt_elapsed: float = 0.0


def timed(command: list[str], env: dict) -> Timed:
    settle()
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err, text=True, cwd=REPO)
        tree = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            tree = max(tree, _tree_rss_bytes(process.pid))
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        sys.exit(f"{command[0]} failed:\n{stderr[-3000:]}")
    return Timed(seconds, usage.ru_maxrss / 1024, tree / 1024**2, (load_before, os.getloadavg()[0]), stdout)


DBT_STEP = "cdp_dbt_models"


def dagster_runs(dagster_home: Path) -> list[tuple[str, dict[str, float], RunPhases | None]]:
    """Each run's id, its steps with how long they took, and its phases around the dbt
    step, from the Dagster instance's event log."""
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    from dagster import DagsterEventType, DagsterInstance

    ends = (DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE)
    runs = []
    with DagsterInstance.get() as instance:
        for run in reversed(instance.get_runs()):
            started: dict[str, float] = {}
            ended: dict[str, float] = {}
            run_start = run_end = None
            for record in instance.all_logs(run.run_id):
                event = record.dagster_event
                if event is None:
                    continue
                if event.event_type == DagsterEventType.RUN_START:
                    run_start = record.timestamp
                elif event.event_type in ends:
                    run_end = record.timestamp
                elif event.event_type == DagsterEventType.STEP_START:
                    started[event.step_key] = record.timestamp
                elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
                    ended[event.step_key] = record.timestamp
            steps = {key: end - started.get(key, end) for key, end in ended.items()}
            phases = None
            if run_start is not None and run_end is not None and DBT_STEP in ended:
                phases = RunPhases(run_end - run_start, started[DBT_STEP] - run_start, steps[DBT_STEP],
                                   run_end - ended[DBT_STEP])
            runs.append((run.run_id, steps, phases))
    return runs


def step_seconds(dagster_home: Path) -> list[dict[str, float]]:
    return [steps for _, steps, _ in dagster_runs(dagster_home)]


def dbt_results(run_id: str) -> tuple[dict[str, float], float]:
    """dbt node (model, test, ...) -> seconds, and dbt's elapsed time, from the run's
    invocation of the dbt asset (its run_results.json, read once)."""
    results = sorted(DBT_PROJECT_DIR.glob(f"target/cdp_dbt_models-{run_id[:7]}*/run_results.json"),
                     key=lambda path: path.stat().st_mtime)
    if not results:
        return {}, 0.0
    document = json.loads(results[-1].read_text())
    return {r["unique_id"]: r["execution_time"] for r in document["results"]}, document.get("elapsed_time", 0.0)


def describe(label: str, run: Timed, full: Timed) -> list[str]:
    models = {k.split(".")[-1]: v for k, v in run.dbt.items() if k.startswith("model.")}
    tests = {k.split(".")[-1]: v for k, v in run.dbt.items() if k.startswith("test.")}
    top = sorted(models.items(), key=lambda item: -item[1])[:6]
    top_tests = sorted(tests.items(), key=lambda item: -item[1])[:3]
    steps = sorted(run.steps.items(), key=lambda item: -item[1])[:5]
    phases = run.phases
    fixed = [] if phases is None else [
        f"    fixed cost: before dbt {run.seconds - phases.run + phases.before_dbt:.1f} s (start-up and summary "
        f"{run.seconds - phases.run:.1f} s, steps before dbt {phases.before_dbt:.1f} s); dbt step {phases.dbt_step:.1f} s "
        f"(dbt's own {phases.dbt_elapsed:.1f} s); after dbt {phases.after_dbt:.1f} s"]
    return [
        f"{label:<12} {run.seconds:6.1f} s ({run.seconds / full.seconds:5.1%} of full)  largest process "
        f"{run.largest_mb:6.0f} MB, process tree {run.tree_mb:6.0f} MB  load {run.load[0]:.1f}->{run.load[1]:.1f}",
        "    steps: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in steps)
        + f"; outside the steps (start-up, Dagster) {run.seconds - sum(run.steps.values()):.1f} s",
        f"    dbt: {len(models)} models {sum(models.values()):.1f} s, {len(tests)} data tests {sum(tests.values()):.1f} s; "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in top),
        "    dearest tests: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in top_tests),
        *fixed,
    ]


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
        write_contacts(landing / "crm" / "contacts_000.csv", range(0, args.people, 2), "lead", "2026-06-01T00:00:00Z")
        print(f"generated {args.people * 11:,} events in {time.perf_counter() - started:.0f} s")
    work = Path(tempfile.mkdtemp(prefix="cdp-daily-work-"))
    day = args.people // 100
    runs: dict[str, Timed] = {}
    try:
        plain = timed([sys.executable, "-c", PLAIN, str(landing), str(work / "plain.duckdb")], dict(os.environ))
        cdp_landing = work / "landing"
        shutil.copytree(landing, cdp_landing)
        warehouse = work / "cdp" / "warehouse.duckdb"
        env = {**os.environ, "CDP_WAREHOUSE": str(warehouse), "CDP_LANDING_DIR": str(cdp_landing),
               "CDP_CONFIG": str(REPO / "cdp.yml"), "DAGSTER_HOME": str(work / "dagster_home")}
        cdp = str(Path(sys.executable).parent / "cdp")
        runs["full"] = timed([cdp, "run"], env)
        runs["nothing new"] = timed([cdp, "run"], env)
        write_events(work / "day", args.people * 11 // 100, files=1, seed=2, day=DAY)
        shutil.copyfile(work / "day" / "events_000.jsonl", cdp_landing / "events" / "events_day.jsonl")
        runs["1% day"] = timed([cdp, "run"], env)
        write_contacts(cdp_landing / "crm" / "contacts_day.csv", range(0, 2 * day, 2), "customer", f"{DAY.isoformat()}T08:00:00Z")
        runs["CRM day"] = timed([cdp, "run"], env)
        with duckdb.connect(str(warehouse), read_only=True) as con:
            merges_before = con.sql("select count(*) from cdp.profile_merges").fetchall()[0][0]
        linked = write_merges(warehouse, cdp_landing, day)
        runs["merge day"] = timed([cdp, "run"], env)
        with duckdb.connect(str(warehouse), read_only=True) as con:
            merged = con.sql("select count(*) from cdp.profile_merges").fetchall()[0][0] - merges_before
            profiles = con.sql("select count(*) from cdp.profiles").fetchall()[0][0]
        for (run_id, steps, phases), run in zip(dagster_runs(work / "dagster_home"), runs.values()):
            run.steps, run.phases = steps, phases
            run.dbt, elapsed = dbt_results(run_id)
            if phases is not None:
                phases.dbt_elapsed = elapsed
    finally:
        shutil.rmtree(work)
        if not args.keep:
            shutil.rmtree(root)
    full = runs["full"]
    print(json.dumps({"people": args.people, "profiles": profiles, "plain_profiles": int(plain.stdout.strip().splitlines()[-1]),
                      "merge_day_identify_calls": linked, "profiles_merged_away": merged}))
    print(f"plain DuckDB script {plain.seconds:6.1f} s  largest process {plain.largest_mb:6.0f} MB, "
          f"process tree {plain.tree_mb:6.0f} MB; full cdp run = {full.seconds / plain.seconds:.1f}x it")
    for label, run in runs.items():
        print("\n".join(describe(label, run, full)))


if __name__ == "__main__":
    main()
