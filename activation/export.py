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
from core.config import DestinationConfig
from core.settings import Settings


@dataclass(frozen=True)
class SyncResult:
    added: int
    updated: int
    removed: int
    total_rows: int
    location: str


def _batches(con: duckdb.DuckDBPyConnection, table: str) -> Iterator[pa.RecordBatch]:
    cursor = con.cursor()  # a result of its own: dlt may read two tables in turns
    try:
        yield from cursor.sql(f"select * from {table}").to_arrow_reader(CHUNK_ROWS)
    finally:
        cursor.close()


def sync_destination(settings: Settings, name: str, destination: DestinationConfig, run_id: str) -> SyncResult:
    export_dir = settings.export_dir
    location = destination.url_env if destination.type == "http" else str(export_dir / name)
    with duckdb.connect(str(settings.warehouse)) as con:
        counts = stage_changes(con, name, destination)
        total = con.sql(f"select count(*) from {current_table(name)}").fetchall()[0][0]
        if any(counts.values()):  # nothing changed: nothing is sent, no empty file is written
            # a file destination also gets every current row (`members`), replaced
            members = None if destination.type == "http" else _batches(con, current_table(name))
            send(name, destination, _batches(con, changes_table(name)), members, export_dir, settings.dlt_pipelines_dir)
        commit_changes(con, name, run_id, counts)
    return SyncResult(total_rows=total, location=location, **counts)
