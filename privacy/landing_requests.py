"""Request files dropped into the landing folder: `privacy/requests*.csv` (type,value,reason).

Each file is read once, remembered by size and modification time as landing remembers
its files (`privacy.request_files`), and left where it is: the landing folder is the
customer's. Every row becomes a request (`forget`), or an invalid one naming the file
and line.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from core.config import IdentityConfig
from privacy.requests import Given, Request, make_request, now, read_csv_requests, record
from privacy.store import REQUEST_FILES

PATTERN = "privacy/requests*.csv"


def request_files(landing_dir: Path) -> dict[str, str]:
    """Relative path -> `size:mtime` of every request file in the landing folder."""
    if not landing_dir.is_dir():
        return {}
    found = {}
    for path in sorted(landing_dir.glob(PATTERN)):
        if path.is_file():
            stat = path.stat()
            found[path.relative_to(landing_dir).as_posix()] = f"{stat.st_size}:{stat.st_mtime_ns}"
    return found


def unread(con: duckdb.DuckDBPyConnection, found: dict[str, str]) -> dict[str, str]:
    """The files not read before as they are now."""
    if not found:
        return {}
    exists = con.sql("select count(*) from duckdb_tables() where schema_name = 'privacy' and table_name = 'request_files'")
    if not exists.fetchall()[0][0]:
        return dict(found)
    read = set(con.sql(f"select file, fingerprint from {REQUEST_FILES}").fetchall())
    return {file: fingerprint for file, fingerprint in found.items() if (file, fingerprint) not in read}


def record_new_files(con: duckdb.DuckDBPyConnection, landing_dir: Path, identity: IdentityConfig, key: bytes) -> list[Request]:
    """Record the requests of every unread file, one transaction per file."""
    requests = []
    for file, fingerprint in unread(con, request_files(landing_dir)).items():
        try:
            text = (landing_dir / file).read_text(encoding="utf-8-sig")
            given = read_csv_requests(text, f"landing {file}")
        except (OSError, UnicodeDecodeError) as error:
            given = [Given("", "", "", f"landing {file}", f"file not read: {type(error).__name__}")]
        made = [make_request(identity, key, "forget", g) for g in given]
        con.sql("begin")
        record(con, made)
        con.execute(f"insert into {REQUEST_FILES} values (?, ?, ?, ?)", [file, fingerprint, now(), len(made)]).fetchall()
        con.sql("commit")
        requests += made
    return requests
