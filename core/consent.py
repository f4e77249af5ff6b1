"""Consent per purpose: cdp.yml's `consent:` section, compiled to SQL statements.

A purpose (email_marketing, advertising, analytics) is stated by records: a column of a
source whose value is the state (a CRM's opt-in field, an event property), a category of
Segment's Consent Management (an event's context.consent.categoryPreferences, true or
false), or records that state a fixed one (an unsubscribe event: denied). Each statement
compiles to a select of (profile_id, state, stated_at, record_key) that dbt runs
(macros/consent.sql) into cdp.profile_consent, where the latest statement of each profile
and purpose wins.

When a statement is made:
- an event (a segment-format source): at the event's time;
- a record of another source, which is landed again with each export: from the copy in
  which it first took its current state (its timestamp column, else when that copy
  landed), so a CRM re-exported every day does not restate an old opt-in as new.

`event` and `type` filter a segment-format source's events by name and call type; on
any other source they filter its `event` and `type` columns, which must be declared.
Values become SQL literals through core/sql.py, as in segments and computed traits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.computed_traits import CALL_TYPES, PROPERTY_PATTERN, ComputedTraitError, RecordsShape, field_sql, matching_records
from core.sql import literal

STATES = ("granted", "denied")
# what a consent column's value says, compared lower-cased and trimmed; anything else states nothing
GRANTED_VALUES = ("true", "yes", "y", "1", "granted", "opt_in", "opted_in", "opt-in", "subscribed")
DENIED_VALUES = ("false", "no", "n", "0", "denied", "opt_out", "opted_out", "opt-out", "unsubscribed")
# Spark and DuckDB both read `string` as their text type
TEXT = "string"
# a record copy's order of landing (files number their lines; an API's records have none)
COPY_ORDER_MARK = "__CDP_COPY_ORDER__"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConsentStatement(_Strict):
    """Records of one source that state a purpose's consent."""

    source: str = Field(description="a source in sources")
    column: str | None = Field(default=None, description="the column (or event property) whose value is the state")
    consent_category: str | None = Field(
        default=None, description="segment sources: a category of context.consent.categoryPreferences (true / false)")
    state: Literal[STATES] | None = Field(default=None, description="the state every matching record states")
    event: str | None = Field(default=None, description="only these events (segment sources) or `event` column values")
    type: str | None = Field(default=None, description="only this call type (segment sources) or `type` column value")
    where: dict[str, Any] = Field(default_factory=dict, description="column or event property -> value or list of values")

    @model_validator(mode="after")
    def _one_way_to_state(self) -> ConsentStatement:
        if [self.column, self.consent_category, self.state].count(None) != 2:
            raise ValueError("give exactly one of column (its value is the state), consent_category (an event's "
                             "Segment consent category) and state (granted or denied)")
        return self


class PurposeConfig(_Strict):
    description: str = ""
    statements: list[ConsentStatement] = Field(default_factory=list)


class ConsentConfig(_Strict):
    """`consent:` of cdp.yml. A profile with no statement for a purpose is `unknown`, and
    a destination that needs the purpose sends only `granted` profiles."""

    purposes: dict[str, PurposeConfig] = Field(default_factory=dict)


@dataclass(frozen=True)
class CompiledStatement:
    purpose: str
    index: int
    source: str
    sql: str  # a select of (profile_id, state, stated_at, record_key), with marks for dbt
    columns: tuple[str, ...]  # the source's columns it reads: absent from what landed, it states nothing


def compile_statement(purpose: str, index: int, statement: ConsentStatement, shape: RecordsShape) -> CompiledStatement:
    where = f"consent.purposes.{purpose}.statements[{index}]"
    filters = dict(statement.where)
    if statement.type is not None and shape.is_events and statement.type not in CALL_TYPES:
        raise ComputedTraitError(f"{where}.type: one of {', '.join(CALL_TYPES)}, got {statement.type!r}")
    event, call_type = statement.event, statement.type
    if not shape.is_events:
        # another source's own `event` / `type` columns (an email tool's unsubscribe rows)
        for key, value in (("event", event), ("type", call_type)):
            if value is not None:
                if key in filters:
                    raise ComputedTraitError(f"{where}: {key} is given twice (as {key} and in where)")
                filters[key] = value
        event = call_type = None
    condition = matching_records(filters, event, call_type, None, shape, where)
    if statement.column is not None or statement.consent_category is not None:
        value = (_category(statement.consent_category, shape, f"{where}.consent_category")
                 if statement.consent_category is not None else field_sql(statement.column, shape, f"{where}.column")[0])
        text = f"lower(trim(cast({value} as {TEXT})))"
        state = (f"case when {text} in ({', '.join(literal(v) for v in GRANTED_VALUES)}) then 'granted' "
                 f"when {text} in ({', '.join(literal(v) for v in DENIED_VALUES)}) then 'denied' end")
    else:
        state = literal(statement.state)
    columns = tuple(sorted({*([statement.column] if statement.column and not shape.is_events else []),
                            *([] if shape.is_events else filters)}))
    if shape.is_events:
        sql = (f"select r.profile_id, {state} as state, r.event_at as stated_at, r.message_id as record_key "
               f"from {shape.relation} as r where {condition}")
        return CompiledStatement(purpose, index, statement.source, f"select * from ({sql}) as s where state is not null",
                                 columns)
    return CompiledStatement(purpose, index, statement.source, _record_statement(shape, condition, state), columns)


def _category(name: str, shape: RecordsShape, where: str) -> str:
    """A category of the event's context.consent.categoryPreferences, left as a mark that
    dbt reads as JSON for its engine (macros/computed_traits.sql)."""
    if not shape.is_events:
        raise ComputedTraitError(f"{where}: Segment's consent categories are on a segment-format source's events; "
                                 f"{shape.source!r} is not one (use column)")
    # the name becomes part of a JSON path
    if not PROPERTY_PATTERN.match(name):
        raise ComputedTraitError(f"{where}: {name!r} is not a category name (letters, digits, single underscores)")
    return f"__CDP_CONSENT_CATEGORY__{name}__END__"


def _record_statement(shape: RecordsShape, condition: str, state: str) -> str:
    """Each record's current state, dated from the first copy of the record that has it."""
    copy_time = "cast(r._cdp_loaded_at as timestamp)"
    if shape.time is not None:
        copy_time = f"coalesce(cast({shape.time} as timestamp), {copy_time})"
    copies = (f"select r.profile_id, {shape.key} as record_key, case when {condition} then {state} end as state, "
              f"{copy_time} as copy_time, row_number() over (partition by {shape.key} order by {COPY_ORDER_MARK}) "
              f"as copy_rank from __CDP_RECORD_COPIES_{shape.source}__ as r")
    with_current = ("select c.*, max(case when copy_rank = 1 then state end) over (partition by record_key) "
                    f"as current_state from ({copies}) as c")
    with_change = ("select c.*, min(case when state is null or state <> current_state then copy_rank end) "
                   f"over (partition by record_key) as changed_rank from ({with_current}) as c")
    return ("select max(case when copy_rank = 1 then profile_id end) as profile_id, max(current_state) as state, "
            "min(copy_time) as stated_at, record_key "
            f"from ({with_change}) as c where current_state is not null and copy_rank < coalesce(changed_rank, copy_rank + 1) "
            "group by record_key")
