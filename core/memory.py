"""How much memory DuckDB may use, and where it spills the rest: the same two settings
for every DuckDB that reads or writes the warehouse (dbt's, dlt's and cdp's own).

DuckDB's own default is 80% of the machine's memory, per process, and several of a run's
processes open the warehouse one after another: on a machine shared with other work that
is too much, so cdp sets a limit (`CDP_MEMORY_LIMIT`, 4 GB by default) and a folder
for what does not fit (`CDP_TEMP_DIR`, by default DuckDB's own choice for a file: the
warehouse's path plus `.tmp`). Sorts, joins and aggregates past the limit are written
there instead of growing; the folder is emptied when the connection closes.

`core.settings` checks the values and exports them (the dbt profile reads the same
variables); `duckdb_config` reads them back for a Python connection.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

DEFAULT_MEMORY_LIMIT = "4GB"
# Below this DuckDB cannot hold one row group per thread of a wide mart, and every run
# would stop on an out-of-memory error that no longer names the setting.
MIN_MEMORY_BYTES = 100 * 1000**2

_UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4,
          "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4}
_AMOUNT = re.compile(r"^\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[kmgt]i?b|b)\s*$", re.IGNORECASE)


def memory_bytes(value: str) -> int | None:
    """The bytes of an amount written as DuckDB reads one ('4GB', '512MiB'); None if it is not one."""
    match = _AMOUNT.match(value)
    if match is None:
        return None
    return int(float(match["number"]) * _UNITS[match["unit"].lower()])


def memory_limit_error(value: str) -> str | None:
    """Why `value` cannot be CDP_MEMORY_LIMIT, or None when it can."""
    amount = memory_bytes(value)
    if amount is None:
        return f"CDP_MEMORY_LIMIT: {value!r} is not an amount of memory with a unit, like 4GB or 512MB"
    if amount < MIN_MEMORY_BYTES:
        return f"CDP_MEMORY_LIMIT: {value!r} is less than the 100MB DuckDB needs to build the warehouse"
    return None


def default_temp_dir(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".tmp")


def duckdb_config(warehouse: Path, environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """`memory_limit` and `temp_directory` for a DuckDB connection that reads or writes
    `warehouse`, from the variables `core.settings.export_settings` wrote."""
    return {
        "memory_limit": environ.get("CDP_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT,
        "temp_directory": environ.get("CDP_TEMP_DIR") or str(default_temp_dir(Path(warehouse).absolute())),
    }
