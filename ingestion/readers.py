"""Read landing files into bounded Arrow chunks that keep each row's line and raw text.

Every reader yields tables with `_cdp_line` (1-based line or row number), `_cdp_raw`
(the record as it arrived) and `_cdp_error` (why the record could not be read, or null),
so a rejected row can always be traced back to its file. A record that does not parse,
or holds bytes that are not text in the file's encoding, is a row error for the
validator; a file that cannot be read on (a truncated `.gz`, a broken Parquet footer, an
I/O error) raises UnreadableFile, saying where reading stopped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ingestion.csv_reader import read_csv
from ingestion.decoding import DEFAULT_ENCODING, bad_bytes_reason, codec_name, is_utf8
from ingestion.file_errors import READ_ERRORS, UnreadableFile, describe_read_error, open_binary

# Two chunks parse at once while dlt writes a third (ingestion/landing.py): 250k rows each
# keep that within what one 500k chunk at a time and the next in parse used to hold.
CHUNK_ROWS = 250_000
BLOCK_BYTES = 128 << 20  # bounded memory whatever the file size
_BOM = b"\xef\xbb\xbf"


# First bytes a blank line can start with: ASCII whitespace, or a byte of a longer UTF-8
# character (Unicode has other spaces). JSON lines start with `{`, so this rules out
# nearly every line without trimming it.
_MAYBE_BLANK = np.zeros(256, dtype=bool)
_MAYBE_BLANK[[9, 10, 11, 12, 13, 32]] = True
_MAYBE_BLANK[0x80:] = True


def _line_table(buffer: bytes | memoryview, first_line: int, encoding: str = DEFAULT_ENCODING) -> tuple[pa.Table, int]:
    """Lines of a buffer with their numbers, and how many lines it held; blank lines are not records.

    The string array is built straight from newline offsets (splitting into Python
    strings, or with Arrow's split kernel, costs ten times more). A blank line is
    dropped by starting the next line at the following non-blank one: the blank bytes
    then trail the line before it, and trimming removes them. Text in another encoding
    is converted to UTF-8 first; a buffer that then is not valid UTF-8 takes the slow
    path, which rejects the lines holding bad bytes.
    """
    data = buffer
    if not is_utf8(encoding):
        data = bytes(buffer).decode(encoding, "surrogateescape").encode("utf-8", "surrogateescape")
    if not _is_utf8(data):
        return _checked_line_table(bytes(data), first_line, encoding)
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
    table = pa.table({"_cdp_line": pa.array(numbers), "_cdp_raw": lines, "_cdp_error": pa.nulls(len(lines), pa.string())})
    return table, len(starts)


def _checked_line_table(data: bytes, first_line: int, encoding: str) -> tuple[pa.Table, int]:
    """The slow path for a buffer with bytes that are not text: line by line, in Python.
    A line holding such bytes is kept with them written as `\\xNN` and an error naming
    the first one; the other lines come out as the fast path makes them."""
    lines = data.split(b"\n")
    numbers, raws, errors = [], [], []
    for number, line in enumerate(lines, start=first_line):
        try:
            text, error = line.decode("utf-8"), None
        except UnicodeDecodeError as bad:
            text, error = line.decode("utf-8", "backslashreplace"), bad_bytes_reason(encoding, line[bad.start])
        text = text.strip()
        if text:
            numbers.append(number)
            raws.append(text)
            errors.append(error)
    table = pa.table({
        "_cdp_line": pa.array(numbers, pa.int64()),
        "_cdp_raw": pa.array(raws, pa.string()),
        "_cdp_error": pa.array(errors, pa.string()),
    })
    return table, len(lines)


def _is_utf8(data: bytes | memoryview) -> bool:
    """Arrow checks the bytes in place, without decoding a copy of the block."""
    try:
        _strings(np.array([0, len(data)]), data).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _strings(offsets: np.ndarray, data: bytes | memoryview) -> pa.LargeStringArray:
    return pa.LargeStringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets.astype(np.int64)), pa.py_buffer(data))


def read_lines(
    path: Path, chunk_rows: int | None = None, block_bytes: int | None = None, encoding: str = DEFAULT_ENCODING
) -> Iterator[pa.Table]:
    """JSON Lines, read in blocks and split by Arrow: no per-line Python work at volume."""
    with open_binary(path) as handle:
        yield from line_chunks(handle, chunk_rows, block_bytes, encoding)


def line_chunks(
    handle: BinaryIO, chunk_rows: int | None = None, block_bytes: int | None = None, encoding: str = DEFAULT_ENCODING
) -> Iterator[pa.Table]:
    """The lines of an open binary file, as read_lines chunks them."""
    chunk_rows, block_bytes, encoding = chunk_rows or CHUNK_ROWS, block_bytes or BLOCK_BYTES, codec_name(encoding)
    next_line, consumed, carry = 1, 0, b""
    while True:
        try:
            block = handle.read(block_bytes)
        except READ_ERRORS as error:
            raise UnreadableFile(describe_read_error(error), line=next_line, byte_offset=consumed - len(carry)) from error
        if not block:
            break
        if consumed == 0 and encoding == "utf-8" and block.startswith(_BOM):
            block = block[len(_BOM):]
        consumed += len(block)
        data = carry + block
        cut = data.rfind(b"\n")
        if cut < 0:
            carry = data
            continue
        carry = data[cut + 1 :]
        table, line_count = _line_table(memoryview(data)[:cut], next_line, encoding)  # no copy of the block
        next_line += line_count
        yield from _slices(table, chunk_rows)
    if carry.strip():
        yield from _slices(_line_table(carry, next_line, encoding)[0], chunk_rows)


def _slices(table: pa.Table, rows: int) -> Iterator[pa.Table]:
    for offset in range(0, table.num_rows, rows):
        yield table.slice(offset, rows)


def read_parquet(path: Path, chunk_rows: int | None = None) -> Iterator[pa.Table]:
    """Parquet: values are cast to text so one validator types every format alike."""
    offset = 0
    try:
        batches = pq.ParquetFile(path).iter_batches(batch_size=chunk_rows or CHUNK_ROWS)
        for batch in batches:
            table = pa.Table.from_batches([batch])
            columns = {name: table[name].cast(pa.string()) for name in table.column_names}
            rows = table.to_pylist()
            columns["_cdp_raw"] = pa.array([json.dumps(row, default=str, ensure_ascii=False) for row in rows])
            columns["_cdp_line"] = pa.array(range(offset + 1, offset + len(rows) + 1), pa.int64())
            columns["_cdp_error"] = pa.nulls(len(rows), pa.string())
            offset += len(rows)
            yield pa.table(columns)
    except (pa.ArrowException, *READ_ERRORS) as error:
        raise UnreadableFile(f"not a readable Parquet file: {error}", line=offset + 1) from error


def read_file(
    path: Path,
    file_format: str,
    encoding: str = DEFAULT_ENCODING,
    delimiter: str | None = None,
    columns: tuple[str, ...] = (),
) -> Iterator[pa.Table]:
    """A landing file's chunks; `columns` (the source's declared ones) help find a CSV's delimiter."""
    if file_format in ("segment", "jsonl"):
        return read_lines(path, encoding=encoding)
    if file_format == "csv":
        return read_csv(path, CHUNK_ROWS, encoding=encoding, delimiter=delimiter, columns=columns)
    if file_format == "parquet":
        return read_parquet(path)
    raise ValueError(f"unknown format {file_format!r}")
