"""The JSON Lines reader: every line keeps its number, blank lines are not records, and
bytes that are not UTF-8 do not stop a file: their line is kept with the bytes shown and an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.readers import read_lines

CONTENT = b'{"a": 1}\r\n\n   \n{"b": "\xff bad byte"}\n  {"c": 3}  \n{"d": 4}'


@pytest.mark.parametrize("block_bytes", [4, 16, 1 << 20])
def test_lines_keep_their_numbers_whatever_the_block_size(tmp_path: Path, block_bytes: int):
    path = tmp_path / "events.jsonl"
    path.write_bytes(CONTENT)
    rows = [row for chunk in read_lines(path, chunk_rows=2, block_bytes=block_bytes) for row in chunk.to_pylist()]
    assert rows == [
        {"_cdp_line": 1, "_cdp_raw": '{"a": 1}', "_cdp_error": None},
        {"_cdp_line": 4, "_cdp_raw": '{"b": "\\xff bad byte"}', "_cdp_error": "not valid utf-8 text: byte 0xff"},
        {"_cdp_line": 5, "_cdp_raw": '{"c": 3}', "_cdp_error": None},
        {"_cdp_line": 6, "_cdp_raw": '{"d": 4}', "_cdp_error": None},
    ]


def test_lines_of_unicode_spaces_are_blank_and_other_lines_are_kept_whole(tmp_path: Path):
    # a no-break space and an em space: blank; a line starting with a non-ASCII letter is a record
    path = tmp_path / "events.jsonl"
    path.write_bytes('{"a": 1}\n\u00a0\n\u2003 \t\n\u00e9t\u00e9\n\t{"b": 2}\r\n'.encode())
    rows = [row for chunk in read_lines(path) for row in chunk.select(["_cdp_line", "_cdp_raw"]).to_pylist()]
    assert rows == [
        {"_cdp_line": 1, "_cdp_raw": '{"a": 1}'},
        {"_cdp_line": 4, "_cdp_raw": "\u00e9t\u00e9"},
        {"_cdp_line": 5, "_cdp_raw": '{"b": 2}'},
    ]
