"""cdp.yml is validated on load; every error names the key or value that is wrong."""

from __future__ import annotations

import pytest

from core.config import ConfigError, load_config, parse_config
from tests.conftest import REPO

IDENTITY = """
identity:
  identifier_types:
    user_id: {priority: 1}
    email: {priority: 2, normalize: email}
    phone: {priority: 3, normalize: phone}
    anonymous_id: {priority: 4}
"""


def test_the_default_config_maps_every_built_in_format():
    config = load_config(REPO / "cdp.yml")
    assert set(config.sources) == {
        "events", "crm_contacts", "shop_orders", "pos_loyalty_members", "pos_transactions", "email_events", "support_tickets"
    }


def test_a_misspelt_key_is_named():
    with pytest.raises(ConfigError, match=r"sources\.shop\.primary_kye: unknown key"):
        parse_config("sources:\n  shop: {files: a.csv, format: csv, primary_kye: id}\n" + IDENTITY)


def test_an_unknown_identifier_type_is_named():
    with pytest.raises(ConfigError, match=r"sources\.shop\.identifiers\.mail: unknown identifier type 'e-mail'"):
        parse_config("sources:\n  shop: {files: a.csv, format: csv, identifiers: {mail: e-mail}}\n" + IDENTITY)


def test_a_bad_phone_region_is_named():
    with pytest.raises(ConfigError, match=r"identity\.default_phone_region: .*'XX'"):
        parse_config("sources: {}\n" + IDENTITY + "  default_phone_region: XX\n")


def test_a_bad_blocked_pattern_is_named():
    with pytest.raises(ConfigError, match=r"blocked pattern '\(' is not a regular expression"):
        parse_config("sources: {}\n" + IDENTITY + "  blocked_patterns: ['(']\n")


@pytest.mark.parametrize("pattern", ["^(?!shop)x", r"(a)\1", r"^test\Z"])
def test_a_pattern_python_accepts_but_duckdb_cannot_run_is_named(pattern):
    # look-arounds, back-references, \Z: Python's re compiles them, DuckDB's RE2 stops the run on them
    with pytest.raises(ConfigError, match="is not a regular expression DuckDB can run"):
        parse_config("sources: {}\n" + IDENTITY + f"  blocked_patterns: ['{pattern}']\n")


def test_an_unknown_encoding_and_an_encoding_json_lines_cannot_be_split_in_are_named():
    with pytest.raises(ConfigError, match=r"sources\.crm: encoding 'latin-9x' is not a text encoding"):
        parse_config("sources:\n  crm: {files: a.csv, format: csv, primary_key: id, encoding: latin-9x}\n" + IDENTITY)
    with pytest.raises(ConfigError, match=r"sources\.shop: .*'utf-16'.* keeps ASCII as is"):
        parse_config("sources:\n  shop: {files: a.jsonl, format: jsonl, primary_key: id, encoding: utf-16}\n" + IDENTITY)
    config = parse_config("sources:\n  crm: {files: a.csv, format: csv, primary_key: id, encoding: cp1252, delimiter: ';'}\n" + IDENTITY)
    assert (config.sources["crm"].encoding, config.sources["crm"].delimiter) == ("cp1252", ";")


def test_a_missing_file_says_how_to_point_at_one(tmp_path):
    with pytest.raises(ConfigError, match="CDP_CONFIG"):
        load_config(tmp_path / "nope.yml")


def test_a_segment_named_like_a_sql_segment_model_is_an_error():
    segment = "segments:\n  at_risk_high_value: {description: x, where: {trait: order_count, op: '>', value: 0}}\n"
    with pytest.raises(ConfigError, match="'at_risk_high_value' is both in cdp.yml and a SQL segment model"):
        parse_config("sources:\n  shop: {files: a.csv, format: csv, primary_key: id}\n" + IDENTITY + segment)
