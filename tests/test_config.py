"""cdp.yml is validated on load; every error names the key or value that is wrong."""

from __future__ import annotations

import re

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


def test_an_empty_list_or_mapping_key_means_none():
    # every line under the key commented out: YAML reads null
    config = parse_config(
        "sources:\n  shop:\n    files: a.csv\n    format: csv\n    primary_key: id\n    traits:\n    columns:\n"
        + IDENTITY + "  blocked_values:\n  blocked_patterns:\n  #  - '^test@'\n  overrides:\n"
        + "segments:\ntraits:\ndestinations:\n"
    )
    assert (config.identity.blocked_values, config.identity.blocked_patterns, config.identity.overrides) == ([], [], [])
    assert (config.sources["shop"].traits, config.sources["shop"].columns) == ([], {})
    assert (config.segments, config.traits, config.destinations) == ({}, {}, {})


SHOP = "sources:\n  events: {files: e.jsonl, format: segment}\n  shop: {files: a.csv, format: csv, primary_key: id, columns: {total: double}, required: [status]}\n"


@pytest.mark.parametrize(("trait", "message"), [
    ("{source: shop, aggregate: sum, of: status}", r"computed_traits\.t\.of: 'status' is string, not a number"),
    ("{source: shop, aggregate: sum, of: totl}", r"computed_traits\.t\.of: unknown column 'totl'"),
    ("{source: shop, aggregate: count, within_last_days: 7}", r"computed_traits\.t: source 'shop' has no timestamp"),
    ("{source: shop, aggregate: avg}", r"computed_traits\.t\.of: avg needs `of`"),
    ("{source: shop, aggregate: count, event: Order}", r"computed_traits\.t: event and type are for a segment-format source"),
    ("{source: shopp, aggregate: count}", r"computed_traits\.t\.source: unknown source 'shopp'"),
    ("{source: events, aggregate: median, of: price}", r"computed_traits\.t\.aggregate: Input should be 'count'"),
    ("{source: events, aggregate: count, within_last_days: 0}", r"computed_traits\.t\.within_last_days"),
    ("{source: events, aggregate: sum, of: \"price') --\"}", r"computed_traits\.t\.of: .* is not an event property name"),
    ("{source: events, aggregate: count, where: {category: __CDP_EVENTS__}}", r"values may not contain '__CDP_'"),
])
def test_a_bad_computed_trait_is_named(trait, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(SHOP + IDENTITY + f"computed_traits:\n  t: {trait}\n")


def test_a_computed_trait_names_its_columns_for_the_engine_to_quote():
    # dbt quotes the column for its engine ("x" on DuckDB, `x` on Spark), so its name must be one it can find
    config = parse_config(SHOP + IDENTITY + "computed_traits:\n  spent: {source: shop, aggregate: sum, of: total}\n")
    assert "sum(cast(r.__CDP_COLUMN__total__END__ as double))" in config.compiled_traits()["spent"].sql
    odd = SHOP.replace("columns: {total: double}", "columns: {'total $': double}")
    with pytest.raises(ConfigError, match=r"computed_traits\.t\.of: column 'total \$' is not a landed column name"):
        parse_config(odd + IDENTITY + "computed_traits:\n  t: {source: shop, aggregate: sum, of: 'total $'}\n")
    # a `__` could end the mark early (`a__END_`): dbt would quote the wrong name
    marked = SHOP.replace("columns: {total: double}", "columns: {a__END_: double}")
    with pytest.raises(ConfigError, match=r"computed_traits\.t\.of: column 'a__END_' is not a landed column name"):
        parse_config(marked + IDENTITY + "computed_traits:\n  t: {source: shop, aggregate: sum, of: a__END_}\n")


def test_a_segment_on_a_computed_trait_is_checked_against_its_type():
    traits = "computed_traits:\n  orders_seen: {source: shop, aggregate: count}\n"
    segment = "segments:\n  s: {description: x, where: {trait: orders_seen, op: '>=', value: many}}\n"
    with pytest.raises(ConfigError, match=r"segments\.s\.where\.value: 'many' is not a number"):
        parse_config(SHOP + IDENTITY + traits + segment)
    with pytest.raises(ConfigError, match=r"computed_traits\.order_count: cdp\.profiles has a column of that name"):
        parse_config(SHOP + IDENTITY + "computed_traits:\n  order_count: {source: shop, aggregate: count}\n")


@pytest.mark.parametrize(("condition", "message"), [
    ("{performed: {event: Viewed, at_least: 0}}", r"segments\.s\.where\.performed\.at_least: takes a whole number"),
    ("{performed: {event: Viewed, within_last_days: soon}}", r"segments\.s\.where\.performed\.within_last_days"),
    ("{performed: {event: Viewed, times: 3}}", r"segments\.s\.where\.performed: unknown key 'times'"),
    ("{performed: {type: trak}}", r"segments\.s\.where\.performed\.type: one of identify, track, page"),
    ("{performed: {source: shop, within_last_days: 3}}", r"segments\.s\.where\.performed: source 'shop' has no timestamp"),
    ("{performed: {source: shop, event: Viewed}}", r"segments\.s\.where\.performed\.event: a name, for a segment-format"),
    ("{performed: {event: Viewed}, trait: x}", r"segments\.s\.where\.performed: takes one mapping and nothing beside it"),
    ("{performed: {source: shop, where: {totl: 3}}}", r"segments\.s\.where\.performed\.where\.totl: unknown column"),
])
def test_a_bad_event_condition_is_named(condition, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(SHOP + IDENTITY + f"segments:\n  s: {{description: x, where: {condition}}}\n")


def test_an_event_condition_compiles_its_values_to_literals():
    config = parse_config(SHOP + IDENTITY + "segments:\n  s: {description: x, where: {performed: "
                          "{event: \"it's\", where: {price: 3}, at_least: 2, within_last_days: 7}}}\n")
    assert config.segment_predicate("s") == (
        "(profile_id in (select r.profile_id from __CDP_EVENTS__ as r where r.profile_id is not null"
        " and __CDP_PROP_NUMBER__price__END__ = 3 and r.event_name = 'it''s'"
        " and r.__CDP_COLUMN__event_at__END__ >= __CDP_DAYS_AGO_7__"
        " group by r.profile_id having count(*) >= 2))"
    )


def test_the_readme_example_is_a_valid_config():
    """The README's cdp.yml is what a newcomer copies: it must load as it is."""
    (example, *_) = re.findall(r"```yaml\n(.*?)```", (REPO / "README.md").read_text(), re.S)
    config = parse_config(example)
    assert "c.is_granted" in config.segment_predicate("lapsed_customers")
