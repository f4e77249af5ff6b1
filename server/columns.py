"""Arrow columns read one value at a time, without making Arrow scalars.

`array[i].as_py()` costs 2-3 us a value: for a profile's 47 columns that was 130 us, as
much as everything else in a lookup together. These read the buffers through numpy
instead. No object here refers to itself (no bound method kept as an attribute), so a
swapped-out snapshot is freed by reference counting alone, even after `gc.freeze()`.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa


class Column:
    """Anything Arrow holds: lists, structs (rare in the marts), read the slow way."""

    def __init__(self, array: pa.Array):
        self._array = array

    def get(self, i: int):
        return self._array[i].as_py()

    def span(self, start: int, end: int) -> list:
        return [self.get(i) for i in range(start, end)]


class TextColumn(Column):
    def __init__(self, array: pa.Array):
        buffers = array.buffers()
        width = np.int64 if pa.types.is_large_string(array.type) else np.int32
        self._valid = array.is_valid().to_numpy(zero_copy_only=False)
        self._offsets = np.frombuffer(buffers[1], dtype=width)[array.offset:array.offset + len(array) + 1]
        self._data = memoryview(buffers[2]) if buffers[2] is not None else memoryview(b"")

    def get(self, i: int) -> str | None:
        return str(self._data[self._offsets[i]:self._offsets[i + 1]], "utf-8") if self._valid[i] else None


class NumberColumn(Column):
    """Integers, floats, booleans, dates and timestamps, as numpy values."""

    def __init__(self, array: pa.Array):
        zero = pa.scalar(False if pa.types.is_boolean(array.type) else 0, type=array.type)
        self._valid = array.is_valid().to_numpy(zero_copy_only=False)
        self._values = array.fill_null(zero).to_numpy(zero_copy_only=False)

    def get(self, i: int):
        return self._values[i].item() if self._valid[i] else None


def column(array: pa.Array | pa.ChunkedArray) -> Column:
    array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return TextColumn(array)
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind) or pa.types.is_temporal(kind):
        return NumberColumn(array)
    return Column(array)
