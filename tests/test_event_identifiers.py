"""Segment events land only the identifiers normalising changed or found invalid; the
staged identifiers read the rest from raw.events. Real landing pipeline and dbt views."""

from __future__ import annotations

import json

import duckdb
import pytest

from core.config import AccountsConfig, load_config
from core.consent import ConsentConfig
from tests.conftest import REPO, land, make_workspace

EVENTS = [
    {"messageId": "m1", "type": "identify", "anonymousId": "a1", "userId": "u1",
     "traits": {"email": "ann@mail.org", "phone": "+14155550101"}, "timestamp": "2026-10-01T10:00:00Z"},
    {"messageId": "m2", "type": "identify", "anonymousId": " a2 ", "userId": "u2",
     "traits": {"email": " Bob@Mail.ORG", "phone": "(415) 555-0102"}, "timestamp": "2026-10-01T11:00:00Z"},
    {"messageId": "m3", "type": "identify", "anonymousId": "a3", "traits": {"email": "not-an-email"},
     "timestamp": "2026-10-01T12:00:00Z"},
    {"messageId": "m4", "type": "alias", "anonymousId": "a4", "previousId": "a1", "userId": "u1",
     "timestamp": "2026-10-01T13:00:00Z"},
    {"messageId": "m5", "type": "page", "anonymousId": "   ", "userId": "u5", "timestamp": "2026-10-01T14:00:00Z"},
]
COLUMNS = "source, record_key, identifier_type, raw_value, identifier_value, invalid_reason, observed_at"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """Five events landed for real as the `events` source and again as another Segment
    source (which lands every identifier, as all versions before this split did); the
    staging views built on top."""
    root = tmp_path_factory.mktemp("event_identifiers")
    events = root / "landing" / "events"
    events.mkdir(parents=True)
    (events / "day1.jsonl").write_text("".join(json.dumps(e) + "\n" for e in EVENTS))
    config = load_config(REPO / "cdp.yml")
    config.sources = {"events": config.sources["events"], "app_events": config.sources["events"]}
    config.consent = ConsentConfig()  # its statements read the CRM source left out here
    config.accounts = AccountsConfig()  # its members_from reads the CRM source too
    land(root, config)
    workspace = make_workspace(root)
    result = workspace.cdp("dbt", "build", "--select", "+stg_cdp__identifiers", CDP_WAREHOUSE=str(root / "w.duckdb"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return root / "w.duckdb"


def query(warehouse, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).fetchall()


def test_only_what_normalising_changed_or_rejected_lands(warehouse):
    landed = query(warehouse, "select record_key, identifier_type, raw_value, identifier_value, invalid_reason is not null "
                              "from raw.identifiers where source = 'events' order by 1, 2")
    assert landed == [
        ("m2", "anonymous_id", " a2 ", "a2", False),
        ("m2", "email", " Bob@Mail.ORG", "bob@mail.org", False),
        ("m2", "phone", "(415) 555-0102", "+14155550102", False),
        ("m3", "email", "not-an-email", None, True),
    ]
    # the other Segment source is not what dbt reads as raw.events: it lands everything
    assert query(warehouse, "select count(*) from raw.identifiers where source = 'app_events'") == [(14,)]


def test_staged_identifiers_are_every_observation_once(warehouse):
    """The `events` rows staged from the split equal what landing every identifier gave."""
    staged = query(warehouse, f"select {COLUMNS} from staging.stg_cdp__identifiers where source = 'events' order by all")
    everything = query(warehouse, f"select 'events', record_key, identifier_type, coalesce(raw_value, identifier_value), "
                                  f"identifier_value, invalid_reason, cast(observed_at as timestamp) from raw.identifiers "
                                  f"where source = 'app_events' order by all")
    assert staged == everything
    assert ("events", "m4", "anonymous_id", "a1", "a1", None) in [row[:6] for row in staged]  # previousId


def test_events_landed_before_the_split_are_not_staged_twice(warehouse, tmp_path):
    """A warehouse landed by an earlier version holds every event identifier in raw.identifiers."""
    upgraded = tmp_path / "w.duckdb"
    upgraded.write_bytes(warehouse.read_bytes())
    with duckdb.connect(str(upgraded)) as con:
        con.sql("delete from raw.identifiers where source = 'events'")
        con.sql("""insert into raw.identifiers
                   select * replace ('events' as source, (select max(_cdp_loaded_at) from raw.events) as _cdp_loaded_at)
                   from raw.identifiers where source = 'app_events'""")
    before = query(warehouse, f"select {COLUMNS} from staging.stg_cdp__identifiers order by all")
    assert query(upgraded, f"select {COLUMNS} from staging.stg_cdp__identifiers order by all") == before
