"""CSV cells a spreadsheet would run as formulas, made plain text (OWASP "CSV injection").

Excel, Google Sheets and LibreOffice treat a cell that starts with `=`, `+`, `-` or `@`
(or a tab or carriage return before one) as a formula when a CSV is opened, so a name
typed as `=HYPERLINK(...)` into a web form would run on the marketer's machine. Text
values starting with one of those get a leading `'`, which spreadsheets show as text and
do not display. Only text columns: numbers, booleans and timestamps stay as they are, and
so do Parquet and HTTP destinations, whose values are typed.
"""

from __future__ import annotations

import duckdb

from core.sql import literal, quote

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised_select(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """`select` of every column of `table`, text columns neutralised."""
    relation = con.sql(f"select * from {table} limit 0")
    starts = ", ".join(literal(start) for start in FORMULA_STARTS)
    columns = [
        f"case when left({quote(name)}, 1) in ({starts}) then '''' || {quote(name)} else {quote(name)} end as {quote(name)}"
        if str(data_type) == "VARCHAR" else quote(name)
        for name, data_type in zip(relation.columns, relation.dtypes)
    ]
    return f"select {', '.join(columns)} from {table}"
