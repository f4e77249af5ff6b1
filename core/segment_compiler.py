"""Declarative segments: conditions on profile traits, compiled to a SQL predicate.

A condition names a column of `cdp.profiles` (the columns and types declared in
dbt_project/models/marts/_marts.yml, so the two cannot drift apart) or a computed trait
or a source's trait of cdp.yml (both cdp.profile_computed_traits), an operator and a
value. Values become SQL literals here, through core/sql.py: strings are quoted with
quotes doubled, numbers must be numbers, booleans booleans. Nothing a user writes is
pasted into SQL as code, so a segment cannot inject SQL.

The SQL reads the same on DuckDB and Spark: a column is named bare (only the declared
columns of cdp.profiles, all plain lowercase names; Spark reads "x" as a string), and a
backslash in a value is written as chr(92) beside the quoted parts, because Spark SQL
treats a backslash in a literal as an escape and DuckDB does not.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from typing import Any

from core.marts import SQL_SEGMENTS_DIR, listed_sql_segments, profile_columns
from core.sql import NAME_PATTERN, portable_literal

NUMERIC = {"bigint", "integer", "double", "decimal"}
COMPARISONS = {"=": "=", "!=": "<>", ">": ">", ">=": ">=", "<": "<", "<=": "<="}
TIME_WINDOWS = {"within_last_days", "more_than_days_ago"}
# Relative windows are resolved by dbt at run time (run_started_at - N days); the
# compiler leaves this mark. dbt resolves every mark that starts with MARK_PREFIX (this
# one, and core/computed_traits.py's), so no quoted value may contain it.
MARK_PREFIX = "__CDP_"
CUTOFF_MARK = "__CDP_DAYS_AGO_"
OPERATORS = [*COMPARISONS, "in", "not_in", "is_null", "not_null", *TIME_WINDOWS]


class SegmentError(ValueError):
    """A segment condition that cannot compile; the message names where and why."""


def sql_segment_names() -> list[str]:
    """SQL segments: the dbt models under marts/segments/sql, by name, each listed in
    dbt_project.yml (vars: sql_segments), where dbt learns them at parse time."""
    names = sorted(path.stem for path in SQL_SEGMENTS_DIR.glob("*.sql"))
    for name in names:
        if not NAME_PATTERN.match(name):
            raise SegmentError(f"SQL segment model {name!r}: name it with lowercase letters, digits and underscores")
    listed = listed_sql_segments()
    unlisted = [name for name in names if name not in listed]
    if unlisted:
        raise SegmentError(f"SQL segment models {', '.join(unlisted)} ({SQL_SEGMENTS_DIR}) are not listed in "
                           "dbt_project.yml's vars.sql_segments: add them there")
    missing = [name for name in listed if name not in names]
    if missing:
        raise SegmentError(f"dbt_project.yml's vars.sql_segments lists {', '.join(missing)}, which has no model "
                           f"in {SQL_SEGMENTS_DIR}: remove it there, or add the model")
    return names


def literal_of(value: Any, data_type: str, where: str) -> str:
    """`value` as a SQL literal of `data_type` (a profiles column type), or a SegmentError."""
    if value is None:
        raise SegmentError(f"{where}: needs a value")
    if data_type in NUMERIC:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise SegmentError(f"{where}: {value!r} is not a number")
        return repr(value)
    if data_type == "boolean":
        if not isinstance(value, bool):
            raise SegmentError(f"{where}: {value!r} is not true or false")
        return "true" if value else "false"
    if data_type == "timestamp":
        raise SegmentError(f"{where}: compare timestamps with within_last_days or more_than_days_ago")
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise SegmentError(f"{where}: {value!r} is not text")
    if MARK_PREFIX in str(value):
        raise SegmentError(f"{where}: values may not contain {MARK_PREFIX!r}")
    return portable_literal(str(value))


def _condition(node: dict, where: str, columns: Columns, holder: str) -> str:
    unknown = set(node) - {"trait", "op", "value"}
    if unknown:
        raise SegmentError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    trait, op, value = node.get("trait"), node.get("op"), node.get("value")
    if trait not in columns:
        raise SegmentError(f"{where}.trait: unknown trait {trait!r} ({holder} have: {', '.join(sorted(columns))})")
    if op not in OPERATORS:
        raise SegmentError(f"{where}.op: unknown operator {op!r} (use one of: {', '.join(OPERATORS)})")
    column, data_type = columns[trait]
    if op == "is_null":
        return f"{column} is null"
    if op == "not_null":
        return f"{column} is not null"
    if op in TIME_WINDOWS:
        if data_type != "timestamp":
            raise SegmentError(f"{where}.op: {op} needs a timestamp trait; {trait} is {data_type}")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise SegmentError(f"{where}.value: {op} takes a whole number of days, got {value!r}")
        cutoff = f"{CUTOFF_MARK}{value}__"
        return f"{column} >= {cutoff}" if op == "within_last_days" else f"{column} < {cutoff}"
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise SegmentError(f"{where}.value: {op} takes a non-empty list")
        items = ", ".join(literal_of(v, data_type, f"{where}.value") for v in value)
        return f"{column} {'in' if op == 'in' else 'not in'} ({items})"
    return f"{column} {COMPARISONS[op]} {literal_of(value, data_type, f'{where}.value')}"


Performed = Callable[[Any, str], str]
# a key of the condition tree with a compiler of its own: (the node, where) -> SQL
Leaf = Callable[[dict, str], str]
# dbt reads cdp.profile_consent where this mark stands (macros/computed_traits.sql)
CONSENT_MARK = "__CDP_PROFILE_CONSENT__"
# and cdp.account_memberships, cdp.account_segment_memberships where these stand
ACCOUNT_MEMBERS_MARK = "__CDP_ACCOUNT_MEMBERS__"
ACCOUNT_SEGMENTS_MARK = "__CDP_ACCOUNT_SEGMENTS__"
PROFILE_TRAITS = "profiles, source and computed traits"


def compile_where(node: Any, where: str, computed: dict[str, str] | None = None, performed: Performed | None = None,
                  purposes: Collection[str] = (), account_segments: Collection[str] | None = ()) -> str:
    """SQL for a condition tree: {all: [...]}, {any: [...]}, {not: ...} or a condition, over
    the columns of cdp.profiles and the `computed` traits (name -> type, as profiles types).
    `performed` compiles a condition on behaviour ({performed: {...}}, where it says);
    {consent: <purpose>} holds for people who granted one of the consent `purposes`;
    {account_segment: <name>} for members of an account in one of the `account_segments`
    (None: the tree is an account segment's own, which cannot test one)."""
    columns = {name: (name, data_type) for name, data_type in profile_columns().items()}
    # a computed trait's name is the user's (`order` is a keyword): dbt quotes it for its engine
    columns.update({name: (f"__CDP_COLUMN__{name}__END__", data_type) for name, data_type in (computed or {}).items()})

    def behaviour(node: dict, where: str) -> str:
        if set(node) != {"performed"} or performed is None:
            raise SegmentError(f"{where}.performed: takes one mapping and nothing beside it")
        return performed(node["performed"], f"{where}.performed")

    leaves = {"performed": behaviour, "consent": lambda node, where: _consented(node, where, purposes),
              "account_segment": lambda node, where: _in_account_segment(node, where, account_segments)}
    return compile_tree(node, where, columns, leaves, PROFILE_TRAITS)


# trait -> (its column in SQL, its type)
Columns = dict[str, tuple[str, str]]


def compile_tree(node: Any, where: str, columns: Columns, leaves: dict[str, Leaf], holder: str) -> str:
    """all/any/not over conditions on `columns` ({trait, op, value}) and the `leaves`, each
    compiling the node that holds its key; `holder` names what has the columns, for errors."""
    if not isinstance(node, dict):
        raise SegmentError(f"{where}: expected a condition or all/any/not")
    for joiner in ("all", "any"):
        if joiner in node:
            if set(node) != {joiner} or not isinstance(node[joiner], list) or not node[joiner]:
                raise SegmentError(f"{where}.{joiner}: takes a non-empty list and nothing beside it")
            parts = [compile_tree(child, f"{where}.{joiner}[{i}]", columns, leaves, holder)
                     for i, child in enumerate(node[joiner])]
            return "(" + f" {'and' if joiner == 'all' else 'or'} ".join(parts) + ")"
    if "not" in node:
        if set(node) != {"not"}:
            raise SegmentError(f"{where}.not: takes one condition and nothing beside it")
        return f"not ({compile_tree(node['not'], f'{where}.not', columns, leaves, holder)})"
    for key, leaf in leaves.items():
        if key in node:
            return "(" + leaf(node, where) + ")"
    return "(" + _condition(node, where, columns, holder) + ")"


def _consented(node: dict, where: str, purposes: Collection[str]) -> str:
    purpose = node["consent"]
    if set(node) != {"consent"} or not isinstance(purpose, str):
        raise SegmentError(f"{where}.consent: takes a purpose and nothing beside it")
    if purpose not in purposes:
        known = ", ".join(sorted(purposes)) or "none declared"
        raise SegmentError(f"{where}.consent: unknown purpose {purpose!r} (consent.purposes: {known})")
    return (f"profile_id in (select c.profile_id from {CONSENT_MARK} as c "
            f"where c.purpose = {portable_literal(purpose)} and c.is_granted)")


def _in_account_segment(node: dict, where: str, account_segments: Collection[str] | None) -> str:
    name = node["account_segment"]
    if set(node) != {"account_segment"} or not isinstance(name, str):
        raise SegmentError(f"{where}.account_segment: takes an account segment's name and nothing beside it")
    if account_segments is None:
        raise SegmentError(f"{where}.account_segment: an account segment's members cannot test account segments")
    if name not in account_segments:
        known = ", ".join(sorted(account_segments)) or "none declared"
        raise SegmentError(f"{where}.account_segment: unknown account segment {name!r} (accounts.segments: {known})")
    return (f"profile_id in (select m.profile_id from {ACCOUNT_MEMBERS_MARK} as m inner join {ACCOUNT_SEGMENTS_MARK} "
            f"as s on s.account_id = m.account_id where s.segment = {portable_literal(name)})")
