"""Incremental models: a daily run adds what landed to them, and ends in the same tables
as the same run rebuilding them from all history."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from ingestion.sample_data import generate_landing
from tests.conftest import Workspace, make_workspace, shipped_config

# Identifiers of a source with no timestamp column (loyalty members) are first seen when
# they load, so seen-times differ between two warehouses that loaded at other moments.
COMPARED = {
    "screened": "select * exclude (observed_at, last_loaded_at) from intermediate.int_identity__identifiers_screened",
    "screened_times": "select source, record_key, identifier_type, raw_value, observed_at "
                      "from intermediate.int_identity__identifiers_screened where source <> 'pos_loyalty_members'",
    "profiles": "select * exclude (first_seen_at, last_seen_at) from cdp.profiles",
    "profile_identifiers": "select * exclude (first_seen_at, last_seen_at) from cdp.profile_identifiers",
    "events": "select * exclude (loaded_at) from cdp.events",
    "rule_hits": "select * from cdp.identity_rule_hits",
}


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
