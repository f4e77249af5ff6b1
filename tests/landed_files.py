"""Reconcile a warehouse with its landing folder, file by file: each record of a file is
loaded or rejected exactly once (landed = loaded + rejected), or the file is set aside
whole and none of it is in the warehouse."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path

import duckdb

from core.config import CdpConfig
from ingestion.file_source import matching_files


def warehouse_query(warehouse: Path) -> Callable[[str], list[tuple]]:
    """A function that runs SQL read-only on `warehouse` and returns all its rows."""

    def query(sql: str) -> list[tuple]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.sql(sql).fetchall()

    return query


def records_in(path: Path) -> int:
    """Records of a landing file as written by these tests: non-blank lines, less a CSV's header."""
    # as much of a .gz as there is: a cut-off one is counted too
    data = zlib.decompressobj(wbits=31).decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    lines = [line for line in data.split(b"\n") if line.strip()]
    return len(lines) - (1 if ".csv" in path.name else 0)


def reconcile(query: Callable[[str], list[tuple]], landing: Path, config: CdpConfig) -> dict[str, tuple]:
    """Per file: (records, loaded, rejected, set aside); asserts each record is there once."""
    tables = {row[0] for row in query("select table_name from duckdb_tables() where schema_name = 'raw'")}
    outcome = {}
    for name, source in config.sources.items():
        for path in matching_files(landing, source.files):
            file = path.relative_to(landing).as_posix()
            where = f"_cdp_file = '{file}'"
            loaded = query(f"select count(*), count(distinct _cdp_line) from raw.{name} where {where}")[0] if name in tables else (0, 0)
            rejected = query(
                f"select count(*), count(distinct line) from raw.rejected_rows where source = '{name}' and file = '{file}'"
            )[0] if "rejected_rows" in tables else (0, 0)
            # set aside as it is now (an earlier copy may have been, and been read once it changed)
            stat = path.stat()
            set_aside = query(
                f"""select count(*) from raw.rejected_files where source = '{name}' and file = '{file}'
                and file_size = {stat.st_size} and epoch_us(file_modified_at) = {stat.st_mtime_ns // 1000}"""
            )[0][0] if "rejected_files" in tables else 0
            assert loaded[0] == loaded[1] and rejected[0] == rejected[1], f"{file}: a record landed twice"
            records = records_in(path)
            if set_aside:
                assert (loaded[0], rejected[0]) == (0, 0), f"{file} was set aside, yet {loaded[0] + rejected[0]} of its rows stayed"
            else:
                assert records == loaded[0] + rejected[0], f"{file}: {records} records, {loaded[0]} loaded + {rejected[0]} rejected"
            outcome[file] = (records, loaded[0], rejected[0], bool(set_aside))
    return outcome
