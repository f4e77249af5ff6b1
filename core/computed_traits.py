"""Computed traits: an aggregate over a person's records, compiled to SQL.

A computed trait reads one source's records (or a segment-format source's events, from
cdp.events), keeps those that match its `where` (column or event property -> a value or a
list of values) and its window, and aggregates them per profile. The compiled SELECT
yields (profile_id, value); dbt runs it (macros/computed_traits.sql). Values become SQL
literals through core/sql.py, as in segments; names are held to patterns. What dbt must
fill in per engine or per run is left as a mark no quoted value can contain:
- `__CDP_EVENTS__`: cdp.events; `__CDP_RECORDS_<source>__`: the source's landed records
  (the latest copy of each) with their profile_id,
- `__CDP_PROP_TEXT__<name>__END__` / `__CDP_PROP_NUMBER__<name>__END__`: an event
  property read from the JSON of cdp.events.properties,
- `__CDP_COLUMN__<name>__END__`: a column of the records, quoted for the engine by dbt
  (adapter.quote: "x" on DuckDB, `x` on Spark, which reads "x" as a string),
- `__CDP_PROFILE_TRAITS__`: cdp.profile_traits, for a source trait (compile_source_trait),
- core/segment_compiler.py's `__CDP_DAYS_AGO_<n>__`: the run's clock minus n days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from core.segment_compiler import CUTOFF_MARK, SegmentError, literal_of
from core.sql import SQL_TYPES, portable_literal

CALL_TYPES = ("identify", "track", "page", "screen", "group", "alias")  # Segment's call types
AGGREGATES = ("count", "sum", "min", "max", "avg", "first", "last", "most_frequent", "distinct_count", "exists")
# a property name becomes part of a JSON path: letters, digits and single underscores
PROPERTY_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*$")
# the trait's type as cdp.yml names column types -> as segment conditions compare it
SEGMENT_TYPES = SQL_TYPES
# what a profile with no matching record has
EMPTY_VALUES = {"count": "0", "distinct_count": "0", "exists": "false"}
# a column name dbt can find in its mark: letters, digits and single underscores (a `__`
# could end the mark early: `a__END_`)
COLUMN_PATTERN = re.compile(r"^(?!.*__)[A-Za-z_][A-Za-z0-9_]*$")


class ComputedTraitError(SegmentError):
    """A computed trait that cannot compile; the message names the key and why."""


@dataclass(frozen=True)
class RecordsShape:
    """What a source's records offer a computed trait: typed columns (cdp.yml's names for
    types), whether they are Segment events (fields are event properties), the column of
    a record's time (None: records have none) and of its key."""

    source: str
    columns: dict[str, str]
    is_events: bool
    time_column: str | None
    key_column: str

    @classmethod
    def of_source(cls, source: str, columns: dict[str, str], is_events: bool, timestamp: str | None) -> RecordsShape:
        if is_events:
            return cls(source, {}, True, "event_at", "message_id")
        return cls(source, columns, False, timestamp, "_cdp_record_key")

    @property
    def relation(self) -> str:
        return "__CDP_EVENTS__" if self.is_events else f"__CDP_RECORDS_{self.source}__"

    @property
    def time(self) -> str | None:
        return None if self.time_column is None else column_of(self.time_column, f"sources.{self.source}.timestamp")

    @property
    def key(self) -> str:
        return column_of(self.key_column, f"sources.{self.source}")


@dataclass(frozen=True)
class CompiledTrait:
    sql: str
    data_type: str  # string, integer, double, boolean or timestamp
    empty_value: str | None  # SQL for a profile with no matching record (null when None)


def compile_trait(name: str, spec: Any, shape: RecordsShape) -> CompiledTrait:
    """SQL of one computed trait; `spec` is its cdp.yml mapping (already shape-checked)."""
    where = f"computed_traits.{name}"
    aggregate, of = spec.aggregate, spec.of
    # an event property is JSON text: sums, averages and extremes read it as a number
    numeric = aggregate in ("sum", "avg") or (shape.is_events and aggregate in ("min", "max"))
    field_value, field_type = (None, None) if of is None else field_sql(of, shape, f"{where}.of", numeric=numeric)
    if aggregate in ("count", "exists") and of is not None:
        raise ComputedTraitError(f"{where}.of: {aggregate} counts records; it takes no `of`")
    if aggregate in ("sum", "avg", "distinct_count", "first", "last", "most_frequent") and of is None:
        raise ComputedTraitError(f"{where}.of: {aggregate} needs `of`, the {'property' if shape.is_events else 'column'} it reads")
    if (spec.within_last_days is not None or aggregate in ("first", "last") or (aggregate in ("min", "max") and of is None)) \
            and shape.time is None:
        raise ComputedTraitError(f"{where}: source {shape.source!r} has no timestamp, so it has no window, first, last or time")
    condition = matching_records(spec.where, spec.event, spec.type, spec.within_last_days, shape, where)
    records = f"{shape.relation} as r"
    if aggregate in ("first", "last", "most_frequent"):
        condition += f" and {field_value} is not null"
    if aggregate in ("first", "last"):
        direction = "asc" if aggregate == "first" else "desc"
        sql = (f"select profile_id, value from (select r.profile_id, {field_value} as value, row_number() over "
               f"(partition by r.profile_id order by {shape.time} {direction}, {shape.key} {direction}) as _cdp_rank "
               f"from {records} where {condition}) as ranked where _cdp_rank = 1")
        return CompiledTrait(sql, field_type, None)
    if aggregate == "most_frequent":
        # ties go to the smallest value, so a rerun picks the same one
        sql = (f"select profile_id, value from (select profile_id, value, row_number() over "
               f"(partition by profile_id order by times desc, value) as _cdp_rank from (select r.profile_id, "
               f"{field_value} as value, count(*) as times from {records} where {condition} "
               f"group by r.profile_id, {field_value}) as counted) as ranked where _cdp_rank = 1")
        return CompiledTrait(sql, field_type, None)
    value, data_type = {
        "count": ("count(*)", "integer"),
        "exists": ("true", "boolean"),
        "distinct_count": (f"count(distinct {field_value})", "integer"),
        "sum": (f"sum(cast({field_value} as double))", "double"),
        "avg": (f"avg(cast({field_value} as double))", "double"),
        "min": (f"min({field_value or shape.time})", field_type or "timestamp"),
        "max": (f"max({field_value or shape.time})", field_type or "timestamp"),
    }[aggregate]
    sql = f"select r.profile_id, {value} as value from {records} where {condition} group by r.profile_id"
    return CompiledTrait(sql, data_type, EMPTY_VALUES.get(aggregate))


def compile_source_trait(name: str, data_type: str) -> CompiledTrait:
    """A trait the sources of cdp.yml declare (`traits:` of a source), as a column: the value
    cdp.profile_traits chose for each profile (its survivorship rule, by default the latest
    non-null by the source's timestamp), which dbt casts to the type the source declares."""
    sql = f"select t.profile_id, t.value from __CDP_PROFILE_TRAITS__ as t where t.trait = {portable_literal(name)}"
    return CompiledTrait(sql, data_type, None)


def compile_performed(node: Any, shape: RecordsShape, where: str) -> str:
    """A segment condition on behaviour: {performed: {event, type, where, at_least,
    within_last_days}}, the profiles with at least `at_least` (default 1) matching records."""
    if not isinstance(node, dict):
        raise ComputedTraitError(f"{where}: takes a mapping (event, type, where, at_least, within_last_days)")
    unknown = set(node) - {"source", "event", "type", "where", "at_least", "within_last_days"}
    if unknown:
        raise ComputedTraitError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    at_least, days, filters = node.get("at_least", 1), node.get("within_last_days"), node.get("where", {})
    for key, number in (("at_least", at_least), ("within_last_days", days)):
        if number is not None and (isinstance(number, bool) or not isinstance(number, int) or number < 1):
            raise ComputedTraitError(f"{where}.{key}: takes a whole number of at least 1, got {number!r}")
    if not isinstance(filters, dict):
        raise ComputedTraitError(f"{where}.where: takes a mapping of property or column -> value(s)")
    for key in ("event", "type"):
        if node.get(key) is not None and (not shape.is_events or not isinstance(node[key], str)):
            raise ComputedTraitError(f"{where}.{key}: a name, for a segment-format source")
    if node.get("type") is not None and node["type"] not in CALL_TYPES:
        raise ComputedTraitError(f"{where}.type: one of {', '.join(CALL_TYPES)}, got {node['type']!r}")
    if days is not None and shape.time is None:
        raise ComputedTraitError(f"{where}: source {shape.source!r} has no timestamp, so it has no window")
    condition = matching_records(filters, node.get("event"), node.get("type"), days, shape, where)
    return (f"profile_id in (select r.profile_id from {shape.relation} as r where {condition} "
            f"group by r.profile_id having count(*) >= {at_least})")


def matching_records(filters: dict, event: str | None, call_type: str | None, days: int | None, shape: RecordsShape,
              where: str) -> str:
    """The condition a record must meet: a profile, the filters, the event, the window."""
    conditions = ["r.profile_id is not null"]
    conditions += [_filter(column, value, shape, f"{where}.where.{column}") for column, value in filters.items()]
    if shape.is_events:
        conditions += [f"r.event_name = {literal_of(event, 'varchar', f'{where}.event')}"] if event else []
        conditions += [f"r.event_type = {literal_of(call_type, 'varchar', f'{where}.type')}"] if call_type else []
    if days is not None:
        conditions.append(f"{shape.time} >= {CUTOFF_MARK}{days}__")
    return " and ".join(conditions)


def field_sql(name: str, shape: RecordsShape, where: str, numeric: bool = False) -> tuple[str, str]:
    """SQL reading a column (typed as declared) or an event property, and its type."""
    if shape.is_events:
        if not isinstance(name, str) or not PROPERTY_PATTERN.match(name):
            raise ComputedTraitError(f"{where}: {name!r} is not an event property name (letters, digits, single underscores)")
        return (f"__CDP_PROP_NUMBER__{name}__END__", "double") if numeric else (f"__CDP_PROP_TEXT__{name}__END__", "string")
    if name not in shape.columns:
        raise ComputedTraitError(f"{where}: unknown column {name!r} (declared: {', '.join(sorted(shape.columns))})")
    if numeric and shape.columns[name] not in ("integer", "double"):
        raise ComputedTraitError(f"{where}: {name!r} is {shape.columns[name]}, not a number (declare it under columns)")
    return column_of(name, where), shape.columns[name]


def column_of(name: str, where: str) -> str:
    """A column of the records `r`, left as a mark for dbt to quote for its engine."""
    if not COLUMN_PATTERN.match(name):
        raise ComputedTraitError(f"{where}: column {name!r} is not a landed column name (letters, digits, single underscores)")
    return f"r.__CDP_COLUMN__{name}__END__"


def _filter(name: str, value: Any, shape: RecordsShape, where: str) -> str:
    """`field = literal`, or `field in (literals)` for a list; an event property compares
    as a number when the value is one, else as text."""
    values = value if isinstance(value, list) else [value]
    if not values:
        raise ComputedTraitError(f"{where}: takes a value or a non-empty list")
    numeric = shape.is_events and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    sql, field_type = field_sql(name, shape, where, numeric=numeric)
    if shape.is_events and not numeric:
        # properties are read as JSON text: true is 'true'
        values = [str(v).lower() if isinstance(v, bool) else v for v in values]
    literals = [literal_of(v, SEGMENT_TYPES[field_type], where) for v in values]
    return f"{sql} = {literals[0]}" if len(literals) == 1 else f"{sql} in ({', '.join(literals)})"
