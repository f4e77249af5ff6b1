"""Requests as the people who handle them give them: one from the command line, or many in a
CSV of `type,value,reason` (what a ticketing system exports), from a file or dropped into
the landing folder as `privacy/requests*.csv`.

Each becomes a row of `cdp.privacy_requests` with an id, the identifier's type and keyed
hash, never its value; a reason that quotes the value has it masked. A malformed request
(unknown type, a value that is not an email or phone, a short row) is recorded as
`invalid` with its error, for review, and never applied.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

import duckdb
import pyarrow as pa

from core.config import IdentityConfig
from core.privacy import keyed_hash
from privacy.store import INVALID, PENDING, REQUESTS, UNFINISHED

KINDS = ("forget", "delete_only", "suppress_only", "unsuppress")
NEW_REQUEST_COLUMNS = pa.schema([
    ("request_id", pa.string()), ("kind", pa.string()), ("identifier_type", pa.string()), ("identifier_hash", pa.string()),
    ("reason", pa.string()), ("origin", pa.string()), ("received_at", pa.timestamp("us")), ("status", pa.string()),
    ("outcome", pa.string()),
])
HEADER = ("type", "value", "reason")
MASK = "…"


@dataclass(frozen=True)
class Given:
    """A request as written: identifier type, value, reason, and where it came from."""

    identifier_type: str
    value: str
    reason: str = ""
    origin: str = "cli"
    error: str | None = None  # the row could not even be read as a request


@dataclass(frozen=True)
class Request:
    request_id: str
    kind: str
    identifier_type: str
    identifier_hash: str | None
    reason: str
    origin: str
    error: str | None  # why it is invalid

    @property
    def status(self) -> str:
        return INVALID if self.error else PENDING


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def request_id(moment: datetime) -> str:
    return f"pr_{moment:%Y%m%d%H%M%S}_{secrets.token_hex(6)}"


def _mask(text: str, values: list[str]) -> str:
    for value in sorted({v for v in values if v}, key=len, reverse=True):
        text = re.sub(re.escape(value), MASK, text, flags=re.IGNORECASE)
    return text


def make_request(identity: IdentityConfig, key: bytes, kind: str, given: Given) -> Request:
    """Check, normalise and hash one request; the value goes no further than this."""
    id_type, raw = given.identifier_type.strip(), given.value.strip()
    error, digest, value = given.error, None, None
    if error is None and id_type not in identity.identifier_types:
        error = f"unknown identifier type {id_type!r} (known: {', '.join(sorted(identity.identifier_types))})"
    elif error is None:
        value, problem = identity.normalize_identifier(id_type, raw)
        if value is None:
            error = _mask(problem or f"empty {id_type}", [raw])
    if id_type in identity.identifier_types and (value or raw):
        digest = keyed_hash(key, id_type, value or raw)
    reason = _mask(given.reason.strip(), [raw, value or ""])[:1000]
    return Request(request_id(now()), kind, id_type, digest, reason, given.origin, error)


def read_csv_requests(text: str, origin: str) -> list[Given]:
    """Rows of `type,value[,reason]`; a header row of those names is skipped."""
    requests = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{origin}:{number}"
        if number == 1 and tuple(c.strip().lower() for c in row[:3]) in (HEADER, HEADER[:2]):
            continue
        if len(row) not in (2, 3):
            requests.append(Given("", "", "", where, f"expected type,value[,reason]: found {len(row)} fields"))
            continue
        requests.append(Given(row[0], row[1], row[2] if len(row) == 3 else "", where))
    return requests


def record(con: duckdb.DuckDBPyConnection, requests: list[Request]) -> list[str]:
    """Insert the requests; one already waiting for the same identifier and kind (a run
    killed before it finished) is taken up again instead. Returns the ids, in order."""
    if not requests:
        return []
    received = now()
    con.register("pv_new_requests", pa.Table.from_pylist([
        {"request_id": r.request_id, "kind": r.kind, "identifier_type": r.identifier_type or None,
         "identifier_hash": r.identifier_hash, "reason": r.reason, "origin": r.origin, "received_at": received,
         "status": r.status, "outcome": r.error} for r in requests
    ], schema=NEW_REQUEST_COLUMNS))
    waiting = dict(con.sql(f"""
        select n.request_id, min(r.request_id) from pv_new_requests as n
        inner join {REQUESTS} as r
            on r.kind = n.kind and r.identifier_type = n.identifier_type and r.identifier_hash = n.identifier_hash
        where n.status = '{PENDING}' and r.status in ({', '.join(f"'{s}'" for s in UNFINISHED)})
        group by n.request_id
    """).fetchall())
    con.sql(f"""insert into {REQUESTS} (request_id, kind, identifier_type, identifier_hash, reason, origin, received_at,
                status, outcome)
                select * from pv_new_requests where request_id not in (select unnest($taken))""",
            params={"taken": list(waiting)})
    con.unregister("pv_new_requests")
    return [waiting.get(r.request_id, r.request_id) for r in requests]
