"""The dlt resource of a file source: every new file matching its glob, each on its own.

Files are incremental: the resource state remembers each file's size and modification
time, so a second run with nothing new reads nothing, and a changed file is read again.
A file that cannot be read (on) is set aside whole, named in `raw.rejected_files`, and
remembered like a read one: it is tried again once it changes (a re-upload, a `touch`).
The source's other files, and every other source, land in the same run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path

import dlt

from core.config import IdentityConfig, SourceConfig
from core.privacy import SuppressionList
from ingestion.chunks import ChunkFailed, ParserPool, ahead, emit, is_environment_error, now
from ingestion.landed import REJECTED_FILES, FileStats, LandingStats, SourceStats, rejected_file_row
from ingestion.readers import read_file


EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def matching_files(landing_dir: Path, pattern: str | None) -> list[Path]:
    """Files for a glob, plain or gzipped (`crm/contacts*.csv*` matches `contacts_2.csv.gz`)."""
    if pattern is None:  # an API source
        return []
    paths = set(landing_dir.glob(pattern))
    if not pattern.endswith("*"):
        paths |= set(landing_dir.glob(pattern + ".gz"))
    return sorted(p for p in paths if p.is_file())


@dataclass
class FileDone:
    """Every chunk of this file has been handed to a parser, or reading it failed with `error`."""

    file: FileStats
    error: Exception | None = None


def _file_chunks(path: Path, source: SourceConfig, file: FileStats, parsers: ParserPool) -> Iterator[Callable[[], object]]:
    """Tasks for one file: a parse per chunk, then its FileDone (carrying the error that
    stopped the reading, if one did)."""
    loaded_at = now()
    try:
        chunks = read_file(path, source.format, source.encoding, source.delimiter, tuple(source.typed_columns()))
        for chunk in chunks:
            yield partial(parsers.parse, loaded_at, chunk, file)
    except Exception as error:
        if is_environment_error(error):
            raise
        yield partial(FileDone, file, error)
    else:
        yield partial(FileDone, file)


def file_resource(name: str, source: SourceConfig, identity: IdentityConfig, landing_dir: Path, stats: LandingStats,
                  suppressions: SuppressionList | None = None):
    @dlt.resource(name=name, write_disposition="append")
    def read_files() -> Iterator[object]:
        seen: dict[str, str] = dlt.current.resource_state().setdefault("files", {})
        counts = stats.sources.setdefault(name, SourceStats())
        load_id = dlt.current.load_package_state()["load_id"]
        parsers = ParserPool(name, source, identity, load_id, suppressions)

        def tasks() -> Iterator[Callable[[], object]]:
            # One stream of tasks over all new files, so the next file is read and parsed
            # while dlt writes this one (a file of one chunk would otherwise not overlap).
            for path in matching_files(landing_dir, source.files):
                relative = path.relative_to(landing_dir).as_posix()
                try:
                    stat = path.stat()
                except FileNotFoundError:  # gone since the listing
                    continue
                if seen.get(relative) == f"{stat.st_size}:{stat.st_mtime_ns}":
                    continue
                modified_at = EPOCH + timedelta(microseconds=stat.st_mtime_ns // 1000)
                file = FileStats(relative, f"{stat.st_size}:{stat.st_mtime_ns}", stat.st_size, modified_at)
                yield from _file_chunks(path, source, file, parsers)

        try:
            # closing() waits for the workers (when dlt stops early) before the parsers close
            with closing(ahead(tasks())) as results:
                for result in results:
                    if isinstance(result, FileDone):
                        if result.error is not None:
                            result.file.fail(result.error)
                        yield from _settle(name, result.file, seen, counts, load_id)
                    elif isinstance(result, ChunkFailed):
                        result.file.fail(result.error)
                    elif result.file.error is None:  # a later chunk of a file set aside is dropped
                        yield from emit(result)
        finally:
            parsers.close()

    return read_files


def _settle(name: str, file: FileStats, seen: dict[str, str], counts: SourceStats, load_id: str) -> Iterator[object]:
    seen[file.file] = file.fingerprint
    counts.finish(file)
    if file.error is not None:
        yield dlt.mark.with_table_name(rejected_file_row(name, file, now(), load_id), REJECTED_FILES)
