"""A trait a source of cdp.yml declares is a profile column by its own name, which segments
use like any trait; a name that would clash with another column stops the load, naming it."""

from __future__ import annotations

import pytest

from core.config import ConfigError, parse_config
from tests.test_config import IDENTITY

STORES = ("sources:\n  events: {files: e.jsonl, format: segment}\n"
          "  stores: {files: s.csv, format: csv, primary_key: id, timestamp: at, traits: [favorite_store, visits, first_name],"
          " columns: {visits: integer}}\n")


def test_a_source_trait_is_a_column_of_its_declared_type():
    config = parse_config(STORES + IDENTITY)
    assert config.computed_trait_types() == {"favorite_store": "varchar", "visits": "bigint"}
    assert config.trait_columns()["visits"].sql == (
        "select t.profile_id, t.value from __CDP_PROFILE_TRAITS__ as t where t.trait = 'visits'")


def test_a_trait_cdp_profiles_already_holds_is_not_a_second_column():
    # first_name is a cdp.profiles column, filled from the same survivorship
    assert "first_name" not in parse_config(STORES + IDENTITY).trait_columns()


def test_a_segment_on_a_source_trait_compiles_to_its_column():
    segment = "segments:\n  soho: {description: x, where: {trait: favorite_store, op: '=', value: Soho}}\n"
    config = parse_config(STORES + IDENTITY + segment)
    assert config.segment_predicate("soho") == "(__CDP_COLUMN__favorite_store__END__ = 'Soho')"


def test_a_segment_on_a_source_trait_is_checked_against_its_type():
    segment = "segments:\n  s: {description: x, where: {trait: visits, op: '>=', value: many}}\n"
    with pytest.raises(ConfigError, match=r"segments\.s\.where\.value: 'many' is not a number"):
        parse_config(STORES + IDENTITY + segment)


def test_an_undeclared_trait_is_still_unknown():
    segment = "segments:\n  s: {description: x, where: {trait: favourite_shop, op: '=', value: Soho}}\n"
    with pytest.raises(ConfigError, match=r"segments\.s\.where\.trait: unknown trait 'favourite_shop' \(.*favorite_store"):
        parse_config(STORES + IDENTITY + segment)


@pytest.mark.parametrize(("trait", "message"), [
    ("order_count", r"sources\.stores\.traits: 'order_count' is the name of a cdp\.profiles column"),
    ("Email", r"sources\.stores\.traits: 'Email' is the name of a cdp\.profiles column"),
    ("'favorite store'", r"sources\.stores\.traits: 'favorite store' becomes a profile column: name it"),
])
def test_a_trait_that_cannot_be_its_own_column_is_named(trait, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(STORES.replace("traits: [favorite_store", f"traits: [{trait}") + IDENTITY)


def test_a_computed_trait_of_the_same_name_is_named():
    computed = "computed_traits:\n  favorite_store: {source: stores, aggregate: count}\n"
    with pytest.raises(ConfigError, match=r"sources\.stores\.traits: 'favorite_store' is also a computed trait"):
        parse_config(STORES + IDENTITY + computed)


def test_two_sources_give_one_trait_one_type():
    other = "  shop: {files: o.csv, format: csv, primary_key: id, traits: [visits]}\n"
    with pytest.raises(ConfigError, match=r"sources\.shop\.traits: 'visits' is string here but integer in sources\.stores"):
        parse_config(STORES + other + IDENTITY)
    assert parse_config(STORES + other.replace("traits: [visits]", "traits: [favorite_store]") + IDENTITY
                        ).computed_trait_types()["favorite_store"] == "varchar"
