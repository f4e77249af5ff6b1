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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

# Two chunks parse at once while dlt writes a third (ingestion/landing.py): 250k rows each
# keep that within what one 500k chunk at a time and the next in parse used to hold.
CHUNK_ROWS = 250_000
BLOCK_BYTES = 128 << 20  # bounded memory whatever the file size


def open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace", newline="")
    return open(path, encoding="utf-8", errors="replace", newline="")


# First bytes a blank line can start with: ASCII whitespace, or a byte of a longer UTF-8
# character (Unicode has other spaces). JSON lines start with `{`, so this rules out
# nearly every line without trimming it.
_MAYBE_BLANK = np.zeros(256, dtype=bool)
_MAYBE_BLANK[[9, 10, 11, 12, 13, 32]] = True
_MAYBE_BLANK[0x80:] = True


def _line_table(buffer: bytes | memoryview, first_line: int) -> tuple[pa.Table, int]:
    """Lines of a buffer with their numbers, and how many lines it held; blank lines are not records.

    The string array is built straight from newline offsets (splitting into Python
    strings, or with Arrow's split kernel, costs ten times more). A blank line is
    dropped by starting the next line at the following non-blank one: the blank bytes
    then trail the line before it, and trimming removes them.
    """
    data = buffer if _is_utf8(buffer) else bytes(buffer).decode("utf-8", errors="replace").encode("utf-8")
    raw = np.frombuffer(data, dtype=np.uint8)
    starts = np.concatenate(([0], np.flatnonzero(raw == 10) + 1))
    end = np.array([len(raw)])
    every_line = _strings(np.concatenate((starts, end)), data)
    # only lines that may be blank are trimmed to find out (a line past the end is empty)
    first_bytes = np.full(len(starts), 10, dtype=np.uint8)
    inside = starts < len(raw)
    first_bytes[inside] = raw[starts[inside]]
    maybe_blank = np.flatnonzero(_MAYBE_BLANK[first_bytes])
    non_blank = np.ones(len(starts), dtype=bool)
    if len(maybe_blank):
        trimmed = pc.utf8_trim_whitespace(every_line.take(pa.array(maybe_blank)))
        non_blank[maybe_blank[pc.binary_length(trimmed).to_numpy(zero_copy_only=False) == 0]] = False
    kept = every_line if non_blank.all() else _strings(np.concatenate((starts[non_blank], end)), data)
    lines = pc.utf8_trim_whitespace(kept).cast(pa.string())
    numbers = np.arange(first_line, first_line + len(starts), dtype=np.int64)[non_blank]
    return pa.table({"_cdp_line": pa.array(numbers), "_cdp_raw": lines}), len(starts)


def _is_utf8(data: bytes | memoryview) -> bool:
    """Invalid UTF-8 would break Arrow: such a block is round-tripped through str (bad bytes
    become U+FFFD). Arrow checks the bytes in place, without decoding a copy of the block."""
    try:
        _strings(np.array([0, len(data)]), data).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _strings(offsets: np.ndarray, data: bytes | memoryview) -> pa.LargeStringArray:
    return pa.LargeStringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets.astype(np.int64)), pa.py_buffer(data))


def read_lines(path: Path, chunk_rows: int = CHUNK_ROWS, block_bytes: int = BLOCK_BYTES) -> Iterator[pa.Table]:
    """JSON Lines, read in blocks and split by Arrow: no per-line Python work at volume."""
    opener = gzip.open if path.suffix == ".gz" else open
    next_line = 1
    carry = b""
    with opener(path, "rb") as handle:
        while block := handle.read(block_bytes):
            data = carry + block
            cut = data.rfind(b"\n")
            if cut < 0:
                carry = data
                continue
            carry = data[cut + 1 :]
            table, line_count = _line_table(memoryview(data)[:cut], next_line)  # no copy of the block
            next_line += line_count
            yield from _slices(table, chunk_rows)
    if carry.strip():
        yield from _slices(_line_table(carry, next_line)[0], chunk_rows)


def _slices(table: pa.Table, rows: int) -> Iterator[pa.Table]:
    for offset in range(0, table.num_rows, rows):
        yield table.slice(offset, rows)


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
