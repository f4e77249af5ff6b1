"""Crash safety: whatever step of a landing run was killed, the next run lands each file once.

dlt commits a load job by job, and records the whole load in `raw._dlt_loads` only at
the end. A run killed on the way leaves a pending package, and perhaps some of its rows
already in the tables; finishing the package could load a job twice (one committed just
before the kill, not yet marked done). So a pending package is finished only when its
load is already recorded (the kill came after that); otherwise it is aborted, which
rewinds the pipeline state (the files it had marked read, an API's cursor) to before it,
and the rows any unrecorded load left behind are deleted. The run then reads those
files again, as if the killed run had never started.

The delete covers every load id newer than the last recorded load, whatever left it: a
kill during a previous recovery too. DuckDB skips row groups by their min/max load id,
so on a warehouse with nothing to delete it reads almost nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import dlt
import duckdb
from dlt.pipeline.exceptions import PipelineStepFailed

from ingestion.landed import LOAD_ID, REJECTED_FILES

log = logging.getLogger(__name__)

LOADS = "_dlt_loads"
# Tables every source writes to, and the column naming the file a row came from.
SHARED_FILE_COLUMNS = {"identifiers": "_cdp_file", "traits": "_cdp_file", "rejected_rows": "file"}


@dataclass
class Recovery:
    """What the start of a landing run found left over, and what it did about it."""

    finished: list[str] = field(default_factory=list)  # load ids whose recorded load was completed
    aborted: list[str] = field(default_factory=list)  # load ids dropped, to be read again
    rows_deleted: int = 0  # rows of unrecorded loads
    rows_withdrawn: int = 0  # rows of files set aside, taken back

    def __bool__(self) -> bool:
        return bool(self.finished or self.aborted or self.rows_deleted or self.rows_withdrawn)


def recover(pipeline: dlt.Pipeline, warehouse: Path, dataset: str) -> Recovery:
    """Settle what a killed run left: pending packages, rows of unrecorded loads, rows of
    files set aside that were not yet taken back."""
    recovery = Recovery()
    recorded = _recorded_loads(warehouse, dataset)
    pending = pipeline.list_normalized_load_packages()
    if pending and pending[0] in recorded:
        recovery.finished.append(pending[0])
        pipeline.load()
    if pipeline.has_pending_data:
        recovery.aborted = sorted({*pipeline.list_normalized_load_packages(), *pipeline.list_extracted_load_packages()})
        try:
            pipeline.abort_packages()
        except PipelineStepFailed as error:  # dlt reports the abort it was asked for as a failed load
            if "aborted" not in str(error).lower():
                raise
    if warehouse.exists():
        with duckdb.connect(str(warehouse)) as con:
            recovery.rows_deleted = delete_unrecorded_rows(con, dataset)
            recovery.rows_withdrawn = withdraw_set_aside_rows(con, dataset)
    if recovery:
        log.warning("landing recovered from an interrupted run: %s", recovery)
    return recovery


def _recorded_loads(warehouse: Path, dataset: str) -> set[str]:
    if not warehouse.exists():
        return set()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        if LOADS not in _tables(con, dataset):
            return set()
        return {row[0] for row in con.sql(f"select load_id from {_quoted(dataset, LOADS)} where status = 0").fetchall()}


def _tables(con: duckdb.DuckDBPyConnection, dataset: str, column: str | None = None) -> set[str]:
    """Tables of the dataset (with this column)."""
    sql = "select distinct table_name from duckdb_columns() where schema_name = $dataset"
    if column:
        sql += " and column_name = $column"
    return {row[0] for row in con.execute(sql, {"dataset": dataset, **({"column": column} if column else {})}).fetchall()}


def _quoted(dataset: str, table: str) -> str:
    return '"' + dataset.replace('"', '""') + '"."' + table.replace('"', '""') + '"'


def _delete(con: duckdb.DuckDBPyConnection, dataset: str, table: str, where: str, params: dict) -> int:
    return con.execute(f"delete from {_quoted(dataset, table)} where {where}", params).fetchall()[0][0]


def delete_unrecorded_rows(con: duckdb.DuckDBPyConnection, dataset: str) -> int:
    """Delete rows of loads newer than the last recorded one; returns how many."""
    if LOADS not in _tables(con, dataset):
        return 0
    last = con.sql(f"select max(load_id) from {_quoted(dataset, LOADS)} where status = 0").fetchall()[0][0]
    where, params = (f"{LOAD_ID} > $last", {"last": last}) if last is not None else ("true", {})
    con.sql("begin")
    deleted = sum(_delete(con, dataset, table, where, params) for table in sorted(_tables(con, dataset, LOAD_ID)))
    con.sql("commit")
    return deleted


def withdraw_set_aside_rows(con: duckdb.DuckDBPyConnection, dataset: str) -> int:
    """Delete the rows that files set aside had handed to dlt before they failed, and mark
    them taken back, in one transaction; returns how many rows."""
    if REJECTED_FILES not in _tables(con, dataset):
        return 0
    pending = con.sql(
        f"""select distinct source, file, {LOAD_ID} from {_quoted(dataset, REJECTED_FILES)}
        where rows_withdrawn > 0 and withdrawn_at is null"""
    ).fetchall()
    if not pending:
        return 0
    tables = _tables(con, dataset)
    deleted = 0
    con.sql("begin")
    for source, file, load_id in pending:
        of_file = {"source": source, "file": file, "load_id": load_id}
        if source in tables:
            deleted += _delete(con, dataset, source, f"_cdp_file = $file and {LOAD_ID} = $load_id",
                               {"file": file, "load_id": load_id})
        for table in sorted(tables & set(SHARED_FILE_COLUMNS)):
            column = SHARED_FILE_COLUMNS[table]
            deleted += _delete(con, dataset, table, f"source = $source and {column} = $file and {LOAD_ID} = $load_id", of_file)
        con.execute(
            f"""update {_quoted(dataset, REJECTED_FILES)} set withdrawn_at = now()
            where source = $source and file = $file and {LOAD_ID} = $load_id""",
            of_file,
        )
    con.sql("commit")
    return deleted
