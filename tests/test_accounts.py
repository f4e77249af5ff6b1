"""Accounts from Segment group calls and a CRM's company column, and account segments,
all defined in cdp.yml alone, on a world small enough to count by hand."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import yaml

from core.config import ConfigError, parse_config
from tests.conftest import make_workspace, shipped_config

NOW = datetime.now(timezone.utc)


def ago(days: float) -> str:
    return (NOW - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def grouped(message_id: str, user_id: str, group_id: str, days_ago: float, **traits) -> dict:
    return {"messageId": message_id, "type": "group", "userId": user_id, "groupId": group_id,
            "timestamp": ago(days_ago), "traits": traits}


PEOPLE = [f"u{n}" for n in range(1, 9)]
EVENTS = [
    *({"messageId": f"i-{u}", "type": "identify", "userId": u, "traits": {"email": f"{u}@mail.org"}, "timestamp": ago(60)}
      for u in PEOPLE),
    # active this month: u1 to u5 at Acme, u7 at Globex; u6 (Acme) and u8 (Globex) not since
    *({"messageId": f"t-{u}", "type": "track", "event": "Signed In", "userId": u, "timestamp": ago(2)}
      for u in ("u1", "u2", "u3", "u4", "u5", "u7")),
    # Acme: six people group themselves with it; its traits hold the company's email, which is no one's
    *(grouped(f"g-{u}", u, "acme", 90, name="Acme", industry="retail", email="billing@acme.com")
      for u in ("u1", "u2", "u3", "u4", "u5", "u6")),
    grouped("g-rename", "u1", "acme", 45, name="Acme Corporation", plan="enterprise"),
    grouped("g-latest", "u2", " acme ", 44, plan="pro"),
    # Globex: two people, and a company email that would glue them if it were theirs
    grouped("g-u7", "u7", "globex", 10, name="Globex", email="billing@globex.com"),
    grouped("g-u8", "u8", "globex", 30, name="Globex", email="billing@globex.com"),
]
RESENT = grouped("g-u7", "u7", "globex", 10, name="Globex", email="billing@globex.com")

CONTACTS = [
    # contact_id, email, company, updated days ago
    ("c1", "u1@mail.org", "acme", 100),
    ("c2", "zed@mail.org", " acme", 100),  # a new person at Acme, not active
    ("c3", "yan@mail.org", "Initech", 5),
    ("c4", "xi@mail.org", "", 5),  # no company: no account
]

ACCOUNT_SEGMENTS = {
    "busy_accounts": {
        "description": "Accounts with five or more members active in the last 30 days.",
        "where": {"members": {"where": {"trait": "last_seen_at", "op": "within_last_days", "value": 30}, "at_least": 5}}},
    "initech_or_u8s": {
        "description": "Initech, and whichever account u8 belongs to.",
        "where": {"any": [{"trait": "name", "op": "=", "value": "Initech"},
                          {"members": {"where": {"trait": "email", "op": "=", "value": "u8@mail.org"}}}]}},
    "one_active": {"description": "Accounts with exactly one member active this month (a computed trait).",
                   "where": {"trait": "active_members", "op": "=", "value": 1}},
    "quoted": {"description": "A name that looks like SQL is only a value.",
               "where": {"trait": "name", "op": "=", "value": "x' or '1'='1"}},
}


ACCOUNT_TRAITS = {
    "active_members": {"aggregate": "count", "where": {"trait": "last_seen_at", "op": "within_last_days", "value": 30}},
    "latest_member_seen_at": {"aggregate": "max", "of": "last_seen_at"},
}

# a profile segment over account segments: the people of busy accounts who are not active
PROFILE_SEGMENTS = {
    "quiet_people_at_busy_accounts": {
        "description": "Members of a busy account not seen this month.",
        "where": {"all": [{"account_segment": "busy_accounts"},
                          {"trait": "last_seen_at", "op": "more_than_days_ago", "value": 30}]}},
}


def accounts_config() -> dict:
    config = shipped_config()
    config["accounts"] = {"members_from": {"crm_contacts": "company"}, "segments": ACCOUNT_SEGMENTS,
                          "computed_traits": ACCOUNT_TRAITS}
    config["segments"].update(PROFILE_SEGMENTS)
    return config


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    workspace = make_workspace(tmp_path_factory.mktemp("accounts"))
    landing = workspace.landing
    for folder in ("events", "crm"):
        (landing / folder).mkdir(parents=True)
    (landing / "events" / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in [*EVENTS, RESENT]))
    (landing / "crm" / "contacts.csv").write_text(
        "contact_id,email,phone,first_name,last_name,company,job_title,lifecycle_stage,updated_at\n"
        + "".join(f"{c},{email},,,,{company},,customer,{ago(days)}\n" for c, email, company, days in CONTACTS))
    result = workspace.cdp("run", CDP_CONFIG=workspace.write_config(accounts_config()))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return workspace


def members(workspace, account_id: str) -> set[str]:
    return {email for (email,) in workspace.query(
        "select p.email from cdp.account_memberships m join cdp.profiles p using (profile_id) "
        f"where m.account_id = '{account_id}'")}


def test_group_calls_and_the_crm_company_make_the_accounts(workspace):
    assert sorted(workspace.query("select account_id, name, member_count from cdp.accounts")) == [
        ("Initech", "Initech", 1), ("acme", "Acme Corporation", 7), ("globex", "Globex", 2)]


def test_members_are_the_people_of_the_group_calls_and_the_crm_contacts(workspace):
    assert members(workspace, "acme") == {f"u{n}@mail.org" for n in range(1, 7)} | {"zed@mail.org"}
    assert members(workspace, "globex") == {"u7@mail.org", "u8@mail.org"}
    assert members(workspace, "Initech") == {"yan@mail.org"}
    assert workspace.scalar("select count(*) from cdp.account_memberships") == 10


def test_an_account_holds_the_traits_of_its_latest_group_call(workspace):
    traits = workspace.scalar("select traits from cdp.accounts where account_id = 'acme'")
    assert json.loads(traits) == {"plan": "pro"}
    assert workspace.scalar("select traits from cdp.accounts where account_id = 'Initech'") is None


def test_a_membership_is_seen_from_its_first_to_its_last_record(workspace):
    first, last = workspace.query(
        "select m.first_seen_at, m.last_seen_at from cdp.account_memberships m join cdp.profiles p using (profile_id) "
        "where p.email = 'u1@mail.org' and m.account_id = 'acme'")[0]
    expected = {days: datetime.fromisoformat(ago(days).removesuffix("Z")) for days in (100, 45)}
    assert (first, last) == (expected[100], expected[45])


def test_group_traits_never_become_the_persons(workspace):
    # eight people and the two CRM-only ones: a company email glued no one
    assert workspace.scalar("select count(*) from cdp.profiles where email is not null") == 11
    assert workspace.scalar("select count(*) from cdp.profile_identifiers where identifier_value like 'billing@%'") == 0
    assert workspace.scalar("select count(*) from cdp.profile_traits where value in ('retail', 'enterprise', 'pro')") == 0


def test_account_segments_hold_the_hand_counted_accounts(workspace):
    assert sorted(workspace.query("select segment, account_id from cdp.account_segment_memberships")) == [
        ("busy_accounts", "acme"), ("initech_or_u8s", "Initech"), ("initech_or_u8s", "globex"),
        ("one_active", "Initech"), ("one_active", "globex")]


def test_account_computed_traits_aggregate_the_members_profiles(workspace):
    rows = {account: (active, latest) for account, active, latest in workspace.query(
        "select account_id, active_members, latest_member_seen_at from cdp.account_computed_traits")}
    assert {account: active for account, (active, _) in rows.items()} == {"acme": 5, "globex": 1, "Initech": 1}
    assert rows["Initech"][1] == datetime.fromisoformat(ago(5).removesuffix("Z"))


def test_a_profile_segment_holds_the_members_of_an_account_segment(workspace):
    assert {email for (email,) in workspace.query(
        "select p.email from cdp.segment_memberships m join cdp.profiles p using (profile_id) "
        "where m.segment = 'quiet_people_at_busy_accounts'")} == {"u6@mail.org", "zed@mail.org"}


@pytest.mark.parametrize(("accounts", "message"), [
    ({"segments": {"big": {"description": "x", "where": {"trait": "industry", "op": "=", "value": "retail"}}}},
     r"accounts\.segments\.big\.where\.trait: unknown trait 'industry' \(cdp\.accounts columns and account computed traits have: .*member_count"),
    ({"segments": {"big": {"description": "x", "where": {"members": {"at_least": "five"}}}}},
     r"accounts\.segments\.big\.where\.members\.at_least: takes a whole number of at least 1, got 'five'"),
    ({"segments": {"big": {"description": "x", "where": {"members": {"where": {"trait": "emial", "op": "is_null"}}}}}},
     r"accounts\.segments\.big\.where\.members\.where\.trait: unknown trait 'emial'"),
    ({"segments": {"big": {"description": "x", "where": {"performed": {"event": "Signed In"}}}}},
     r"accounts\.segments\.big\.where\.performed: is a profile condition: put it under members\.where"),
    ({"segments": {"big": {"description": "x", "where": {"members": {"at_least": 2, "active": True}}}}},
     r"accounts\.segments\.big\.where\.members: unknown key 'active'"),
    ({"segments": {"big": {"where": {"members": {}}}}}, r"accounts\.segments\.big\.description: Field required"),
    ({"members_from": {"crm_contacts": "employer"}},
     r"accounts\.members_from\.crm_contacts: unknown column 'employer' \(declared: company,"),
    ({"members_from": {"events": "company"}},
     r"accounts\.members_from\.events: a segment-format source's group calls make its accounts already"),
    ({"members_from": {"erp": "company"}}, r"accounts\.members_from\.erp: unknown source 'erp'"),
    ({"segmets": {}}, r"accounts\.segmets: unknown key"),
    ({"computed_traits": {"spend": {"aggregate": "sum", "of": "email"}}},
     r"accounts\.computed_traits\.spend\.of: 'email' is varchar; sum needs a number"),
    ({"computed_traits": {"people": {"aggregate": "count", "of": "email"}}},
     r"accounts\.computed_traits\.people\.of: count counts members; it takes no `of`"),
    ({"computed_traits": {"member_count": {"aggregate": "count"}}},
     r"accounts\.computed_traits\.member_count: cdp\.accounts has a column of that name"),
    ({"computed_traits": {"people": {"aggregate": "count", "where": {"trait": "emial", "op": "is_null"}}}},
     r"accounts\.computed_traits\.people\.where\.trait: unknown trait 'emial'"),
    ({"computed_traits": {"people": {"aggregate": "count"}},
      "segments": {"big": {"description": "x", "where": {"trait": "people", "op": ">=", "value": "many"}}}},
     r"accounts\.segments\.big\.where\.value: 'many' is not a number"),
    ({"segments": {"big": {"description": "x", "where": {"members": {"where": {"account_segment": "big"}}}}}},
     r"accounts\.segments\.big\.where\.members\.where\.account_segment: an account segment's members cannot test"),
])
def test_an_invalid_account_config_is_named(accounts, message):
    config = shipped_config()
    config["accounts"] = accounts
    with pytest.raises(ConfigError, match=message):
        parse_config(yaml.safe_dump(config))


def test_a_profile_segment_names_a_declared_account_segment():
    config = shipped_config()
    config["accounts"] = {}
    config["segments"]["at_big"] = {"description": "x", "where": {"account_segment": "big"}}
    with pytest.raises(ConfigError, match=r"segments\.at_big\.where\.account_segment: unknown account segment 'big' "
                                          r"\(accounts\.segments: none declared\)"):
        parse_config(yaml.safe_dump(config))


def test_an_account_segment_value_is_a_literal_never_code():
    config = shipped_config()
    config["accounts"] = {"segments": ACCOUNT_SEGMENTS, "computed_traits": ACCOUNT_TRAITS}
    predicate = parse_config(yaml.safe_dump(config)).account_segment_predicate("quoted")
    assert predicate == "(name = 'x'' or ''1''=''1')"


def test_a_forgotten_persons_memberships_go_and_their_accounts_are_counted_again(workspace):
    # last: it changes the module's world
    profile_id = workspace.scalar("select profile_id from cdp.profiles where email = 'u8@mail.org'")
    result = workspace.cdp("forget", "email", "u8@mail.org", CDP_CONFIG=str(workspace.root / "cdp.yml"))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    for table in ("cdp.account_memberships", "intermediate.int_accounts__group_calls",
                  "intermediate.int_accounts__declared_members"):
        assert workspace.scalar(f"select count(*) from {table} where profile_id = '{profile_id}'") == 0, table
    assert workspace.scalar("select member_count from cdp.accounts where account_id = 'globex'") == 1
    assert sorted(workspace.query("select segment, account_id from cdp.account_segment_memberships")) == [
        ("busy_accounts", "acme"), ("initech_or_u8s", "Initech"), ("one_active", "Initech"), ("one_active", "globex")]


def test_a_new_day_moves_members_and_accounts(workspace):
    # after the forget above: u8 is gone. A new person and u1 join Globex; Initech's one
    # contact moves to Globex in the CRM's next export, which leaves Initech with no one
    day2 = [grouped("g2-u9", "u9", "globex", 1, name="Globex Ltd"), grouped("g2-u1", "u1", "globex", 1),
            {"messageId": "i-u9", "type": "identify", "userId": "u9", "traits": {"email": "u9@mail.org"},
             "timestamp": ago(1)}]
    (workspace.landing / "events" / "events_day2.jsonl").write_text("".join(json.dumps(e) + "\n" for e in day2))
    (workspace.landing / "crm" / "contacts_day2.csv").write_text(
        "contact_id,email,phone,first_name,last_name,company,job_title,lifecycle_stage,updated_at\n"
        f"c3,yan@mail.org,,,,globex,,customer,{ago(1)}\n")
    result = workspace.cdp("run", CDP_CONFIG=str(workspace.root / "cdp.yml"))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert members(workspace, "globex") == {"u7@mail.org", "u9@mail.org", "u1@mail.org", "yan@mail.org"}
    assert sorted(workspace.query("select account_id, name, member_count from cdp.accounts")) == [
        ("acme", "Acme Corporation", 7), ("globex", "Globex Ltd", 4)]
    assert sorted(workspace.query("select segment, account_id from cdp.account_segment_memberships")) == [
        ("busy_accounts", "acme")]
