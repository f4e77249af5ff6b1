"""Chunks of a source through its parsers, a few at a time, with their file's bookkeeping.

A landing file (or an API's fetched records) becomes chunks (ingestion.readers), each
parsed into the four outputs of ingestion.parse by one of the source's parsers; the
chunks of every new file of a source stream through `ahead`, so reading, parsing and
dlt's writing overlap. A chunk that fails to parse is returned as ChunkFailed: its
file is set aside, the run goes on.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from queue import Empty, SimpleQueue

import dlt
import pyarrow as pa

from core.config import IdentityConfig, SourceConfig
from core.disk import is_disk_full
from core.privacy import SuppressionList
from ingestion.landed import LOAD_ID, FileStats
from ingestion.parse import OUTPUT_TABLES, ChunkParser


@dataclass
class ChunkOutputs:
    """One parsed chunk of a file: how many rows it had, and the tables its parts go to
    (None: the source's own)."""

    file: FileStats
    landed: int
    rows: dict[str, int]
    tables: list[tuple[str | None, pa.Table]]
    suppressed: int = 0  # of the rejected rows, those dropped for a privacy request


@dataclass
class ChunkFailed:
    """A chunk that could not be parsed: its file is set aside."""

    file: FileStats
    error: Exception


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def is_environment_error(error: BaseException) -> bool:
    """An error of the machine, not of a file: it stops the run instead of setting a file aside."""
    return isinstance(error, MemoryError) or is_disk_full(error)


def _parse(parser: ChunkParser, load_id: str, loaded_at: datetime, chunk: pa.Table, file: FileStats) -> ChunkOutputs:
    # dlt adds no load id to Arrow rows; ingestion.recovery finds a killed load's rows by it
    lineage = {"_cdp_file": file.file, "_cdp_loaded_at": loaded_at, LOAD_ID: load_id}
    parsed = parser.parse(chunk, loaded_at, {
        "records": lineage,
        "identifiers": {"source": parser.name, **lineage},
        "traits": {"source": parser.name, **lineage},
        "rejected": {"source": parser.name, "file": file.file, "loaded_at": loaded_at, LOAD_ID: load_id},
    })
    rows = parsed.rows()
    tables = [(table_name, getattr(parsed, output)) for output, table_name in OUTPUT_TABLES.items() if rows[output]]
    return ChunkOutputs(file, chunk.num_rows, rows, tables, parsed.suppressed)


class ParserPool:
    """Parsers of one source, each reused across chunks and files. A parse takes an idle
    one, or makes one when none is: no more than the parses running at once, and none for
    a source with nothing new (each is a DuckDB of its own)."""

    def __init__(self, name: str, source: SourceConfig, identity: IdentityConfig, load_id: str,
                 suppressions: SuppressionList | None = None):
        self._make = partial(ChunkParser, name, source, identity, suppressions)
        self._load_id = load_id
        self._idle: SimpleQueue[ChunkParser] = SimpleQueue()
        self._parsers: list[ChunkParser] = []

    def parse(self, loaded_at: datetime, chunk: pa.Table, file: FileStats) -> ChunkOutputs | ChunkFailed:
        try:
            parser = self._idle.get_nowait()
        except Empty:
            parser = self._make()
            self._parsers.append(parser)
        try:
            outputs = _parse(parser, self._load_id, loaded_at, chunk, file)
            parser.release()
        except Exception as error:
            if is_environment_error(error):
                raise
            # a parser that failed midway is not trusted with another chunk
            self._parsers.remove(parser)
            parser.close()
            return ChunkFailed(file, error)
        self._idle.put(parser)
        return outputs

    def close(self) -> None:
        for parser in self._parsers:
            parser.close()


def emit(outputs: ChunkOutputs) -> Iterator[object]:
    """Route a chunk's parts: rows to the source's table, the rest to shared tables."""
    rejected = outputs.rows["rejected"]
    outputs.file.add(outputs.landed, outputs.rows["records"], rejected - outputs.suppressed, outputs.suppressed)
    for table_name, table in outputs.tables:
        yield table if table_name is None else dlt.mark.with_table_name(table, table_name)


# Chunks parsed at once. Every part of landing is CPU-bound, and one parse at a time left
# part of two cores idle while it waited on its own serial steps (2M events: extract
# 8.2-9.0 s -> 7.4 s); each chunk in flight holds its outputs in memory.
PARSE_WORKERS = 2


def ahead(tasks: Iterator[Callable[[], object]], workers: int = PARSE_WORKERS) -> Iterator[object]:
    """Run tasks in worker threads, `workers` at a time, while the caller handles earlier
    results. DuckDB and Arrow release the GIL, so reading, parsing and dlt's writing overlap
    instead of taking turns on one core. Results come out in the order of the tasks."""
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cdp-parse") as pool:
        pending: deque[Future] = deque()
        for task in tasks:
            pending.append(pool.submit(task))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
