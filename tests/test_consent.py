"""Consent per purpose: statements from a CRM field, an email tool's unsubscribes, Segment
events and a preference centre's rows, the latest winning in cdp.profile_consent; a
destination that needs a purpose sends granted people only; a forgotten person's consent
goes with them."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
import yaml

from core.config import ConfigError, parse_config
from tests.conftest import Workspace, make_workspace, shipped_config

CRM_HEADER = "contact_id,email,phone,first_name,last_name,company,job_title,lifecycle_stage,updated_at,email_opt_in\n"
PURPOSES = {
    "email_marketing": {"statements": [
        {"source": "crm_contacts", "column": "email_opt_in"},
        {"source": "email_events", "event": "unsubscribe", "state": "denied"},
    ]},
    "advertising": {"statements": [
        {"source": "events", "event": "Consent Updated", "column": "advertising"},
        # `type` on a source that is not Segment's: its own `type` column
        {"source": "preference_center", "type": "ads_opt_out", "state": "denied"},
    ]},
    "analytics": {"statements": []},
}
PREFERENCE_CENTER = {"files": "prefs/*.csv", "format": "csv", "timestamp": "ts", "identifiers": {"email": "email"},
                     "required": ["type"]}


def write(workspace: Workspace, path: str, text: str) -> None:
    target = workspace.landing / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def consent_update(message_id: str, user_id: str, when: str, advertising: bool) -> str:
    return json.dumps({"messageId": message_id, "type": "track", "event": "Consent Updated", "userId": user_id,
                       "timestamp": when, "properties": {"advertising": advertising}}) + "\n"


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> tuple[Workspace, dict[str, str], Path]:
    workspace = make_workspace(tmp_path_factory.mktemp("consent"))
    config = shipped_config()
    config["sources"]["preference_center"] = PREFERENCE_CENTER
    config["consent"] = {"purposes": PURPOSES}
    config["segments"] = {
        "known": {"description": "Everyone with an email.", "where": {"trait": "email", "op": "not_null"}},
        "ad_audience": {"description": "Known people who granted advertising.",
                        "where": {"all": [{"trait": "email", "op": "not_null"}, {"consent": "advertising"}]}},
        "not_for_newsletters": {"description": "Everyone who did not grant email marketing.",
                                "where": {"not": {"consent": "email_marketing"}}},
    }
    config["destinations"] = {
        "newsletter": {"type": "csv", "segments": ["known"], "fields": ["email"], "purpose": "email_marketing"},
        "ads": {"type": "csv", "segments": ["known"], "fields": ["email"], "purpose": "advertising"},
    }
    exports = workspace.root / "exports"
    env = {"CDP_CONFIG": workspace.write_config(config), "CDP_EXPORT_DIR": str(exports)}
    write(workspace, "crm/contacts.csv", CRM_HEADER +
          "c1,ann@mail.org,,Ann,A,,,customer,2026-01-01T00:00:00Z,yes\n"
          "c2,bob@mail.org,,Bob,B,,,customer,2026-01-01T00:00:00Z,no\n"
          "c3,cat@mail.org,,Cat,C,,,customer,2026-01-01T00:00:00Z,Yes\n"
          "c4,dan@mail.org,,Dan,D,,,lead,2026-01-01T00:00:00Z,\n")
    write(workspace, "email/events_1.csv", "email,campaign_id,event,ts\n"
          "cat@mail.org,k1,unsubscribe,2026-11-02T00:00:00Z\n"
          "ann@mail.org,k1,open,2026-11-02T00:00:00Z\n")
    write(workspace, "events/events_1.jsonl",
          json.dumps({"messageId": "i1", "type": "identify", "userId": "u1", "traits": {"email": "ann@mail.org"},
                      "timestamp": "2026-10-01T00:00:00Z"}) + "\n"
          + json.dumps({"messageId": "i5", "type": "identify", "userId": "u5", "traits": {"email": "eve@mail.org"},
                        "timestamp": "2026-10-01T00:00:00Z"}) + "\n"
          + consent_update("a1", "u1", "2026-10-02T00:00:00Z", True)
          + consent_update("a2", "u5", "2026-10-02T00:00:00Z", True)
          + consent_update("a3", "u5", "2026-10-05T00:00:00Z", False))
    write(workspace, "prefs/prefs_1.csv", "email,type,ts\nbob@mail.org,ads_opt_out,2026-10-03T00:00:00Z\n"
                                          "ann@mail.org,newsletter_opt_in,2026-10-03T00:00:00Z\n")
    run = workspace.cdp("run", **env)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return workspace, env, exports


def states(workspace: Workspace, purpose: str) -> dict[str, tuple]:
    rows = workspace.query(f"""
        select p.email, c.state, c.as_of, c.source from cdp.profile_consent as c
        inner join cdp.profiles as p using (profile_id) where c.purpose = '{purpose}' and p.email is not null""")
    return {email: (state, as_of, source) for email, state, as_of, source in rows}


def members(exports: Path, destination: str) -> set[str]:
    return {r[0] for r in duckdb.sql(f"select email from read_csv('{exports}/{destination}/members/*.csv')").fetchall()}


def at(day: str) -> datetime:
    return datetime.fromisoformat(day)


def test_the_latest_statement_of_each_purpose_wins(world):
    workspace, _, _ = world
    assert states(workspace, "email_marketing") == {
        "ann@mail.org": ("granted", at("2026-01-01"), "crm_contacts"),
        "bob@mail.org": ("denied", at("2026-01-01"), "crm_contacts"),
        # opted in, then unsubscribed: the unsubscribe is later
        "cat@mail.org": ("denied", at("2026-11-02"), "email_events"),
        # an empty field states nothing
        "dan@mail.org": ("unknown", None, None),
        "eve@mail.org": ("unknown", None, None),
    }
    assert states(workspace, "advertising") == {
        "ann@mail.org": ("granted", at("2026-10-02"), "events"),
        "bob@mail.org": ("denied", at("2026-10-03"), "preference_center"),
        "cat@mail.org": ("unknown", None, None),
        "dan@mail.org": ("unknown", None, None),
        "eve@mail.org": ("denied", at("2026-10-05"), "events"),  # granted, then withdrawn
    }
    # a purpose nobody stated yet is listed for every profile, unknown
    assert workspace.query("select distinct state from cdp.profile_consent where purpose = 'analytics'") == [("unknown",)]
    assert workspace.scalar("select count(*) from cdp.profile_consent") == 3 * workspace.scalar("select count(*) from cdp.profiles")


def test_a_destination_sends_only_people_who_granted_its_purpose(world):
    _, _, exports = world
    assert members(exports, "newsletter") == {"ann@mail.org"}
    assert members(exports, "ads") == {"ann@mail.org"}


def test_a_segment_can_require_consent_to_a_purpose(world):
    workspace, _, _ = world
    members = dict(workspace.query(
        "select m.segment, list(p.email order by p.email) from cdp.segment_memberships m "
        "join cdp.profiles p using (profile_id) where m.segment in ('ad_audience', 'not_for_newsletters') group by 1"))
    assert members["ad_audience"] == ["ann@mail.org"]
    # denied and unknown alike are not granted
    assert members["not_for_newsletters"] == ["bob@mail.org", "cat@mail.org", "dan@mail.org", "eve@mail.org"]


def test_a_re_exported_record_states_its_value_from_the_copy_that_first_held_it(world):
    workspace, env, exports = world
    # the CRM exports everyone again: Ann and Cat touched for other fields, Dan now opted in
    write(workspace, "crm/contacts_2.csv", CRM_HEADER +
          "c1,ann@mail.org,,Ann,A,,,champion,2026-11-20T00:00:00Z,yes\n"
          "c2,bob@mail.org,,Bob,B,,,customer,2026-01-01T00:00:00Z,no\n"
          "c3,cat@mail.org,,Cat,C,,,champion,2026-11-22T00:00:00Z,yes\n"
          "c4,dan@mail.org,,Dan,D,,,lead,2026-11-21T00:00:00Z,yes\n")
    run = workspace.cdp("run", **env)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    email = states(workspace, "email_marketing")
    assert email["ann@mail.org"] == ("granted", at("2026-01-01"), "crm_contacts")
    # Cat's opt-in is the one she had before unsubscribing: re-exported, it is no new statement
    assert email["cat@mail.org"] == ("denied", at("2026-11-02"), "email_events")
    assert email["dan@mail.org"] == ("granted", at("2026-11-21"), "crm_contacts")
    assert members(exports, "newsletter") == {"ann@mail.org", "dan@mail.org"}


def test_a_forgotten_persons_consent_goes_with_them(world):
    workspace, env, _ = world
    ann = workspace.scalar("select profile_id from cdp.profiles where email = 'ann@mail.org'")
    assert workspace.scalar(f"select count(*) from cdp.profile_consent where profile_id = '{ann}'") == 3
    result = workspace.cdp("forget", "email", "ann@mail.org", **env)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert workspace.scalar(f"select count(*) from cdp.profile_consent where profile_id = '{ann}'") == 0
    assert workspace.scalar("select count(*) from cdp.profile_consent where record_key in ('c1', 'a1')") == 0
    run = workspace.cdp("run", **env)  # rebuilt: nothing of hers comes back
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert workspace.scalar("select count(*) from cdp.profile_consent where record_key in ('c1', 'a1')") == 0
    assert "ann@mail.org" not in states(workspace, "email_marketing")


def config_with(**changes) -> str:
    config = shipped_config()
    config["sources"]["preference_center"] = PREFERENCE_CENTER
    config.update(changes)
    return yaml.safe_dump(config)


@pytest.mark.parametrize(("consent", "destinations", "message"), [
    ({"purposes": {"email": {"statements": [{"source": "nope", "state": "denied"}]}}}, {},
     "consent.purposes.email.statements[0].source: unknown source 'nope'"),
    ({"purposes": {"email": {"statements": [{"source": "crm_contacts", "column": "email_opt_in", "state": "denied"}]}}}, {},
     "give exactly one of column"),
    ({"purposes": {"email": {"statements": [{"source": "crm_contacts", "column": "favourite"}]}}}, {},
     "consent.purposes.email.statements[0].column: unknown column 'favourite'"),
    # an event filter on a source without an `event` column is an error, never ignored
    ({"purposes": {"email": {"statements": [{"source": "crm_contacts", "event": "x", "state": "denied"}]}}}, {},
     "consent.purposes.email.statements[0].where.event: unknown column 'event'"),
    ({"purposes": {"email": {"statements": [{"source": "events", "type": "clicked", "state": "denied"}]}}}, {},
     "consent.purposes.email.statements[0].type: one of identify"),
    ({"purposes": {}}, {"d": {"type": "csv", "segments": ["high_value"], "purpose": "email"}},
     "destinations.d.purpose: unknown purpose 'email'"),
])
def test_consent_config_errors_name_the_key(consent, destinations, message):
    with pytest.raises(ConfigError) as error:
        parse_config(config_with(consent=consent, destinations=destinations))
    assert message in str(error.value)


@pytest.mark.parametrize(("where", "message"), [
    ({"consent": "telepathy"}, "segments.s.where.consent: unknown purpose 'telepathy' (consent.purposes: email_marketing)"),
    ({"consent": "email_marketing", "trait": "email"}, "segments.s.where.consent: takes a purpose and nothing beside it"),
    ({"consent": ["email_marketing"]}, "segments.s.where.consent: takes a purpose and nothing beside it"),
])
def test_a_segments_consent_condition_names_a_declared_purpose(where, message):
    with pytest.raises(ConfigError) as error:
        parse_config(config_with(segments={"s": {"description": "", "where": where}}))
    assert message in str(error.value)


def test_the_shipped_config_declares_the_email_purpose_and_the_newsletter_needs_it():
    config = parse_config(config_with())
    assert "email_marketing" in config.consent.purposes
    assert config.destinations["newsletter_audience"].purpose == "email_marketing"
