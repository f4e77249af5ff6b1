"""A profile keeps its id for as long as it is the same person: a conflict does not move
an established identifier, nor rename, merge or empty the profile it is on."""

from __future__ import annotations

import shutil

from tests.conftest import Workspace, make_workspace
from tests.test_identity_limits import identify
from tests.test_incremental_build import tables
from tests.test_profile_merges import CONTACTS, profile_of, write_csv, write_events


def page(message_id: str, anonymous_id: str) -> dict:
    return {"messageId": message_id, "type": "page", "anonymousId": anonymous_id, "timestamp": "2026-09-30T10:00:00Z"}


def test_a_known_visitors_browser_seen_with_a_new_user_id_keeps_its_profile_and_id(tmp_path):
    workspace = make_workspace(tmp_path)
    write_events(workspace, "day1.jsonl", [
        page("m1", "a1"),  # the browser is seen first: the profile is named after it
        {**identify("m2", "a1", user_id="u1", email="ann@mail.org"), "traits": {"email": "ann@mail.org",
                                                                               "firstName": "Ann", "lastName": "Lee"}},
    ])
    assert workspace.cdp("run").returncode == 0
    ann = profile_of(workspace, "a1")

    # someone else logs in on it: the browser is now beside two user ids
    write_events(workspace, "day2.jsonl", [
        {**identify("m3", "a1", user_id="u2"), "traits": {"firstName": "Bo", "lastName": "Kim"}},
        page("m4", "a1"),
    ])
    assert workspace.cdp("run").returncode == 0
    assert profile_of(workspace, "a1") == profile_of(workspace, "u1") == profile_of(workspace, "ann@mail.org") == ann
    assert profile_of(workspace, "u2") != ann
    assert workspace.scalar("select count(*) from cdp.profile_merges") == 0
    assert workspace.query("select distinct profile_id from cdp.events where message_id in ('m1', 'm2', 'm4')") == [(ann,)]
    assert workspace.query(
        "select rule, detail from cdp.identity_rule_hits where identifier_value = 'a1' order by rule"
    ) == [("kept_on_profile", "seen beside 2 distinct user_id values (limit 1): linked before, kept where it was"),
          ("unconfirmed", "weak: would join 2 groups of identifiers seen with 2 different full names; "
                          "kept with the identifiers it was with, linking no others")]


def test_a_conflicting_identify_leaves_the_established_email_where_it_was(tmp_path):
    workspace = make_workspace(tmp_path)
    write_csv(workspace, "crm/contacts.csv", CONTACTS, ["c2,pia@mail.org,,Pia,Tanaka,,,lead,2026-01-01T00:00:00Z"])
    write_csv(workspace, "support/tickets.csv", "ticket_id,requester_email,subject,status,created_at",
              ["tk1,pia@mail.org,Refund,open,2026-02-01T00:00:00Z"])
    write_csv(workspace, "email/events.csv", "email,campaign_id,event,ts", ["pia@mail.org,cmp1,open,2026-02-02T00:00:00Z"])
    write_events(workspace, "day1.jsonl", [
        identify("m1", "pia-phone", user_id="pia1", email="pia@mail.org"),
        identify("m2", "jon-laptop", user_id="jon1", email="jon@mail.org"),
    ])
    assert workspace.cdp("run").returncode == 0
    pia, jon = profile_of(workspace, "pia1"), profile_of(workspace, "jon1")

    # Jon, logged in, types Pia's address into a form: a second email on his user id
    write_events(workspace, "day2.jsonl", [identify("m3", "jon-laptop", user_id="jon1", email="pia@mail.org")])
    rebuilt = Workspace(tmp_path / "rebuilt")
    shutil.copytree(workspace.root, rebuilt.root)
    assert workspace.cdp("run").returncode == 0
    assert {profile_of(workspace, value) for value in ("pia@mail.org", "c2", "pia1", "pia-phone")} == {pia}
    assert {profile_of(workspace, value) for value in ("jon@mail.org", "jon1", "jon-laptop")} == {jon}
    assert workspace.query("select profile_id from cdp.support_tickets") == [(pia,)]
    assert workspace.query("select profile_id from cdp.email_events") == [(pia,)]
    assert workspace.scalar("select count(*) from cdp.profile_merges") == 0
    assert workspace.query(
        "select rule, detail from cdp.identity_rule_hits where identifier_value = 'pia@mail.org'"
    ) == [("kept_on_profile", "seen beside 2 distinct user_id values (limit 1): linked before, kept where it was")]

    # the same day rebuilt from all history ends the same
    assert rebuilt.cdp("run", "--full-refresh").returncode == 0
    assert tables(rebuilt) == tables(workspace)
