"""max_per_profile holds through chains of weaker identifiers, not just direct links."""

from __future__ import annotations

from tests.conftest import make_workspace
from tests.test_profile_merges import profile_of, write_events


def identify(message_id: str, anonymous_id: str, user_id: str | None = None, email: str | None = None) -> dict:
    event = {"messageId": message_id, "type": "identify", "anonymousId": anonymous_id, "timestamp": "2026-10-01T10:00:00Z"}
    if user_id:
        event["userId"] = user_id
    if email:
        event["traits"] = {"email": email}
    return event


def test_a_chain_of_browsers_and_an_email_never_joins_two_user_ids(tmp_path):
    workspace = make_workspace(tmp_path)
    write_events(workspace, "day1.jsonl", [
        # u1 - a1 - shared@mail.org - a2 - u2: the email is as near to one user as the other
        identify("m1", "a1", user_id="u1"),
        identify("m2", "a1", email="shared@mail.org"),
        identify("m3", "a2", email="shared@mail.org"),
        identify("m4", "a2", user_id="u2"),
        # u3 = near@mail.org directly; a4 links that email to u4: the email stays with u3
        identify("m5", "a3", user_id="u3", email="near@mail.org"),
        identify("m6", "a4", email="near@mail.org"),
        identify("m7", "a4", user_id="u4"),
    ])
    assert workspace.cdp("run").returncode == 0

    assert workspace.scalar(
        "select count(*) from (select profile_id from cdp.profile_identifiers where identifier_type = 'user_id'"
        " group by profile_id having count(*) > 1)"
    ) == 0
    assert profile_of(workspace, "a1") == profile_of(workspace, "u1")
    assert profile_of(workspace, "a2") == profile_of(workspace, "u2")
    assert profile_of(workspace, "shared@mail.org") not in {profile_of(workspace, "u1"), profile_of(workspace, "u2")}
    assert profile_of(workspace, "near@mail.org") == profile_of(workspace, "u3") == profile_of(workspace, "a3")
    assert profile_of(workspace, "a4") == profile_of(workspace, "u4")

    hits = dict(workspace.query(
        "select identifier_value, rule from cdp.identity_rule_hits where rule like 'max_per_profile%'"
    ))
    assert hits == {
        "shared@mail.org": "max_per_profile_held_apart",
        "u1": "max_per_profile_split", "u2": "max_per_profile_split",
        "u3": "max_per_profile_split", "u4": "max_per_profile_split",
    }

    assert workspace.cdp("run").returncode == 0  # nothing new: the split is stable
    assert workspace.scalar("select count(*) from cdp.profile_merges") == 0
