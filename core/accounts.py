"""Accounts: the companies people belong to, compiled from cdp.yml to SQL.

Segment's group calls make accounts on their own (groupId, the account's traits); a
source's column can name each record's account too (`accounts.members_from`, a CRM's
company), compiled here to a select of (account_id, profile_id, seen_at) that dbt runs
(macros/accounts.sql). Account segments are condition trees over the columns of
cdp.accounts, with {members: {where, at_least}}: at least n members meet a profile
condition, compiled by the profile segments' compiler. Values become literals as in
segments (core/segment_compiler.py); marks left for dbt:
- `__CDP_ACCOUNT_MEMBERS__`: cdp.account_memberships,
- `__CDP_MEMBER_PROFILES__`: cdp.profiles, with their computed traits when the
  condition names one.
Account computed traits aggregate the members' profile columns (count, sum, avg, min,
max), those of members meeting a profile condition: columns of cdp.account_computed_traits
that account segments test like cdp.accounts columns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.computed_traits import CompiledTrait, RecordsShape, column_of
from core.marts import account_columns, profile_columns
from core.segment_compiler import ACCOUNT_MEMBERS_MARK as MEMBERS_MARK
from core.segment_compiler import SegmentError, compile_tree

ACCOUNT_TRAITS = "cdp.accounts columns and account computed traits"
PROFILES_MARK = "__CDP_MEMBER_PROFILES__"
# a profile column's type -> the account trait's type, as cdp.yml names types
_TRAIT_TYPES = {"bigint": "integer", "integer": "integer", "double": "double", "decimal": "double", "timestamp": "timestamp"}


def compile_member_source(shape: RecordsShape, column: str, where: str) -> str:
    """The members a source's column names: (account_id, profile_id, seen_at) per record
    whose column holds a value, seen at the record's time (null: the source has none)."""
    if shape.is_events:
        raise SegmentError(f"{where}: a segment-format source's group calls make its accounts already")
    if column not in shape.columns:
        raise SegmentError(f"{where}: unknown column {column!r} (declared: {', '.join(sorted(shape.columns))})")
    if shape.columns[column] != "string":
        raise SegmentError(f"{where}: {column!r} is {shape.columns[column]}; an account is named by text")
    account = f"trim({column_of(column, where)})"
    seen = f"cast({shape.time} as timestamp)" if shape.time else "cast(null as timestamp)"
    return (f"select {account} as account_id, r.profile_id, {seen} as seen_at from {shape.relation} as r "
            f"where r.profile_id is not null and {account} <> ''")


def compile_account_trait(spec: Any, where: str, profile_where: Callable[[Any, str], str]) -> CompiledTrait:
    """(account_id, value): an aggregate of the members' profile column `of` (count: of the
    members), over those that meet `where` (a profile condition) when it is given."""
    aggregate, of = spec.aggregate, spec.of
    if aggregate == "count" and of is not None:
        raise SegmentError(f"{where}.of: count counts members; it takes no `of`")
    if aggregate != "count":
        columns = profile_columns()
        if of not in columns:
            raise SegmentError(f"{where}.of: {aggregate} needs `of`, a cdp.profiles column (got {of!r})")
        numeric = columns[of] in ("bigint", "integer", "double", "decimal")
        if not numeric and (aggregate in ("sum", "avg") or columns[of] != "timestamp"):
            raise SegmentError(f"{where}.of: {of!r} is {columns[of]}; {aggregate} needs a number"
                               + ("" if aggregate in ("sum", "avg") else " or a time"))
    chosen = "" if spec.where is None else f" where {profile_where(spec.where, f'{where}.where')}"
    value, data_type = {
        "count": ("count(*)", "integer"),
        "sum": (f"sum(cast(p.{of} as double))", "double"),
        "avg": (f"avg(cast(p.{of} as double))", "double"),
    }.get(aggregate) or (f"{aggregate}(p.{of})", _TRAIT_TYPES[profile_columns()[of]])
    sql = (f"select m.account_id, {value} as value from {MEMBERS_MARK} as m inner join "
           f"(select * from {PROFILES_MARK}{chosen}) as p on p.profile_id = m.profile_id group by m.account_id")
    return CompiledTrait(sql, data_type, "0" if aggregate == "count" else None)


def compile_account_where(node: Any, where: str, profile_where: Callable[[Any, str], str],
                          traits: dict[str, str] | None = None) -> str:
    """SQL over cdp.accounts for an account segment's condition tree; `profile_where`
    compiles a profile condition (what a profile segment's `where` takes)."""

    def members(node: dict, where: str) -> str:
        spec, where = node["members"], f"{where}.members"
        if set(node) != {"members"} or not isinstance(spec, dict):
            raise SegmentError(f"{where}: takes a mapping (where, at_least) and nothing beside it")
        unknown = set(spec) - {"where", "at_least"}
        if unknown:
            raise SegmentError(f"{where}: unknown key {sorted(unknown)[0]!r}")
        at_least = spec.get("at_least", 1)
        if isinstance(at_least, bool) or not isinstance(at_least, int) or at_least < 1:
            raise SegmentError(f"{where}.at_least: takes a whole number of at least 1, got {at_least!r}")
        chosen = ""
        if "where" in spec:
            condition = profile_where(spec["where"], f"{where}.where")
            chosen = f" where m.profile_id in (select profile_id from {PROFILES_MARK} where {condition})"
        return (f"account_id in (select m.account_id from {MEMBERS_MARK} as m{chosen} "
                f"group by m.account_id having count(*) >= {at_least})")

    def for_profiles(key: str) -> Callable[[dict, str], str]:
        def refuse(node: dict, where: str) -> str:
            raise SegmentError(f"{where}.{key}: is a profile condition: put it under members.where")
        return refuse

    columns = {name: (name, data_type) for name, data_type in account_columns().items()}
    # an account computed trait (name -> type, as profiles types): its column, quoted by dbt
    columns.update({name: (f"__CDP_COLUMN__{name}__END__", data_type) for name, data_type in (traits or {}).items()})
    leaves = {"members": members, "performed": for_profiles("performed"), "consent": for_profiles("consent")}
    return compile_tree(node, where, columns, leaves, ACCOUNT_TRAITS)
