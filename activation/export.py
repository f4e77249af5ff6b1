"""One destination's sync: stage what changed, send it, then record it as sent.

The warehouse only records a send after dlt finished it, so a failed or killed sync is
recomputed and sent again in full by the next run (at least once; `change_id` lets a
receiver drop the repeat).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from activation.changes import changes_table, commit_changes, current_table, stage_changes
from activation.senders import CHUNK_ROWS, send
from activation.spreadsheet import neutralised_select
from core.config import DestinationConfig
from core.settings import Settings
from core.warehouse_lock import connect


@dataclass(frozen=True)
class SyncResult:
    added: int
    updated: int
    removed: int
    total_rows: int
    location: str


def _batches(con: duckdb.DuckDBPyConnection, table: str, for_spreadsheets: bool) -> Iterator[pa.RecordBatch]:
    cursor = con.cursor()  # a result of its own: dlt may read two tables in turns
    try:
        select = neutralised_select(cursor, table) if for_spreadsheets else f"select * from {table}"
        yield from cursor.sql(select).to_arrow_reader(CHUNK_ROWS)
    finally:
        cursor.close()


def sync_destination(settings: Settings, name: str, destination: DestinationConfig, run_id: str) -> SyncResult:
    export_dir = settings.export_dir
    location = destination.url_env if destination.type == "http" else str(export_dir / name)
    with connect(settings.warehouse, wait_seconds=settings.lock_wait_seconds, what=f"destination {name}") as con:
        counts = stage_changes(con, name, destination)
        total = con.sql(f"select count(*) from {current_table(name)}").fetchall()[0][0]
        if any(counts.values()):  # nothing changed: nothing is sent, no empty file is written
            # a file destination also gets every current row (`members`), replaced
            csv = destination.type == "csv"
            members = None if destination.type == "http" else _batches(con, current_table(name), csv)
            send(name, destination, _batches(con, changes_table(name), csv), members, export_dir, settings.dlt_pipelines_dir)
        commit_changes(con, name, run_id, counts)
    return SyncResult(total_rows=total, location=location, **counts)
