"""What a landing run read, per source and per file, and the row that records a file set aside.

Per file, landed = loaded + rejected + suppressed: every row read is a record or a rejected
row, and a rejected row is suppressed when it carried the identifier of a person who asked
to be forgotten (ingestion/suppression.py). A
file that cannot be read (on) is set aside whole: none of its rows count, the rows it
had handed to dlt before it failed are taken back after the load (ingestion.recovery),
and one row in `raw.rejected_files` says which file, where reading stopped and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pyarrow as pa

from ingestion.file_errors import UnreadableFile

REJECTED_FILES = "rejected_files"
LOAD_ID = "_dlt_load_id"

# Declared in full, so every column has its type from the first row on.
REJECTED_FILE_COLUMNS = pa.schema([
    ("source", pa.string()),
    ("file", pa.string()),
    ("reason", pa.string()),
    ("line", pa.int64()),
    ("byte_offset", pa.int64()),
    ("file_size", pa.int64()),
    ("file_modified_at", pa.timestamp("us", tz="UTC")),
    ("rows_withdrawn", pa.int64()),
    ("withdrawn_at", pa.timestamp("us", tz="UTC")),
    ("loaded_at", pa.timestamp("us", tz="UTC")),
    (LOAD_ID, pa.string()),
])

_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


@dataclass
class FileStats:
    """One file read by this run (or one fetch of an API source)."""

    file: str
    fingerprint: str = ""  # size:mtime, how the next run knows the file again
    size: int | None = None
    modified_at: datetime | None = None  # UTC
    landed: int = 0
    loaded: int = 0
    rejected: int = 0
    suppressed: int = 0
    error: str | None = None
    # said without quoted text, which may be a value from the data: for logs and metadata
    error_for_logs: str | None = None
    line: int | None = None
    byte_offset: int | None = None

    def add(self, landed: int, loaded: int, rejected: int, suppressed: int = 0) -> None:
        self.landed += landed
        self.loaded += loaded
        self.rejected += rejected
        self.suppressed += suppressed

    def fail(self, error: BaseException | str) -> None:
        """Set the file aside; the first error is the one it is rejected for."""
        if self.error is not None:
            return
        if isinstance(error, UnreadableFile):
            self.error = self.error_for_logs = error.reason
            self.line, self.byte_offset = error.line, error.byte_offset
        elif isinstance(error, str):
            self.error = self.error_for_logs = error
        else:
            message = f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"[:1000]
            self.error, self.error_for_logs = message, _QUOTED.sub("'…'", message)

    def summary(self) -> dict:
        """For run metadata: counts, or why the file was set aside (no data values)."""
        if self.error is not None:
            return {"file": self.file, "set_aside": self.error_for_logs, "line": self.line, "byte_offset": self.byte_offset,
                    "rows_withdrawn": self.landed}
        return {"file": self.file, "rows_landed": self.landed, "rows_loaded": self.loaded, "rows_rejected": self.rejected,
                "rows_suppressed": self.suppressed}


@dataclass
class SourceStats:
    """Totals over the files read whole; files set aside are listed apart."""

    files: int = 0
    landed: int = 0
    loaded: int = 0
    rejected: int = 0
    suppressed: int = 0
    per_file: dict[str, FileStats] = field(default_factory=dict)

    def finish(self, file: FileStats) -> None:
        self.per_file[file.file] = file
        if file.error is None:
            self.files += 1
            self.landed += file.landed
            self.loaded += file.loaded
            self.rejected += file.rejected
            self.suppressed += file.suppressed

    @property
    def set_aside(self) -> list[FileStats]:
        return [file for file in self.per_file.values() if file.error is not None]


@dataclass
class LandingStats:
    """What this run read, per source: landed = loaded + rejected + suppressed, always."""

    sources: dict[str, SourceStats] = field(default_factory=dict)


def rejected_file_row(source: str, file: FileStats, loaded_at: datetime, load_id: str) -> pa.Table:
    """The `raw.rejected_files` row of a file set aside; `rows_withdrawn` rows of it went to
    dlt before it failed, and are deleted after the load (then `withdrawn_at` is set)."""
    utc = timezone.utc
    return pa.Table.from_pylist([{
        "source": source,
        "file": file.file,
        "reason": file.error,
        "line": file.line,
        "byte_offset": file.byte_offset,
        "file_size": file.size,
        "file_modified_at": file.modified_at,
        "rows_withdrawn": file.landed,
        "withdrawn_at": None,
        "loaded_at": loaded_at.replace(tzinfo=utc),
        LOAD_ID: load_id,
    }], schema=REJECTED_FILE_COLUMNS)
