"""When a later run links two profiles, the older id survives and the move is recorded."""

from __future__ import annotations

import json
from datetime import datetime

from tests.conftest import make_workspace


def write_events(workspace, name: str, events: list[dict]) -> None:
    folder = workspace.landing / "events"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("".join(json.dumps(e) + "\n" for e in events))


CONTACTS = "contact_id,email,phone,first_name,last_name,company,job_title,lifecycle_stage,updated_at"


def write_csv(workspace, relative: str, header: str, rows: list[str]) -> None:
    """A landed CSV file: the header and the rows, one a line."""
    path = workspace.landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{line}\n" for line in [header, *rows]))


def profile_of(workspace, value: str) -> str:
    return workspace.scalar(f"select profile_id from cdp.profile_identifiers where identifier_value = '{value}'")


def test_an_anonymous_visitor_who_identifies_later_merges_into_one_profile(tmp_path):
    workspace = make_workspace(tmp_path)
    write_events(workspace, "day1.jsonl", [
        {"messageId": "m1", "type": "page", "anonymousId": "a1", "timestamp": "2026-10-01T10:00:00Z"},
        {"messageId": "m2", "type": "identify", "anonymousId": "a2", "userId": "u1",
         "traits": {"email": "ann@mail.org"}, "timestamp": "2026-10-02T10:00:00Z"},
    ])
    assert workspace.cdp("run").returncode == 0
    visitor, known = profile_of(workspace, "a1"), profile_of(workspace, "u1")
    assert visitor != known

    # the visitor logs in on the first device: both profiles are one person
    write_events(workspace, "day2.jsonl", [
        {"messageId": "m3", "type": "identify", "anonymousId": "a1", "userId": "u1", "timestamp": "2026-10-03T10:00:00Z"},
    ])
    assert workspace.cdp("run").returncode == 0
    assert profile_of(workspace, "a1") == profile_of(workspace, "u1") == profile_of(workspace, "ann@mail.org") == visitor
    assert workspace.query("select old_profile_id, profile_id, kind from cdp.profile_merges") == [(known, visitor, "merge")]
    # the anonymous page view now belongs to the known profile
    assert workspace.query("select profile_id from cdp.events where message_id = 'm1'") == [(visitor,)]
    assert workspace.query(f"select user_id, email from cdp.profiles where profile_id = '{visitor}'") == [("u1", "ann@mail.org")]

    assert workspace.cdp("run").returncode == 0  # nothing new: nothing moves
    assert workspace.scalar("select count(*) from cdp.profile_merges") == 1


def test_a_message_id_resent_with_another_persons_identifiers_links_no_one(tmp_path):
    workspace = make_workspace(tmp_path)
    write_events(workspace, "day1.jsonl", [
        {"messageId": "m1", "type": "identify", "anonymousId": "anon-ann",
         "traits": {"email": "ann@mail.org", "firstName": "Ann"}, "timestamp": "2026-10-01T10:00:00Z"},
    ])
    assert workspace.cdp("run").returncode == 0
    ann = profile_of(workspace, "ann@mail.org")

    # another client reuses m1 for Bob: the event is a copy already stored, so nothing it
    # says about its sender counts (Segment drops a repeated messageId whole)
    write_events(workspace, "day2.jsonl", [
        {"messageId": "m1", "type": "identify", "anonymousId": "anon-bob",
         "traits": {"email": "bob@mail.org", "firstName": "Bob"}, "timestamp": "2026-10-02T10:00:00Z"},
        {"messageId": "m2", "type": "page", "anonymousId": "anon-bob", "timestamp": "2026-10-02T10:05:00Z"},
    ])
    assert workspace.cdp("run").returncode == 0
    assert profile_of(workspace, "ann@mail.org") == profile_of(workspace, "anon-ann") == ann
    assert profile_of(workspace, "anon-bob") not in (None, ann)
    assert workspace.scalar("select count(*) from cdp.profile_identifiers where identifier_value = 'bob@mail.org'") == 0
    assert workspace.query(f"select email, first_name from cdp.profiles where profile_id = '{ann}'") == [("ann@mail.org", "Ann")]
    assert workspace.scalar("select count(*) from cdp.profile_merges") == 0
    assert workspace.scalar("select count(*) from cdp.events where message_id = 'm1'") == 1
    explained = workspace.cdp("explain", "email", "bob@mail.org")
    assert explained.returncode == 0 and "later copies of events already stored (messageId m1)" in explained.stdout


def test_data_landing_late_leaves_the_profile_id_alone(tmp_path):
    """A profile is named after its first-seen identifier; an event landing later but dated
    earlier, with an identifier new to it, does not rename it (nothing merged)."""
    workspace = make_workspace(tmp_path)
    write_events(workspace, "day1.jsonl", [
        {"messageId": "m1", "type": "page", "anonymousId": "a1", "timestamp": "2026-10-01T10:00:00Z"},
        {"messageId": "m2", "type": "identify", "anonymousId": "a1", "userId": "u1", "timestamp": "2026-10-02T10:00:00Z"},
    ])
    assert workspace.cdp("run").returncode == 0
    ann = profile_of(workspace, "a1")
    assert profile_of(workspace, "u1") == ann

    # a backfill of last year: the same user on another device, before anything above
    write_events(workspace, "backfill.jsonl", [
        {"messageId": "m0", "type": "identify", "anonymousId": "a0", "userId": "u1", "timestamp": "2025-03-01T10:00:00Z"},
    ])
    second = workspace.cdp("run")
    assert second.returncode == 0, second.stderr[-3000:]
    assert profile_of(workspace, "a0") == profile_of(workspace, "u1") == profile_of(workspace, "a1") == ann
    assert workspace.scalar("select count(*) from cdp.profile_merges") == 0
    assert workspace.query(f"select first_seen_at from cdp.profiles where profile_id = '{ann}'") == [
        (datetime(2025, 3, 1, 10, 0),)]

    # the same history rebuilt in full keeps the id too
    rebuilt = workspace.cdp("run", "--full-refresh")
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
    assert profile_of(workspace, "a0") == profile_of(workspace, "a1") == ann
    assert workspace.scalar("select count(*) from cdp.profile_merges") == 0
