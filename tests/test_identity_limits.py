"""max_per_profile holds through chains of weaker identifiers, not just direct links."""

from __future__ import annotations

import pytest
import yaml

from core.config import ConfigError, parse_config
from tests.conftest import make_workspace, shipped_config
from tests.test_profile_merges import CONTACTS, profile_of, write_csv, write_events


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
        # u1 - a1 - shared@mail.org - a2 - u2: browsers are weak, and no name confirms either
        # link, so each browser stays with the account logged in on it
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

    hits = dict(workspace.query("select identifier_value, detail from cdp.identity_rule_hits where rule = 'unconfirmed'"))
    kept = ("weak: would join 2 groups of identifiers, 2 of them with no name to confirm it; "
            "kept with the one account seen with it, linking no others")
    assert hits == {"a1": kept, "a2": kept, "a4": kept}

    assert workspace.cdp("run").returncode == 0  # nothing new: the split is stable
    assert workspace.scalar("select count(*) from cdp.profile_merges") == 0


def test_reviewed_overrides_split_and_merge_on_the_next_run(tmp_path):
    workspace = make_workspace(tmp_path)
    crm = workspace.landing / "crm"
    crm.mkdir(parents=True)
    (crm / "contacts.csv").write_text(
        "contact_id,email,phone,first_name,last_name,company,job_title,lifecycle_stage,updated_at\n"
        # a clerk typed the shop's number on Ann's contact: email and phone look like one person
        "c1,ann@mail.org,(212) 736-5000,Ann,Lee,,,lead,2026-01-01T00:00:00Z\n"
        "c2,bo.work@acme.io,,Bo,Kim,,,lead,2026-01-01T00:00:00Z\n"
    )
    write_events(workspace, "day1.jsonl", [identify("m1", "a1", user_id="bo1", email="bo@mail.org")])
    assert workspace.cdp("run").returncode == 0
    assert profile_of(workspace, "ann@mail.org") == profile_of(workspace, "+12127365000")
    assert profile_of(workspace, "bo.work@acme.io") != profile_of(workspace, "bo1")
    ann = profile_of(workspace, "ann@mail.org")

    config = shipped_config()
    config["identity"]["overrides"] = [
        {"action": "split", "a": "email:Ann@Mail.org", "b": "phone:212-736-5000", "note": "shop number, ticket 41"},
        {"action": "merge", "a": "user_id:bo1", "b": "email:bo.work@acme.io", "note": "same person, per sales"},
    ]
    assert workspace.cdp("run", CDP_CONFIG=workspace.write_config(config)).returncode == 0

    assert profile_of(workspace, "ann@mail.org") != profile_of(workspace, "+12127365000")
    assert profile_of(workspace, "bo.work@acme.io") == profile_of(workspace, "bo1") == profile_of(workspace, "bo@mail.org")
    hits = set(workspace.query(
        "select identifier_value, rule, detail from cdp.identity_rule_hits where rule like 'override%'"
    ))
    assert hits == {
        ("ann@mail.org", "override_split", "kept apart by identity.overrides: shop number, ticket 41"),
        ("+12127365000", "override_split", "kept apart by identity.overrides: shop number, ticket 41"),
        ("bo1", "override_merge", "joined by identity.overrides: same person, per sales"),
        ("bo.work@acme.io", "override_merge", "joined by identity.overrides: same person, per sales"),
    }
    kinds = {kind for _, kind in workspace.query("select old_profile_id, kind from cdp.profile_merges")}
    assert kinds == {"split", "merge"}
    assert ann in {profile_of(workspace, "ann@mail.org"), profile_of(workspace, "+12127365000")}


def test_a_phone_joins_people_only_when_a_name_agrees_on_each_side(tmp_path):
    workspace = make_workspace(tmp_path)
    write_csv(workspace, "crm/contacts.csv", CONTACTS, [
        "c1,ann@mail.org,(212) 555-0101,Ann,Lee,,,lead,2026-01-01T00:00:00Z",
        # one number, two names: a household line
        "c2,bo@mail.org,(917) 555-0123,Bo,Kim,,,lead,2026-01-01T00:00:00Z",
        "c3,cy@mail.org,(917) 555-0123,Cy,Kim,,,lead,2026-01-01T00:00:00Z",
        # Jon's contact and Pia's loyalty card share a landline; the card has no name
        "c4,jon@mail.org,(303) 555-0142,Jon,Silva,,,lead,2026-01-01T00:00:00Z",
        # Eve's second address, typed by sales with her name and her mobile
        "c5,eve@work.io,(404) 555-0177,Eve,Ito,,,lead,2026-01-01T00:00:00Z",
        # Max's work contact, typed with a letter doubled: a slip inside a word agrees
        "c6,max@mail.org,(415) 555-0160,Max,Stone,,,lead,2026-01-01T00:00:00Z",
        "c7,max@work.io,415-555-0160,Max,Stonne,,,lead,2026-01-01T00:00:00Z",
        # two people on one landline whose names differ by a letter at the end: they do not
        "c8,carl@mail.org,(415) 555-0161,Carl,Moss,,,lead,2026-01-01T00:00:00Z",
        "c9,carla@mail.org,(415) 555-0161,Carla,Moss,,,lead,2026-01-01T00:00:00Z",
    ])
    write_csv(workspace, "pos/loyalty_members.csv", "loyalty_id,email,phone", [
        "L1,,212-555-0101",  # Ann's number on a card with nothing else: no name on that side
        "L2,,646-555-0199",  # two cards, one number, no name anywhere: nothing confirms
        "L3,,646-555-0199",
        "L4,,646-736-5100",  # a number on one card only joins nobody: it stays with the card
        "L5,pia@mail.org,303-555-0142",
    ])
    write_events(workspace, "day1.jsonl", [
        # Eve logs in with her own address, her name and her mobile: the name agrees on both sides
        {**identify("m1", "a1", user_id="u1", email="eve@mail.org"),
         "traits": {"email": "eve@mail.org", "firstName": "Eve", "lastName": "Ito", "phone": "404 555 0177"}},
    ])
    assert workspace.cdp("run").returncode == 0

    assert profile_of(workspace, "eve@work.io") == profile_of(workspace, "u1") == profile_of(workspace, "+14045550177")
    assert profile_of(workspace, "jon@mail.org") != profile_of(workspace, "pia@mail.org")
    assert profile_of(workspace, "L1") != profile_of(workspace, "ann@mail.org")
    assert profile_of(workspace, "L2") != profile_of(workspace, "L3")
    assert profile_of(workspace, "bo@mail.org") != profile_of(workspace, "cy@mail.org")
    assert profile_of(workspace, "max@mail.org") == profile_of(workspace, "max@work.io")
    assert profile_of(workspace, "carl@mail.org") != profile_of(workspace, "carla@mail.org")
    assert profile_of(workspace, "+16467365100") == profile_of(workspace, "L4")
    # a number no evidence confirms stays with the one name seen with it, or with no one
    assert profile_of(workspace, "+12125550101") == profile_of(workspace, "ann@mail.org")
    assert profile_of(workspace, "+13035550142") == profile_of(workspace, "jon@mail.org")
    kept = "; kept with the one name seen with it, linking no others"
    assert set(workspace.query(
        "select identifier_value, rule, detail from cdp.identity_rule_hits where rule in ('shared', 'unconfirmed')"
    )) == {
        ("+12125550101", "unconfirmed", "weak: would join 2 groups of identifiers, 1 of them with no name to confirm it" + kept),
        ("+13035550142", "unconfirmed", "weak: would join 2 groups of identifiers, 1 of them with no name to confirm it" + kept),
        ("+16465550199", "unconfirmed", "weak: would join 2 groups of identifiers, 2 of them with no name to confirm it; links no one"),
        ("+19175550123", "unconfirmed", "weak: would join 2 groups of identifiers seen with 2 different full names; links no one"),
        ("+14155550161", "unconfirmed", "weak: would join 2 groups of identifiers seen with 2 different full names; links no one"),
    }
    assert workspace.scalar("select count(*) from cdp.profile_identifiers where identifier_value = '+19175550123'") == 0

    explained = workspace.cdp("explain", "phone", "(917) 555-0123")
    assert explained.returncode == 0
    assert explained.stdout.startswith(
        "phone +19175550123 is in no profile: unconfirmed: weak: would join 2 groups of identifiers "
        "seen with 2 different full names; links no one")
    assert "seen beside 2 other profile(s)" in explained.stdout


def test_an_override_naming_an_invalid_identifier_is_a_clear_error():
    config = shipped_config()
    config["identity"]["overrides"] = [{"action": "merge", "a": "email:not-an-email", "b": "user_id:u1"}]
    with pytest.raises(ConfigError, match="identity.overrides: 'email:not-an-email': invalid email"):
        parse_config(yaml.safe_dump(config))
    config["identity"]["overrides"] = [{"action": "split", "a": "mail:x@y.org", "b": "user_id:u1"}]
    with pytest.raises(ConfigError, match="is not `type:value` with a known type"):
        parse_config(yaml.safe_dump(config))


def test_a_profile_over_a_cap_is_flagged_and_held_back_from_merging_further(tmp_path):
    workspace = make_workspace(tmp_path)
    write_events(workspace, "day1.jsonl", [
        identify("m1", "a1", user_id="u1", email="ann@mail.org"),
        identify("m2", "a2", email="bo@mail.org"),
    ])
    config = shipped_config()
    config["identity"]["max_identifiers_per_profile"] = 2
    capped = workspace.write_config(config)
    run = workspace.cdp("run", CDP_CONFIG=capped)
    assert run.returncode == 0  # a warning, not a failure
    assert "accepted_values_profiles_identity_cap_reached" in run.stdout + run.stderr
    ann, bo = profile_of(workspace, "u1"), profile_of(workspace, "bo@mail.org")
    assert dict(workspace.query("select profile_id, identity_cap_reached from cdp.profiles")) == {ann: True, bo: False}
    assert f'"profile_id": "{ann}"' in run.stderr  # the warning names the profile

    # a second day links Bo's browser to Ann's email, and a new browser to Bo's email; a
    # reviewer asks to merge the two, which the cap holds back too
    write_events(workspace, "day2.jsonl", [
        identify("m3", "a2", email="ann@mail.org"),
        identify("m4", "a3", email="bo@mail.org"),
    ])
    config["identity"]["overrides"] = [{"action": "merge", "a": "user_id:u1", "b": "email:bo@mail.org", "note": "per sales"}]
    capped = workspace.write_config(config)
    assert workspace.cdp("run", CDP_CONFIG=capped).returncode == 0
    # Ann's profile is over the cap: it keeps what it had and takes in nothing of Bo's
    assert {profile_of(workspace, v) for v in ("u1", "a1", "ann@mail.org")} == {ann}
    assert {profile_of(workspace, v) for v in ("bo@mail.org", "a2", "a3")} == {bo}
    assert workspace.scalar("select count(*) from cdp.profile_merges") == 0
    assert dict(workspace.query("select profile_id, identity_cap_reached from cdp.profiles")) == {ann: True, bo: True}
    hits = workspace.query("select detail from cdp.identity_rule_hits where rule = 'cap_held_back'")
    assert len(hits) == 2  # one row per profile held back, each naming the profile at the cap
    assert all(f"profile {ann} is at a cap" in detail for (detail,) in hits), hits
    held = set(workspace.query("select identifier_value, detail from cdp.identity_rule_hits where rule = 'override_held_back'"))
    detail = (f"identity.overrides: per sales: held back, profile {ann} and profile {bo} stay apart (a profile at a cap "
              "or the two over identity.max_identifiers_per_profile; see their cap_held_back hits)")
    assert held == {("u1", detail), ("bo@mail.org", detail)}

    # raising the cap is retroactive: the next run merges them, and the older id survives
    config = shipped_config()
    config["identity"]["overrides"] = [{"action": "merge", "a": "user_id:u1", "b": "email:bo@mail.org", "note": "per sales"}]
    assert workspace.cdp("run", CDP_CONFIG=workspace.write_config(config)).returncode == 0
    assert {profile_of(workspace, v) for v in ("u1", "a1", "ann@mail.org", "bo@mail.org", "a2", "a3")} == {ann}
    assert workspace.query("select old_profile_id, profile_id, kind from cdp.profile_merges") == [(bo, ann, "merge")]


def test_blocked_patterns_keep_junk_out_of_profiles(tmp_path):
    workspace = make_workspace(tmp_path)
    write_events(workspace, "day1.jsonl", [
        identify("m1", "a1", user_id="u1", email="fake@shop.org"),
        identify("m2", "a2", user_id="u2", email="ann@mailinator.com"),
        identify("m3", "a3", user_id="u3", email="o'neil@mail.org"),
    ])
    config = shipped_config()
    config["identity"]["blocked_patterns"].append("^o'neil@")  # a quote in a pattern stays a literal
    assert workspace.cdp("run", CDP_CONFIG=workspace.write_config(config)).returncode == 0

    assert set(workspace.query(
        "select identifier_value, detail from cdp.identity_rule_hits where rule = 'blocked_pattern'"
    )) == {
        ("fake@shop.org", "matches ^(no|none|noemail|nomail|test|asdf|fake|null)@"),
        ("ann@mailinator.com", "matches @(example|test|mailinator)\\.(com|org|net)$"),
        ("o'neil@mail.org", "matches ^o'neil@"),
    }
    assert workspace.scalar("select count(*) from cdp.profile_identifiers where identifier_type = 'email'") == 0
    assert workspace.scalar("select count(*) from cdp.profiles where user_id is not null") == 3


LOYALTY = "loyalty_id,email,phone,first_name,last_name"


def test_an_email_on_two_cards_naming_two_people_links_neither(tmp_path):
    workspace = make_workspace(tmp_path)
    write_csv(workspace, "pos/loyalty_members.csv", LOYALTY, [
        # a clerk's own email typed into two customers' sign-ups (within the loyalty_id limit)
        "L1,clerk@shop.org,,Ann,Lee",
        "L2,clerk@shop.org,,Bo,Chen",
        # one person as far as names say: a nickname, a slip, the words swapped, a placeholder
        "L3,bob@mail.org,,Bob,Park",
        "L4,bob@mail.org,,Robert,Park",
        "L5,kate@mail.org,,Kate,Roberts",
        "L6,kate@mail.org,,Katie,Robberts",
        "L7,mia@mail.org,,Mia,Wong",
        "L8,mia@mail.org,,Wong,Mia",
        "L9,eve@mail.org,,Eve,Ito",
        "L10,eve@mail.org,,CUSTOMER,Smith",
        "L11,solo@mail.org,,Max,Berg",
    ])
    write_events(workspace, "day1.jsonl", [
        {**identify("m1", "a1", user_id="u1", email="clerk@shop.org"), "traits": {
            "email": "clerk@shop.org", "firstName": "Tom", "lastName": "Hale"}},
    ])
    assert workspace.cdp("run").returncode == 0

    def profiles(*values: str) -> set:
        listed = ", ".join(f"'{v}'" for v in values)
        return {row[0] for row in workspace.query(
            f"select profile_id from cdp.profile_identifiers where identifier_value in ({listed})")}

    assert len(profiles("L1", "L2", "u1")) == 3
    assert profiles("clerk@shop.org") == set()
    assert workspace.query("select rule, detail from cdp.identity_rule_hits where identifier_value = 'clerk@shop.org'") == [
        ("shared", "on pos_loyalty_members records naming two different people")]
    assert workspace.scalar("select count(*) from cdp.identity_review_queue where identifier_value = 'clerk@shop.org'") > 0
    for pair in [("L3", "L4"), ("L5", "L6"), ("L7", "L8"), ("L9", "L10")]:
        assert len(profiles(*pair)) == 1, pair

    # a later card naming someone else makes an email shared on an incremental build too
    write_csv(workspace, "pos/loyalty_members_2.csv", LOYALTY, ["L12,solo@mail.org,,Ida,Nygaard"])
    assert workspace.cdp("run").returncode == 0
    assert len(profiles("L11", "L12")) == 2
    assert profiles("solo@mail.org") == set()
