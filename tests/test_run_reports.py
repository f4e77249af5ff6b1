"""The identity and segment reports a run leaves on `cdp/profiles` and `cdp/segments`,
read from a real DuckDB file: the profile-size bands with the long tail in its own row,
and each segment's size as each run left it."""

from __future__ import annotations

import duckdb

from orchestration.dbt.identity_report import bar, identity_metadata
from orchestration.dbt.segment_report import RUNS_SHOWN, segment_metadata


def test_profile_sizes_are_counted_in_bands_with_the_long_tail_apart(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.sql("create schema cdp")
        con.sql("""create table cdp.profiles as
                   select 'prf_' || i as profile_id, case when i % 2 = 0 then 'u' || i end as user_id,
                          null::varchar as email,
                          case when i <= 900 then 1 when i <= 990 then 2 when i <= 999 then 7 else 250 end as identifier_count
                   from range(1, 1001) t(i)""")
        con.sql("create table cdp.identity_rule_hits as select * from (values ('shared'), ('shared'), ('invalid')) v(rule)")
    metadata = identity_metadata(warehouse, None, 30)
    assert (metadata["profiles"], metadata["known_profiles"], metadata["largest_profile_identifiers"]) == (1000, 500, 250)
    assert (metadata["identifiers_shared"], metadata["identifiers_invalid"]) == (2, 1)
    lines = metadata["profile_size_distribution"].value.splitlines()
    assert lines[:2] == ["| identifiers in the profile | profiles | |", "|---|---:|---|"]
    assert [line.split(" | ")[:2] for line in lines[2:]] == [["| 1", "900"], ["| 2", "90"], ["| 6-10", "9"],
                                                             ["| 101 or more", "1"]]
    # one profile of 250 identifiers still shows as a bar beside 900 profiles of one
    assert bar(900, 900) == "█" * 30 and bar(1, 900) == "███"


def test_segment_sizes_over_the_last_runs(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.sql("create schema cdp")
        con.sql("""create table cdp.segments as select * from (values ('vip', 1, 1, 0), ('lapsed', 0, 0, 1))
                   v(name, size, entered_this_run, exited_this_run)""")
        # vip: a joins at run 1, b at run 2; lapsed: a from run 1 until run 3; runs are days 1..10
        con.sql("""create table cdp.segment_membership_history as
                   select segment, profile_id, timestamp '2026-12-01' + to_days(entered) as entered_at,
                          timestamp '2026-12-01' + to_days(exited) as exited_at
                   from (values ('vip', 'a', 1, null), ('vip', 'b', 2, 3), ('lapsed', 'a', 1, 3),
                                ('vip', 'c', 10, null)) v(segment, profile_id, entered, exited)""")
    metadata = segment_metadata(warehouse, 30)
    assert metadata["size/vip"] == 1 and metadata["change/lapsed"].value == "+0 -1"
    header, rule, *rows = metadata["segment_sizes_over_time"].value.splitlines()
    assert header == "| segment | 2026-12-02 00:00 | 2026-12-03 00:00 | 2026-12-04 00:00 | 2026-12-11 00:00 |"
    assert rule == "|---|" + "---:|" * 4 and len(header.split(" | ")) - 1 <= RUNS_SHOWN
    assert rows == ["| lapsed | 1 | 1 | 0 | 0 |", "| vip | 1 | 2 | 1 | 2 |"]
