"""Declarative segments compile to SQL over cdp.profiles; bad segments fail at load, naming why."""

from __future__ import annotations

import duckdb
import pytest

from core.config import ConfigError, parse_config
from core.segment_compiler import compile_where
from tests.conftest import REPO


def config_with(segment_yaml: str):
    text = (REPO / "cdp.yml").read_text()
    return parse_config(text[: text.index("segments:")] + "segments:\n" + segment_yaml)


def test_conditions_combine_with_all_any_and_not():
    sql = compile_where(
        {"all": [{"trait": "order_count", "op": ">", "value": 0},
                 {"any": [{"trait": "lifecycle_stage", "op": "in", "value": ["customer", "lead"]},
                          {"not": {"trait": "email", "op": "is_null"}}]}]},
        "w",
    )
    assert sql == """((order_count > 0) and ((lifecycle_stage in ('customer', 'lead')) or not ((email is null))))"""


def test_a_computed_trait_is_a_column_for_dbt_to_quote():
    # its name is the user's, a keyword perhaps (`order`); profiles' columns are plain names
    sql = compile_where({"all": [{"trait": "order", "op": ">", "value": 0}, {"trait": "email", "op": "not_null"}]},
                        "w", {"order": "bigint"})
    assert sql == "((__CDP_COLUMN__order__END__ > 0) and (email is not null))"


def test_an_unknown_trait_is_named_at_load():
    with pytest.raises(ConfigError, match=r"segments\.big\.where\.trait: unknown trait 'lifetime_valu'"):
        config_with("  big: {description: x, where: {trait: lifetime_valu, op: '>', value: 1}}\n")


def test_a_bad_operator_is_named_at_load():
    with pytest.raises(ConfigError, match=r"segments\.big\.where\.all\[0\]\.op: unknown operator 'bigger'"):
        config_with("  big:\n    description: x\n    where: {all: [{trait: order_count, op: bigger, value: 1}]}\n")


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"trait": "order_count", "op": ">", "value": "5"}, "is not a number"),
        ({"trait": "email_consent", "op": "=", "value": "yes"}, "is not true or false"),
        ({"trait": "order_count", "op": "within_last_days", "value": 30}, "needs a timestamp trait"),
        ({"trait": "last_order_at", "op": ">", "value": 3}, "compare timestamps with"),
        ({"trait": "last_order_at", "op": "within_last_days", "value": -3}, "whole number of days"),
        ({"trait": "email", "op": "in", "value": []}, "non-empty list"),
    ],
)
def test_values_of_the_wrong_kind_are_errors(condition, message):
    with pytest.raises(ValueError, match=message):
        compile_where(condition, "w")


def test_values_cannot_inject_sql():
    hostile = "x'); drop table cdp.profiles; --"
    sql = compile_where({"trait": "email", "op": "=", "value": hostile}, "w")
    con = duckdb.connect()
    con.sql("create table profiles as select 'a@b.com' as email union all select ? as email", params=[hostile])
    assert con.sql(f"select email from profiles where {sql}").fetchall() == [(hostile,)]
    assert con.sql("select count(*) from profiles").fetchall() == [(2,)]


@pytest.mark.parametrize("value", ["a\\b", "\\", "x\\'; select 1; --", "\\d+$"])
def test_a_backslash_stays_a_backslash(value):
    # the same literal on Spark, where a backslash in a quoted literal escapes what follows
    sql = compile_where({"trait": "email", "op": "=", "value": value}, "w")
    assert "\\" not in sql
    con = duckdb.connect()
    con.sql("create table profiles as select ? as email", params=[value])
    assert con.sql(f"select count(*) from profiles where {sql}").fetchall() == [(1,)]


def test_the_shipped_segments_compile():
    config = parse_config((REPO / "cdp.yml").read_text())
    assert {"high_value", "lapsed_customers", "anonymous_cart_abandoners", "newsletter_engaged"} <= set(config.segments)
