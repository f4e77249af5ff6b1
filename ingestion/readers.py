"""Read landing files into bounded Arrow chunks that keep each row's line and raw text.

Every reader yields tables with `_cdp_line` (1-based line or row number) and `_cdp_raw`
(the record as it arrived) so a rejected row can always be traced back to its file.
Parsing errors are not raised: they are carried in `_cdp_error` for the validator.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

CHUNK_ROWS = 200_000


def open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace", newline="")
    return open(path, encoding="utf-8", errors="replace", newline="")


def read_lines(path: Path, chunk_rows: int = CHUNK_ROWS) -> Iterator[pa.Table]:
    """JSON Lines: one raw line per row; blank lines are not records."""
    numbers: list[int] = []
    lines: list[str] = []
    with open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            stripped = line.strip()
            if not stripped:
                continue
            numbers.append(number)
            lines.append(stripped)
            if len(lines) >= chunk_rows:
                yield pa.table({"_cdp_line": numbers, "_cdp_raw": lines})
                numbers, lines = [], []
    if lines:
        yield pa.table({"_cdp_line": numbers, "_cdp_raw": lines})


def read_csv(path: Path, chunk_rows: int = CHUNK_ROWS) -> Iterator[pa.Table]:
    """CSV with a header row; a row with the wrong number of fields is kept raw with an error."""
    with open_text(path) as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return
        header = [name.strip() for name in header]
        width = len(header)

        def empty() -> dict[str, list]:
            return {"_cdp_line": [], "_cdp_raw": [], "_cdp_error": [], **{name: [] for name in header}}

        batch = empty()
        for row in reader:
            if not row:
                continue
            batch["_cdp_line"].append(reader.line_num)
            if len(row) == width:
                batch["_cdp_raw"].append(json.dumps(dict(zip(header, row)), ensure_ascii=False))
                batch["_cdp_error"].append(None)
                for name, value in zip(header, row):
                    batch[name].append(value if value != "" else None)
            else:
                batch["_cdp_raw"].append(json.dumps(row, ensure_ascii=False))
                batch["_cdp_error"].append(f"malformed CSV row: expected {width} fields, found {len(row)}")
                for name in header:
                    batch[name].append(None)
            if len(batch["_cdp_line"]) >= chunk_rows:
                yield pa.table(batch)
                batch = empty()
        if batch["_cdp_line"]:
            yield pa.table(batch)


def read_parquet(path: Path, chunk_rows: int = CHUNK_ROWS) -> Iterator[pa.Table]:
    """Parquet: values are cast to text so one validator types every format alike."""
    offset = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
        table = pa.Table.from_batches([batch])
        columns = {name: table[name].cast(pa.string()) for name in table.column_names}
        rows = table.to_pylist()
        columns["_cdp_raw"] = pa.array([json.dumps(row, default=str, ensure_ascii=False) for row in rows])
        columns["_cdp_line"] = pa.array(range(offset + 1, offset + len(rows) + 1), pa.int64())
        columns["_cdp_error"] = pa.nulls(len(rows), pa.string())
        offset += len(rows)
        yield pa.table(columns)


def read_file(path: Path, file_format: str, chunk_rows: int = CHUNK_ROWS) -> Iterator[pa.Table]:
    if file_format in ("segment", "jsonl"):
        return read_lines(path, chunk_rows)
    if file_format == "csv":
        return read_csv(path, chunk_rows)
    if file_format == "parquet":
        return read_parquet(path, chunk_rows)
    raise ValueError(f"unknown format {file_format!r}")
