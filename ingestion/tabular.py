"""Sources declared in cdp.yml (csv, jsonl, parquet): SQL that types and checks each row.

Built from the source's config alone, so a new source needs no code. Column names
come from config and are always quoted; values are never interpolated.
"""

from __future__ import annotations

from core.config import SourceConfig
from core.sql import SQL_TYPES, literal, quote


# Why a line is not a JSON object we can read, or null. `v` is the extraction of the
# line's fields under try(): null when the line does not parse. So a line is parsed
# once for its fields, never again just to check it.
JSON_ERROR = """(case
    when v is null then case when json_valid(_cdp_raw) then 'not a JSON object' else 'malformed JSON' end
    when not (starts_with(_cdp_raw, '{') or starts_with(ltrim(_cdp_raw), '{')) then 'not a JSON object'
end)"""


def json_path(key: str) -> str:
    """A JSON path literal for one top-level key, whatever characters it has."""
    return literal('$."' + key.replace('"', '\\"') + '"')


def typed(column: str, column_type: str) -> str:
    """Cast text to the declared type; timestamps are parsed with their offset, stored in UTC."""
    if column_type == "timestamp":
        return f"cast(try_cast({quote(column)} as timestamptz) as timestamp)"
    return f"try_cast({quote(column)} as {SQL_TYPES[column_type]})"


def jsonl_projection(source: SourceConfig) -> str:
    """Pull declared columns out of each JSON object (one parse for all of them); the
    whole object is kept as `_cdp_record`, and a line the reader could not read, or that
    is not an object, gets `_cdp_error`."""
    names = list(source.typed_columns())
    paths = ", ".join(json_path(c) for c in names) or "'$.__none__'"
    columns = "".join(f",\n    v[{i}] as {quote(c)}" for i, c in enumerate(names, start=1))
    return f"""
select _cdp_line, _cdp_raw, coalesce(_cdp_read_error, {JSON_ERROR}) as _cdp_error, _cdp_raw as _cdp_record{columns}
from (
    select _cdp_line, _cdp_raw, _cdp_error as _cdp_read_error, try(json_extract_string(_cdp_raw, [{paths}])) as v
    from chunk
)
"""


def reject_reason(source: SourceConfig, present: set[str]) -> str:
    """The first thing wrong with a row, or null; checks run in the order a person would fix them."""
    checks = ["when _cdp_error is not null then _cdp_error"]
    required = [c for c in [source.primary_key, source.timestamp, *source.required] if c]
    for column in dict.fromkeys(required):
        if column not in present:
            checks.append(f"when true then {literal(f'missing column {column}')}")
        else:
            checks.append(f"when nullif(trim({quote(column)}), '') is null then {literal(f'missing {column}')}")
    for column, column_type in source.typed_columns().items():
        if column in present and column_type != "string":
            what = "unparseable timestamp" if column_type == "timestamp" else f"wrong type: {column} is not {column_type}"
            checks.append(
                f"when {quote(column)} is not null and {typed(column, column_type)} is null "
                f"then {literal(what + ' in ' + column + ': ')} || {quote(column)}"
            )
    present_ids = [c for c in source.identifiers if c in present]
    if source.identifiers:
        any_id = " or ".join(f"nullif(trim({quote(c)}), '') is not null" for c in present_ids) or "false"
        names = ", ".join(source.identifiers)
        checks.append(f"when not ({any_id}) then {literal(f'no identifier (needs one of: {names})')}")
    return "case\n    " + "\n    ".join(checks) + "\nend"


def record_projection(source: SourceConfig, present: list[str]) -> str:
    """Accepted rows with declared columns typed, others kept as text, and a record key."""
    declared = source.typed_columns()
    columns = []
    for column in present:
        if column.startswith("_cdp_"):
            continue
        columns.append(f"{typed(column, declared[column]) if column in declared else quote(column)} as {quote(column)}")
    if "_cdp_record" in present:
        columns.append("_cdp_record")
    if source.primary_key in present:
        key = f"trim({quote(source.primary_key)})"
    elif source.primary_key:
        key = "null::varchar"  # a file without its key column: reject_reason rejects every row
    else:
        # No key of its own: the content is the identity, so an exact re-export is one row.
        key = "md5(_cdp_raw)"
    return f"select {', '.join(columns)}, {key} as _cdp_record_key, _cdp_line from accepted"
