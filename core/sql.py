"""SQL quoting, in one place: every name or value that comes from config or data and
becomes part of a SQL statement goes through `quote` (identifiers) or `literal` (text).

Names cdp.yml gives to sources, segments and destinations become table and model names,
so they are held to NAME_PATTERN: lowercase, and safe unquoted on every engine.
"""

from __future__ import annotations

import re

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")

# cdp.yml's column types (a source's `columns:`, a computed trait's value) -> the SQL type
# that holds them, by DuckDB's names; dbt says them to other engines (macros/engines/).
# `double` is 8-byte floating point on every engine: dbt's type_float() is `float`, which
# DuckDB reads as a 4-byte REAL, so dbt models spell it type_double().
SQL_TYPES = {"string": "varchar", "integer": "bigint", "double": "double", "boolean": "boolean", "timestamp": "timestamp"}


def quote(name: str) -> str:
    """An identifier, double-quoted with embedded quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A text literal, single-quoted with embedded quotes doubled."""
    return "'" + text.replace("'", "''") + "'"


def portable_literal(text: str) -> str:
    """A text literal that reads the same on DuckDB and Spark (dbt's `sql_string` macro):
    Spark SQL treats a backslash in a literal as an escape, so each one is spelled chr(92)."""
    parts = [literal(part) for part in text.split("\\")]
    return parts[0] if len(parts) == 1 else "(" + " || chr(92) || ".join(parts) + ")"
