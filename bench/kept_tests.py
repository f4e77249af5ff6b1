"""Benchmark: a day's dbt tests of the kept events, on the new rows against the whole table.

    nice -n 5 .venv/bin/python -m bench.kept_tests --events 11000000

An events table shaped as the mart's key columns (`message_id` as the generator writes
them, `loaded_at`) holding `--events` kept rows and 1% more landed after the mark, and
the SQL dbt compiles for `unique` and `not_null` of `events.message_id`: whole (a full
build) and limited to the rows past the mark (macros/tested_rows.sql), alternating
`--pairs` times in one DuckDB. Both must find nothing; the figure is the ratio.
"""

from __future__ import annotations

import argparse
import time

import duckdb

MARK = "2026-12-01 00:00:00"
WHOLE = "cdp.events"
NEW = f"loaded_at > cast('{MARK}' as timestamp)"
QUERIES = {
    "unique": "select message_id, count(*) from {rows} where message_id is not null group by message_id having count(*) > 1",
    "not_null": "select message_id from {rows} where message_id is null",
}
LIMITED = {
    "unique": f"(select * from cdp.events where message_id in (select message_id from cdp.events where {NEW})) dbt_subquery",
    "not_null": f"(select * from cdp.events where {NEW}) dbt_subquery",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=11_000_000)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    con = duckdb.connect(config={"memory_limit": "4GB", "preserve_insertion_order": False})
    con.sql("create schema cdp")
    day = args.events // 100
    con.sql(f"""create table cdp.events as
        select 'm-1-' || lpad(cast(i as varchar), 9, '0') as message_id,
               timestamp '2026-11-01' + to_seconds(i % 2000000) as loaded_at
        from range({args.events}) t(i)
        union all
        select 'm-2-' || lpad(cast(i as varchar), 9, '0'), timestamp '2026-12-02'
        from range({day}) t(i)""")
    seconds: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.pairs):
        for test, sql in QUERIES.items():
            for label, rows in (("whole", WHOLE), ("new rows", LIMITED[test])):
                started = time.perf_counter()
                found = con.sql(sql.format(rows=rows)).fetchall()
                seconds.setdefault((test, label), []).append(time.perf_counter() - started)
                assert found == [], (test, label, found[:3])
    print(f"{args.events:,} kept events, {day:,} new")
    for test in QUERIES:
        whole, new = seconds[(test, "whole")], seconds[(test, "new rows")]
        print(f"{test}: whole {', '.join(f'{s:.3f}' for s in whole)} s; new rows {', '.join(f'{s:.3f}' for s in new)} s; "
              f"ratio {min(new) / min(whole):.2f} (fastest of each)")


if __name__ == "__main__":
    main()
