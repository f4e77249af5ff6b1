"""Read-only views of the requests, for checks and the command line."""

from __future__ import annotations

from pathlib import Path

from core.warehouse_lock import connect
from privacy.store import COMPLETED, INVALID, REQUESTS, has_requests_table

SHOWN = ("request_id", "kind", "identifier_type", "status", "outcome", "profiles_found", "identifiers_found",
         "identifiers_suppressed", "identifiers_kept", "records_erased", "landed_files", "notices", "notes")


def _query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    if not warehouse.exists():
        return []
    with connect(warehouse, read_only=True, what="privacy") as con:
        if not has_requests_table(con):
            return []
        return con.execute(sql, params or []).fetchall()


def invalid_requests(warehouse: Path) -> list[dict]:
    rows = _query(warehouse, f"select request_id, origin, outcome from {REQUESTS} where status = '{INVALID}' "
                             "order by received_at")
    return [{"request_id": r, "origin": o, "error": e} for r, o, e in rows]


def unfinished(warehouse: Path) -> dict[str, int]:
    """Requests per status that are neither completed nor invalid."""
    return dict(_query(warehouse, f"select status, count(*) from {REQUESTS} "
                                  f"where status not in ('{COMPLETED}', '{INVALID}') group by 1"))


def requests(warehouse: Path, ids: list[str]) -> list[dict]:
    rows = _query(warehouse, f"select {', '.join(SHOWN)} from {REQUESTS} where request_id in (select unnest($1)) "
                             "order by received_at, request_id", [ids])
    return [dict(zip(SHOWN, row)) for row in rows]
