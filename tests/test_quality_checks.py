"""GX checks run as Dagster asset checks: a blocking failure stops bad data before profiles."""

from __future__ import annotations

import json

import duckdb

from quality.runner import validate_query
from quality.suites import LANDED
from tests.conftest import make_workspace


def test_a_blocking_check_stops_bad_orders_from_reaching_profiles(tmp_path):
    workspace = make_workspace(tmp_path)
    shop = workspace.landing / "shop"
    shop.mkdir(parents=True)
    orders = [
        {"order_id": "o1", "email": "ann@mail.org", "total": 20.0, "status": "completed", "created_at": "2026-01-01T00:00:00Z"},
        {"order_id": "o2", "email": "bo@mail.org", "total": -5.0, "status": "completed", "created_at": "2026-01-02T00:00:00Z"},
    ]
    (shop / "orders.jsonl").write_text("\n".join(json.dumps(o) for o in orders) + "\n")
    result = workspace.cdp("run")
    assert result.returncode == 1
    assert "FAILED CHECK: raw/shop_orders:orders_have_ids_and_non_negative_totals" in result.stderr
    assert '"o2"' in result.stderr  # the sample names the offending row
    assert '"_cdp_file": "shop/orders.jsonl", "_cdp_line": 2' in result.stderr  # and where it came from
    # the orders landed, but nothing downstream of them was built or published
    assert workspace.scalar("select count(*) from raw.shop_orders") == 2
    assert workspace.scalar("select count(*) from duckdb_tables() where schema_name = 'cdp'") == 0
    assert not (workspace.root / "published" / "cdp_published.duckdb").exists()

    # landed rows are validated once, but a failure is not forgotten: nothing new, still stopped
    again = workspace.cdp("run")
    assert again.returncode == 1
    assert "FAILED CHECK: raw/shop_orders:orders_have_ids_and_non_negative_totals" in again.stderr
    assert workspace.scalar("select count(*) from duckdb_tables() where schema_name = 'cdp'") == 0


def test_checks_pass_and_report_on_clean_sample_data(sample_run):
    workspace, result = sample_run
    assert "FAILED CHECK" not in result.stderr
    assert (workspace.root / "published" / "cdp_published.duckdb").exists()


def test_text_rules_find_each_bad_value(tmp_path):
    """A null, a value outside the set and a value that does not match each fail their
    rule, with the offending row as the sample."""
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.sql("create schema raw")
        con.sql("""create table raw.events as select * from (values
            ('m1', 'track', 'a1', null, timestamptz '2026-01-01 10:00:00+00'),
            (null, 'page', 'a2', 'u2', timestamptz '2026-01-02 10:00:00+00'),
            ('m3', 'bogus', null, 'u3', timestamptz '2026-01-03 10:00:00+00')
        ) as t(message_id, type, anonymous_id, user_id, timestamp)""")
        con.sql("alter table raw.events add column _cdp_loaded_at timestamptz default now()")
        con.sql("alter table raw.events add column _cdp_file varchar default 'events/e.jsonl'")
        con.sql("alter table raw.events add column _cdp_line bigint default 1")
        con.sql("""create table raw.identifiers as select * from (values
            ('crm', 'c1', 'ann@mail.org', 'ann@mail.org'),
            ('crm', 'c2', 'bo at mail', 'bo at mail')
        ) as t(source, record_key, raw_value, identifier_value)""")
        con.sql("alter table raw.identifiers add column identifier_type varchar default 'email'")
        con.sql("alter table raw.identifiers add column _cdp_loaded_at timestamptz default now()")
        con.sql("alter table raw.identifiers add column _cdp_file varchar default 'crm/c.csv'")

    outcomes = {}
    for suite in LANDED:
        if suite.asset in (["raw", "events"], ["raw", "identifiers"]):
            result = validate_query(warehouse, suite.name, suite.sql, suite.expectations, suite.shown)
            outcomes.update({(e.expectation, e.column): e for e in result.expectations})
    assert outcomes[("expect_column_values_to_not_be_null", "message_id")].unexpected == 1
    assert outcomes[("expect_column_values_to_not_be_null", "message_id")].sample[0]["type"] == "page"
    assert outcomes[("expect_column_values_to_be_in_set", "type")].unexpected == 1
    assert outcomes[("expect_column_values_to_be_in_set", "type")].sample[0]["message_id"] == "m3"
    assert outcomes[("expect_column_values_to_be_in_set", "has_identifier")].unexpected == 0
    assert outcomes[("expect_column_values_to_match_regex", "identifier_value")].unexpected == 1
    # the sample says where to look, never a person's value: it stays in Dagster's event log
    assert outcomes[("expect_column_values_to_match_regex", "identifier_value")].sample == [
        {"source": "crm", "_cdp_file": "crm/c.csv"}]
    samples = json.dumps([o.sample for o in outcomes.values()], default=str)
    assert not any(value in samples for value in ("a1", "a2", "u2", "u3", "c2", "bo at mail"))
