"""Benchmark: forgetting 1,000 people against a daily run, side by side; and landing with
1,000 people suppressed against landing with none.

    .venv/bin/python -m bench.forget --people 1000000

Builds a warehouse of about 11 Segment events a person (`cdp run`), copies it three
times, then on the copies, side by side from the same state:
- a day: +1% events from returning people (as bench.identity_graph does), then `cdp run`;
- `cdp forget --file` with 1,000 of the people: the whole job (find them, erase them from
  every table, rewrite the warehouse into a fresh file, dbt, exports, publishing);
- the same day with the same 1,000 requests dropped into the landing folder
  (`privacy/requests_*.csv`): what forgetting adds to a daily run that carries it out.
Each timed command starts from a settled disk. The goal: forgetting costs no more than a
day (ratio <= 1).

Then landing alone (ingestion.pipeline.run_landing, in this process) of `--landing-events`
events into new warehouses, with and without a suppression list of 1,000 people's
identifiers (the hashes checked set-wise in the parser), alternating `--pairs` times.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

from bench.daily_run import step_seconds
from bench.disk import settle
from bench.segment_events import write_events

REPO = Path(__file__).resolve().parents[1]
CDP = str(Path(sys.executable).parent / "cdp")


def environment(root: Path) -> dict[str, str]:
    return {**os.environ, "CDP_WAREHOUSE": str(root / "warehouse.duckdb"), "CDP_LANDING_DIR": str(root / "landing"),
            "CDP_CONFIG": str(REPO / "cdp.yml"), "DAGSTER_HOME": str(root / "dagster_home"),
            "CDP_PRIVACY_KEY": "bench-privacy-key-0123456789"}


def timed(command: list[str], root: Path) -> float:
    settle()
    started = time.perf_counter()
    result = subprocess.run(command, env=environment(root), capture_output=True, text=True, cwd=REPO)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command[:2])} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    return time.perf_counter() - started


def forget_file(root: Path, count: int) -> Path:
    """A CSV of `count` people's emails (the generator writes person<i>@mail.org), each seen."""
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        emails = [row[0] for row in con.sql(
            "select distinct identifier_value from cdp.profile_identifiers where identifier_type = 'email'").fetchall()]
    chosen = random.Random(5).sample(sorted(emails), min(count, len(emails)))
    path = root / "requests.csv"
    path.write_text("type,value,reason\n" + "".join(f"email,{email},bench\n" for email in chosen))
    return path


def bench_forget(people: int, count: int, keep: Path | None) -> None:
    base = keep or Path(tempfile.mkdtemp(prefix="cdp-forget-"))
    try:
        built = base / "built"
        if not (built / "warehouse.duckdb").exists():
            write_events(built / "landing" / "events", people * 11, files=16)
            full_s = timed([CDP, "run"], built)
            print(f"{people:,} people: full build {full_s:.0f} s")
        day, forget, both = base / "day", base / "forget", base / "day_and_forget"
        for copy in (day, forget, both):
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(built, copy)
        write_events(base / "day_events", people * 11 // 100, files=1, seed=2, day=date(2026, 11, 1))
        for copy in (day, both):
            shutil.copyfile(base / "day_events" / "events_000.jsonl", copy / "landing" / "events" / "events_day2.jsonl")
        requests = forget_file(forget, count)
        (both / "landing" / "privacy").mkdir()
        shutil.copyfile(requests, both / "landing" / "privacy" / "requests_bench.csv")

        day_s = timed([CDP, "run"], day)
        forget_s = timed([CDP, "forget", "--file", str(requests)], forget)
        both_s = timed([CDP, "run"], both)
        for root in (forget, both):
            with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
                outcomes = con.sql("select status, count(*), sum(records_erased) from cdp.privacy_requests group by 1").fetchall()
            print(f"  {root.name}: requests {outcomes}")
        print(f"forget {count:,} people (cdp forget): {forget_s:.0f} s | a daily run (+1% events): {day_s:.0f} s "
              f"-> ratio {forget_s / day_s:.2f}")
        print(f"the daily run carrying out the same requests: {both_s:.0f} s -> forgetting adds {both_s - day_s:.0f} s "
              f"= {(both_s - day_s) / day_s:.2f} of a day")
        for label, root in (("day", day), ("forget", forget), ("day and forget", both)):
            steps = step_seconds(root / "dagster_home")[-1]
            slowest = sorted(steps.items(), key=lambda item: -item[1])[:6]
            print(f"  {label} steps: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in slowest))
    finally:
        if not keep:
            shutil.rmtree(base)


def bench_landing(events: int, pairs: int) -> None:
    """Landing the same files with and without 1,000 people suppressed, alternating."""
    from core.config import load_config
    from core.privacy import keyed_hash, load_key
    from core.settings import Settings
    from ingestion.pipeline import run_landing
    from privacy.store import ensure_tables

    config = load_config(REPO / "cdp.yml")
    root = Path(tempfile.mkdtemp(prefix="cdp-forget-landing-"))
    try:
        write_events(root / "landing" / "events", events, files=8)
        people = max(1, events // 11)
        times: dict[bool, list[float]] = {False: [], True: []}
        for attempt in range(pairs * 2):
            suppressed = attempt % 2 == 1
            work = root / f"run{attempt}"
            work.mkdir()
            settings = Settings(warehouse=work / "w.duckdb", landing_dir=root / "landing", config_path=REPO / "cdp.yml")
            if suppressed:
                key = load_key(work, environ={})
                with duckdb.connect(str(settings.warehouse)) as con:
                    ensure_tables(con, key)
                    chosen = random.Random(attempt).sample(range(people), min(1000, people))
                    rows = [(kind, keyed_hash(key, kind, value), "pr_bench")
                            for i in chosen for kind, value in (("email", f"person{i}@mail.org"), ("user_id", f"u-{i}"),
                                                               ("anonymous_id", f"a-{i}-0"), ("anonymous_id", f"a-{i}-1"))]
                    con.executemany("insert into privacy.suppressions values (?, ?, ?, now()::timestamp, null, null)", rows)
            settle()
            started = time.perf_counter()
            run = run_landing(settings, config)
            times[suppressed].append(time.perf_counter() - started)
            dropped = run.stats.sources["events"].suppressed
            shutil.rmtree(work)
            print(f"  landing {events:,} events, {'1,000 people suppressed' if suppressed else 'none suppressed'}: "
                  f"{times[suppressed][-1]:.1f} s ({dropped:,} events dropped)")
        ratios = [with_ / without for without, with_ in zip(times[False], times[True])]
        print(f"landing with suppression / without: " + ", ".join(f"{r:.2f}x" for r in ratios))
    finally:
        shutil.rmtree(root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--forget", type=int, default=1000, help="how many people to forget")
    parser.add_argument("--keep", type=Path, help="build here and keep the built warehouse for the next run")
    parser.add_argument("--landing-events", type=int, default=2_000_000, help="0: skip the landing comparison")
    parser.add_argument("--pairs", type=int, default=2)
    args = parser.parse_args()
    bench_forget(args.people, args.forget, args.keep)
    if args.landing_events:
        bench_landing(args.landing_events, args.pairs)


if __name__ == "__main__":
    main()
