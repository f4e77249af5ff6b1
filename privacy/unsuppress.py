"""`cdp unsuppress`: lift a suppression, with a reason, so the person's data lands again.

The identifier named leads to the requests that suppressed it, and every identifier those
requests suppressed is lifted: the person as a whole, as they were suppressed. Files
already read land again only once they change.
"""

from __future__ import annotations

import duckdb

from core.privacy import SUPPRESSIONS
from core.settings import Settings
from core.warehouse_lock import connect
from privacy.store import COMPLETED, PENDING, REQUESTS


def lift_suppressions(settings: Settings) -> list[str]:
    """Carry out the pending `cdp unsuppress` requests alone (no erasure waits on them)."""
    with connect(settings.warehouse, wait_seconds=settings.lock_wait_seconds, what="privacy") as con:
        con.sql("begin")
        done = lift(con)
        con.sql("commit")
    return done


def lift(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Lift every suppression of the requests that suppressed the identifier named."""
    done = []
    for request_id, id_type, digest in con.sql(
        f"select request_id, identifier_type, identifier_hash from {REQUESTS} "
        f"where status = '{PENDING}' and kind = 'unsuppress' order by received_at"
    ).fetchall():
        lifted = con.execute(
            f"""update {SUPPRESSIONS} set lifted_at = now()::timestamp, lifted_by = ?
            where lifted_at is null and request_id in (
                select request_id from {SUPPRESSIONS}
                where identifier_type = ? and identifier_hash = ? and lifted_at is null)
            returning request_id""",
            [request_id, id_type, digest],
        ).fetchall()
        requests = sorted({row[0] for row in lifted})
        text = f"lifted {len(lifted)} identifiers of {', '.join(requests)}" if lifted else "not suppressed"
        con.execute(
            f"update {REQUESTS} set status = ?, outcome = ?, completed_at = now()::timestamp where request_id = ?",
            [COMPLETED, text, request_id],
        ).fetchall()
        done.append(request_id)
    return done

