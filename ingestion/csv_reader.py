"""CSV with a header row, in the source's encoding, split on its delimiter.

The delimiter is the source's `delimiter:` in cdp.yml, or found from the header: the
one of `,` `;` tab `|` that splits it into the most of the source's declared columns
(then into the most fields). A row is kept raw with an error, never dropped, when it
has the wrong number of fields, a field longer than MAX_FIELD_CHARS, or bytes that are
not text in the file's encoding.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path

import pyarrow as pa

from ingestion.decoding import DEFAULT_ENCODING, bad_bytes_reason, codec_name, shown, undecoded_byte
from ingestion.file_errors import READ_ERRORS, UnreadableFile, describe_read_error, open_binary

DELIMITERS = (",", ";", "\t", "|")
# Notes and descriptions run long (Python's csv stops at 128 KiB); a bound still keeps
# one stray quote from reading the rest of a file into a single field.
MAX_FIELD_CHARS = 16 << 20


def sniff_delimiter(header: str, columns: Iterable[str] = ()) -> str:
    """The delimiter that splits a header line into the most declared columns, then fields."""
    declared = set(columns)

    def score(delimiter: str) -> tuple[int, int]:
        names = [name.strip() for name in next(csv.reader([header], delimiter=delimiter), [])]
        return sum(name in declared for name in names), len(names)

    # max() keeps the first of equal scores: a comma, unless another delimiter does better
    return max(DELIMITERS, key=score)


def read_csv(
    path: Path,
    chunk_rows: int,
    encoding: str = DEFAULT_ENCODING,
    delimiter: str | None = None,
    columns: Iterable[str] = (),
) -> Iterator[pa.Table]:
    """CSV rows with `_cdp_line`, `_cdp_raw`, `_cdp_error` and one text column per header name."""
    encoding = codec_name(encoding)
    # utf-8-sig reads UTF-8 and drops the byte-order mark a spreadsheet may put first
    text_encoding = "utf-8-sig" if encoding == "utf-8" else encoding
    csv.field_size_limit(MAX_FIELD_CHARS)
    with io.TextIOWrapper(open_binary(path), encoding=text_encoding, errors="surrogateescape", newline="") as handle:
        reader = None
        try:
            first = handle.readline()
            if not first.strip():
                return
            reader = csv.reader(chain([first], handle), delimiter=delimiter or sniff_delimiter(first, columns))
            header = [shown(name, encoding).strip() for name in next(reader)]
            yield from _chunks(reader, header, encoding, chunk_rows)
        except READ_ERRORS as error:
            raise UnreadableFile(describe_read_error(error), line=(reader.line_num if reader else 0) + 1) from error


def _records(reader) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """(line, fields, None) per row, or (line, None, why) for a row csv cannot read; the
    reader goes on at the next line."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield reader.line_num, None, f"unreadable CSV row: {error}"
            continue
        if row:
            yield reader.line_num, row, None


def _chunks(reader, header: list[str], encoding: str, chunk_rows: int) -> Iterator[pa.Table]:
    width = len(header)

    def empty() -> dict[str, list]:
        return {"_cdp_line": [], "_cdp_raw": [], "_cdp_error": [], **{name: [] for name in header}}

    batch = empty()
    for line, row, error in _records(reader):
        raw = None
        if row is not None:
            raw = json.dumps(dict(zip(header, row)) if len(row) == width else row, ensure_ascii=False)
            bad = undecoded_byte(raw)
            if bad is not None:
                column = next((name for name, value in zip(header, row) if undecoded_byte(value) is not None), None)
                raw, error = shown(raw, encoding), bad_bytes_reason(encoding, bad) + (f" in column {column}" if column else "")
            elif len(row) != width:
                error = f"malformed CSV row: expected {width} fields, found {len(row)}"
        batch["_cdp_line"].append(line)
        batch["_cdp_raw"].append(raw)
        batch["_cdp_error"].append(error)
        for index, name in enumerate(header):
            batch[name].append(row[index] or None if error is None else None)
        if len(batch["_cdp_line"]) >= chunk_rows:
            yield _table(batch)
            batch = empty()
    if batch["_cdp_line"]:
        yield _table(batch)


def _table(batch: dict[str, list]) -> pa.Table:
    return pa.table({name: pa.array(values, pa.int64() if name == "_cdp_line" else pa.string()) for name, values in batch.items()})
