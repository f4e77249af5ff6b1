"""Files outside the warehouse that may hold a forgotten person: the file destinations'
exports (`changes/` history and `members/`) and the job files dlt keeps of loaded packages.

An export file is rewritten without the rows that name the person (their profile ids,
their values, or those values' SHA-256 as hashed fields are sent), byte for byte as dlt
wrote the others for CSV; dlt's job files only ever carried rows on their way to the
warehouse or a destination and are deleted. Both are idempotent: a run killed halfway
does them again. The landing folder is the customer's and is never edited.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from pathlib import Path

import duckdb

from core.sql import literal, quote

EXPORT_KINDS = ("changes", "members")
JOB_FOLDERS = ("completed_jobs", "failed_jobs")


def person_tokens(con: duckdb.DuckDBPyConnection) -> set[str]:
    """What names a forgotten person in an exported row: profile ids, values, their SHA-256."""
    rows = con.sql("""
        select profile_id from pv_profiles
        union select lower(identifier_value) from pv_erase
        union select sha256(identifier_value) from pv_erase
        union select value from pv_values
    """).fetchall()
    return {row[0] for row in rows if row[0]}


def _records(text: str) -> list[str]:
    """A CSV's records as written, each with its line ending; a quoted field may span lines."""
    records, pending = [], ""
    for line in io.StringIO(text, newline="").readlines():
        pending += line
        if pending.count('"') % 2 == 0:
            records.append(pending)
            pending = ""
    if pending:
        records.append(pending)
    return records


def _scrub_csv(path: Path, tokens: set[str]) -> int:
    text = path.read_bytes().decode("utf-8")  # line endings as written
    records = _records(text)
    kept = records[:1]  # the header
    for record in records[1:]:
        fields = next(csv.reader([record]), [])
        if any(field.strip().lower() in tokens for field in fields):
            continue
        kept.append(record)
    removed = len(records) - len(kept)
    if removed:
        _replace(path, lambda target: target.write_bytes("".join(kept).encode("utf-8")))
    return removed


def _scrub_parquet(path: Path, tokens: set[str]) -> int:
    with duckdb.connect() as con:
        con.register("tokens", duckdb.sql("select unnest($t) as token", params={"t": sorted(tokens)}).to_arrow_table())
        columns = [row[0] for row in con.execute("describe select * from read_parquet(?)", [str(path)]).fetchall()]
        named = " or ".join(f"lower(cast({quote(c)} as varchar)) in (select token from tokens)" for c in columns)
        removed = con.execute(f"select count(*) from read_parquet(?) where {named}", [str(path)]).fetchall()[0][0]
        if removed:
            def write(target: Path) -> None:
                con.execute(f"copy (select * from read_parquet(?) where not ({named})) to {literal(str(target))} "
                            "(format parquet)", [str(path)]).fetchall()
            _replace(path, write)
    return removed


def _replace(path: Path, write) -> None:
    staged = path.with_name(f".{path.name}.privacy")
    write(staged)
    shutil.copymode(path, staged)
    os.replace(staged, path)


def scrub_exports(export_dir: Path, tokens: set[str]) -> dict[str, int]:
    """Rows removed per export file (relative to the export folder)."""
    removed = {}
    if not tokens or not export_dir.is_dir():
        return removed
    for path in sorted(export_dir.glob("*/*/*")):
        if path.parent.name not in EXPORT_KINDS or not path.is_file() or path.name.startswith("."):
            continue
        scrub = {".csv": _scrub_csv, ".parquet": _scrub_parquet}.get(path.suffix)
        if scrub and (count := scrub(path, tokens)):
            removed[path.relative_to(export_dir).as_posix()] = count
    return removed


def delete_job_files(pipelines_dir: Path) -> int:
    """Delete the data files of dlt's loaded packages (kept only when LOAD__DELETE_COMPLETED_JOBS
    is false, for debugging); returns how many."""
    deleted = 0
    for folder in JOB_FOLDERS:
        for path in pipelines_dir.glob(f"*/load/loaded/*/{folder}/*"):
            if path.is_file():
                path.unlink()
                deleted += 1
    return deleted
