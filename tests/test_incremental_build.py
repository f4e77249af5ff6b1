"""Incremental models: a daily run adds what landed to them, and ends in the same tables
as the same run rebuilding them from all history."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta

import duckdb
import pytest

from ingestion.sample_data import generate_landing, start_of_today
from tests.conftest import Workspace, built_world, make_workspace, shipped_config
from tests.test_end_to_end import landed_event_lines
from tests.test_identity_limits import identify
from tests.test_profile_merges import write_events

# Identifiers of a source with no timestamp column (loyalty members) are first seen when
# they load, so seen-times differ between two warehouses that loaded at other moments.
COMPARED = {
    "screened": "select * exclude (observed_at, first_loaded_at, last_loaded_at) from intermediate.int_identity__identifiers_screened",
    "screened_times": "select source, record_key, identifier_type, raw_value, observed_at "
                      "from intermediate.int_identity__identifiers_screened where source <> 'pos_loyalty_members'",
    "profiles": "select * exclude (first_seen_at, last_seen_at) from cdp.profiles",
    "profile_identifiers": "select * exclude (first_seen_at, last_seen_at) from cdp.profile_identifiers",
    "profile_identifier_times": "select identifier_type, identifier_value, first_seen_at, last_seen_at "
                                "from cdp.profile_identifiers where sources not like '%pos_loyalty_members%'",
    "events": "select * exclude (loaded_at) from cdp.events",
    "rule_hits": "select * from cdp.identity_rule_hits",
}


TESTED_THROUGH = "select tested_through from main.tested_rows where model = 'events' and column_name = 'loaded_at'"


def tables(workspace: Workspace) -> dict[str, tuple]:
    return {
        name: workspace.query(
            f"select count(*), md5(coalesce(string_agg(r::varchar, '|' order by r::varchar), '')) from ({sql}) r"
        )[0]
        for name, sql in COMPARED.items()
    }


def add_day(workspace: Workspace, day: Workspace, suffix: str) -> None:
    """Copy another landing folder's files in as new files of the same sources."""
    for path in day.landing.rglob("*.*"):
        name = path.name.split(".", 1)
        target = workspace.landing / path.parent.relative_to(day.landing) / f"{name[0]}_{suffix}.{name[1]}"
        shutil.copyfile(path, target)


@pytest.mark.parametrize(
    ("day_two_people", "hash_buckets"),
    [(300, ""), (40, ""), (40, "16")],
    # the region finds records by integer hashes and keeps those that match by value: with
    # 16 hash values nearly every lookup collides, and the result must not change
    ids=["most_people_return", "few_people_return", "few_people_return_hashes_colliding"],
)
def test_a_day_added_incrementally_equals_the_same_day_rebuilt(tmp_path, monkeypatch, day_two_people, hash_buckets):
    monkeypatch.setenv("CDP_IDENTITY_HASH_BUCKETS", hash_buckets)
    incremental = make_workspace(tmp_path / "incremental")
    generate_landing(incremental.landing, people_count=300, seed=9)
    first = incremental.cdp("run")
    assert first.returncode == 0, first.stderr[-4000:]
    assert "incremental models are rebuilt from all history" in first.stderr  # the first build

    # day 2: another world of people whose ids overlap the first (merges, re-sent events)
    day = make_workspace(tmp_path / "day2")
    generate_landing(day.landing, people_count=day_two_people, seed=10)
    add_day(incremental, day, "day2")
    rebuilt = Workspace(tmp_path / "rebuilt")
    shutil.copytree(incremental.root, rebuilt.root)

    second = incremental.cdp("run")
    assert second.returncode == 0, second.stderr[-4000:]
    assert "incremental models are rebuilt from all history" not in second.stderr
    again = rebuilt.cdp("run", "--full-refresh")
    assert again.returncode == 0, again.stderr[-4000:]
    assert "cdp/full_refresh=true: incremental models are rebuilt from all history" in again.stderr

    # the identity graph was resolved again only where day 2 touched it
    assert incremental.query(
        "select was_incremental from intermediate.int_identity__resolutions order by resolved_at"
    ) == [(False,), (True,)]
    region = incremental.scalar("select count(*) from intermediate.int_identity__region_identifiers")
    assigned = incremental.scalar("select count(*) from intermediate.int_identity__nodes_assigned")
    assert region > 0
    if day_two_people == 40:
        assert region < assigned / 2

    grown = incremental.scalar("select count(*) from intermediate.int_identity__identifiers_screened")
    assert grown > 0
    if hash_buckets:
        assert incremental.scalar(
            "select count(distinct record_hash) from intermediate.int_identity__identifiers_screened"
        ) <= int(hash_buckets)
    assert tables(incremental) == tables(rebuilt)
    # the day's tests of the kept events passed on its new rows: the mark moved to them
    assert incremental.scalar(TESTED_THROUGH) == incremental.scalar("select max(loaded_at) from cdp.events")


def add_returning_events(workspace: Workspace, suffix: str) -> int:
    """Send every landed event again as a new one (new messageId, its time moved): the same
    people back with the same ids. Every fifth moves back before anything was seen (data
    landing late), which leaves its profile's id alone. Returns how many."""
    events = []
    for line in landed_event_lines(workspace.landing):
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if "messageId" not in event or "timestamp" not in event:
            continue
        moment = datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00"))
        shift = timedelta(days=-400) if len(events) % 5 == 0 else timedelta(days=3)
        event["messageId"] = f"{event['messageId']}-{suffix}"
        event["timestamp"] = (moment + shift).strftime("%Y-%m-%dT%H:%M:%SZ")
        events.append(event)
    (workspace.landing / "events" / f"events_{suffix}.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    return len(events)


@pytest.mark.parametrize("hash_buckets", ["", "16"], ids=["hashes_distinct", "hashes_colliding"])
def test_returning_people_are_assigned_without_being_resolved_again(tmp_path, monkeypatch, hash_buckets):
    """Most of a day's records only observe again identifiers the graph holds (quiet): the
    build assigns them and counts their observations without resolving their people, and
    ends where a rebuild does. Quiet records are told apart by hashes, then by value."""
    monkeypatch.setenv("CDP_IDENTITY_HASH_BUCKETS", hash_buckets)
    incremental = make_workspace(tmp_path / "incremental")
    # a week back: the returning events come 3 days after theirs, and none may be in the future
    generate_landing(incremental.landing, people_count=200, seed=14, now=start_of_today() - timedelta(days=7))
    assert incremental.cdp("run").returncode == 0
    assert add_returning_events(incremental, "again") > 500
    rebuilt = Workspace(tmp_path / "rebuilt")
    shutil.copytree(incremental.root, rebuilt.root)

    second = incremental.cdp("run")
    assert second.returncode == 0, second.stderr[-4000:]
    again = rebuilt.cdp("run", "--full-refresh")
    assert again.returncode == 0, again.stderr[-4000:]

    quiet, changed = incremental.query(
        "select count(*) filter (where is_quiet), count(*) from intermediate.int_identity__changed_records"
    )[0]
    assigned_quietly = incremental.scalar("select count(*) from intermediate.int_identity__quiet_records")
    # the identify events of two or more ids repeat an earlier record's set
    assert 0 < assigned_quietly <= quiet < changed, (assigned_quietly, quiet, changed)
    # and the fifth moved back before everything is quiet too: it renames no profile
    assert incremental.scalar(
        "select count(*) from intermediate.int_identity__changed_records as c "
        "inner join cdp.events as e on e.message_id = c.record_key "
        "where c.is_quiet and e.event_at < (select min(event_at) from cdp.events where message_id not like '%-again')"
    ) > 0
    if not hash_buckets:  # colliding, an earlier record of the same signature is rarely the one that matches
        assert incremental.scalar(
            "select count(*) from intermediate.int_identity__changed_records where is_quiet and identifier_count > 1"
        ) > 0
    assert tables(incremental) == tables(rebuilt)


def test_a_new_pair_of_known_identifiers_is_judged_again_though_every_hash_collides(tmp_path, monkeypatch):
    """A new record of one profile's identifiers is quiet only when an earlier record held
    exactly its identifiers. With one hash for everything, every record of as many
    observations is a candidate, and only the values can tell."""
    monkeypatch.setenv("CDP_IDENTITY_HASH_BUCKETS", "1")
    incremental = make_workspace(tmp_path / "incremental")
    write_events(incremental, "day1.jsonl", [
        identify("m1", "d1", user_id="u1", email="e1@mail.org"),
        identify("m2", "d2", user_id="u1", email="e2@mail.org"),
        identify("m3", "d3", user_id="u1", email="e3@mail.org"),
        # a browser beside two of u1's emails: within the limit of two, it links
        identify("m4", "kiosk", email="e1@mail.org"),
        identify("m5", "kiosk", email="e2@mail.org"),
        identify("m6", "d4", user_id="u2", email="e4@mail.org"),
    ])
    assert incremental.cdp("run").returncode == 0
    # hashed alike, the full build's records add up to one signature no record holds; a
    # day's new records add theirs by value: these make the candidates of the next day
    write_events(incremental, "day2.jsonl", [
        identify("m7", "d4", user_id="u2", email="e4@mail.org"),
        identify("m8", "kiosk", email="e1@mail.org"),
    ])
    assert incremental.cdp("run").returncode == 0
    write_events(incremental, "day3.jsonl", [
        # all known and in one profile, but never seen together: a third email for the browser
        identify("m9", "kiosk", email="e3@mail.org"),
        # u2's first record once more: quiet
        identify("m10", "d4", user_id="u2", email="e4@mail.org"),
    ])
    rebuilt = Workspace(tmp_path / "rebuilt")
    shutil.copytree(incremental.root, rebuilt.root)
    assert incremental.cdp("run").returncode == 0
    assert rebuilt.cdp("run", "--full-refresh").returncode == 0

    assert dict(incremental.query(
        "select record_key, is_quiet from intermediate.int_identity__changed_records"
    )) == {"m9": False, "m10": True}
    assert incremental.query("select record_key from intermediate.int_identity__quiet_records") == [("m10",)]
    # judged again: over the limit now, but linked before, so it stays where it was
    assert incremental.scalar(
        "select rule from cdp.identity_rule_hits where identifier_value = 'kiosk'"
    ) == "kept_on_profile"
    assert tables(incremental) == tables(rebuilt)


def test_a_rule_changed_between_runs_applies_to_what_landed_before(tmp_path):
    workspace = make_workspace(tmp_path / "w")
    generate_landing(workspace.landing, people_count=100, seed=12)
    assert workspace.cdp("run").returncode == 0
    email = workspace.scalar(
        "select identifier_value from intermediate.int_identity__identifiers_screened "
        "where identifier_type = 'email' and status = 'ok' order by identifier_value limit 1"
    )

    config = shipped_config()
    config["identity"]["blocked_values"].append(email)
    result = workspace.cdp("run", CDP_CONFIG=workspace.write_config(config))
    assert result.returncode == 0, result.stderr[-4000:]
    assert "incremental models are rebuilt from all history" in result.stderr
    assert workspace.scalar(
        f"select count(*) from intermediate.int_identity__identifiers_screened "
        f"where identifier_value = '{email}' and status <> 'blocked_value'"
    ) == 0


def test_an_identity_build_stopped_halfway_is_resolved_again_whole(tmp_path):
    workspace = make_workspace(tmp_path / "w")
    generate_landing(workspace.landing, people_count=100, seed=12)
    assert workspace.cdp("run").returncode == 0
    day = make_workspace(tmp_path / "day2")
    generate_landing(day.landing, people_count=20, seed=13)
    add_day(workspace, day, "day2")
    # a build that started and never finished: its kept tables may be half replaced
    with duckdb.connect(str(workspace.warehouse)) as con:
        con.execute("insert into intermediate.int_identity__resolution_starts values ('killed', now())")

    result = workspace.cdp("run")
    assert result.returncode == 0, result.stderr[-4000:]
    assert workspace.query(
        "select was_incremental from intermediate.int_identity__resolutions order by resolved_at"
    ) == [(False,), (False,)]
    assert workspace.scalar("select count(*) from intermediate.int_identity__region_identifiers") == 0


def copy_event(workspace: Workspace, loaded_at: str) -> None:
    """A second row of a kept event's message_id, as a faulty build would leave it."""
    with duckdb.connect(str(workspace.warehouse)) as con:
        con.sql(f"insert into cdp.events select * replace (cast('{loaded_at}' as timestamp) as loaded_at) "
                "from cdp.events order by message_id limit 1")


def test_a_days_tests_of_kept_events_read_the_new_rows_and_the_kept_rows_they_repeat(tmp_path):
    """On a day, the events' tests read the rows landed since they last passed, and
    `unique` the kept rows sharing their ids too; a failure keeps the mark where it was;
    a build rebuilding the events reads them all, and drops the mark, so that the builds
    after it read them all until they pass (macros/tested_rows.sql)."""
    workspace = built_world(tmp_path / "world", people=60, seed=12)
    mark = workspace.scalar(TESTED_THROUGH)
    assert mark == workspace.scalar("select max(loaded_at) from cdp.events")
    test_events = ("dbt", "test", "--select", "events")

    copy_event(workspace, "2099-01-01")  # a new row repeating a kept one
    failed = workspace.cdp(*test_events)
    assert failed.returncode != 0 and "unique_events_message_id" in failed.stdout, failed.stdout[-3000:]
    assert workspace.scalar(TESTED_THROUGH) == mark

    with duckdb.connect(str(workspace.warehouse)) as con:
        con.sql("delete from cdp.events where loaded_at = '2099-01-01'")
    copy_event(workspace, "2000-01-01")  # behind the mark: only a full build reads it
    assert workspace.cdp(*test_events).returncode == 0
    full = workspace.cdp(*test_events, CDP_DBT_FULL_REFRESH="model.cdp.events")
    assert full.returncode != 0 and "unique_events_message_id" in full.stdout, full.stdout[-3000:]

    # a rebuild drops the mark: its rows, here with the old repeat, failing their tests,
    # every later build tests them all until they pass
    rebuilt = workspace.cdp("dbt", "run", "--select", "events", "--full-refresh")
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:]
    assert workspace.query(TESTED_THROUGH) == []
    copy_event(workspace, "2000-01-01")
    for _day in range(2):
        failed = workspace.cdp(*test_events)
        assert failed.returncode != 0 and "unique_events_message_id" in failed.stdout, failed.stdout[-3000:]
        assert workspace.query(TESTED_THROUGH) == []
