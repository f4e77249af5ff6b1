"""Segment's Consent Management as consent statements: an event's
context.consent.categoryPreferences (category -> true / false) lands in its own column of
raw.events, and a purpose's `consent_category` statement reads it, the latest winning."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import yaml

from core.config import ConfigError, parse_config
from tests.conftest import Workspace, make_workspace, shipped_config

PURPOSES = {
    "personalization": {"statements": [{"source": "events", "consent_category": "Personalization"}]},
    "advertising": {"statements": [{"source": "events", "consent_category": "Advertising"}]},
}


def event(message_id: str, call: str, user_id: str, when: str, preferences=None, **extra) -> str:
    payload = {"messageId": message_id, "type": call, "userId": user_id, "timestamp": when, **extra}
    if preferences is not None:
        payload["context"] = {"consent": {"categoryPreferences": preferences}, "ip": "10.0.0.1"}
    return json.dumps(payload) + "\n"


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Workspace:
    workspace = make_workspace(tmp_path_factory.mktemp("categories"))
    config = shipped_config()
    config["consent"]["purposes"].update(PURPOSES)
    events = workspace.landing / "events" / "events_1.jsonl"
    events.parent.mkdir(parents=True)
    events.write_text(
        event("i1", "identify", "u1", "2026-10-01T00:00:00Z", {"Personalization": True, "Advertising": False},
              traits={"email": "ann@mail.org"})
        # a category the event does not name states nothing about it
        + event("p1", "page", "u1", "2026-10-05T00:00:00Z", {"Analytics": True}, name="Home")
        + event("i5", "identify", "u5", "2026-10-01T00:00:00Z", traits={"email": "eve@mail.org"})
        + event("t1", "track", "u5", "2026-10-02T00:00:00Z", {"Personalization": True}, event="Consent Updated")
        + event("t2", "track", "u5", "2026-10-04T00:00:00Z", {"Personalization": False}, event="Consent Updated")
        # no context, and a categoryPreferences that is no object: neither states anything
        + event("t3", "track", "u5", "2026-10-06T00:00:00Z", event="Viewed")
        + event("t4", "track", "u5", "2026-10-07T00:00:00Z", "yes", event="Consent Updated")
        + event("i7", "identify", "u7", "2026-10-01T00:00:00Z", traits={"email": "gil@mail.org"})
    )
    run = workspace.cdp("run", CDP_CONFIG=workspace.write_config(config))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return workspace


def states(workspace: Workspace, purpose: str) -> dict[str, tuple]:
    rows = workspace.query(f"""
        select p.email, c.state, c.as_of, c.record_key from cdp.profile_consent as c
        inner join cdp.profiles as p using (profile_id) where c.purpose = '{purpose}' and p.email is not null""")
    return {email: (state, as_of, key) for email, state, as_of, key in rows}


def test_categories_land_in_their_own_column(world):
    landed = dict(world.query("select message_id, consent_preferences from raw.events"))
    assert json.loads(landed["i1"]) == {"Personalization": True, "Advertising": False}
    assert json.loads(landed["p1"]) == {"Analytics": True}
    assert (landed["t3"], landed["t4"], landed["i5"]) == (None, None, None)
    assert world.scalar("select count(*) from cdp.events where consent_preferences is not null") == 4


def test_the_latest_category_statement_wins(world):
    assert states(world, "personalization") == {
        "ann@mail.org": ("granted", datetime(2026, 10, 1), "i1"),
        "eve@mail.org": ("denied", datetime(2026, 10, 4), "t2"),  # granted, then withdrawn; later events say nothing
        "gil@mail.org": ("unknown", None, None),
    }
    assert states(world, "advertising") == {
        "ann@mail.org": ("denied", datetime(2026, 10, 1), "i1"),
        "eve@mail.org": ("unknown", None, None),
        "gil@mail.org": ("unknown", None, None),
    }


def config_with(statement: dict) -> str:
    config = shipped_config()
    config["consent"]["purposes"]["ads"] = {"statements": [statement]}
    return yaml.safe_dump(config)


@pytest.mark.parametrize(("statement", "message"), [
    ({"source": "crm_contacts", "consent_category": "Advertising"},
     "consent.purposes.ads.statements[0].consent_category: Segment's consent categories are on a segment-format source"),
    ({"source": "events", "consent_category": "Ads') or 1=1 --"},
     "consent.purposes.ads.statements[0].consent_category: \"Ads') or 1=1 --\" is not a category name"),
    ({"source": "events", "consent_category": "Advertising", "column": "advertising"}, "give exactly one of column"),
])
def test_a_bad_category_statement_is_named(statement, message):
    with pytest.raises(ConfigError) as error:
        parse_config(config_with(statement))
    assert message in str(error.value)
