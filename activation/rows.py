"""The rows a destination receives, as SQL over the `cdp` marts.

A destination's rows have a key (what a receiver matches on) and fields. Hashed fields
are sent as SHA-256 hex of the normalised value, under `<field>_sha256`, so a hashed
email can never be mistaken for a plain one.
"""

from __future__ import annotations

from core.config import DestinationConfig
from core.marts import row_columns
from core.sql import literal, quote

KEYS = {"segment_members": ["segment", "profile_id"], "crm_contacts": ["crm_contact_id"]}


def _fields(destination: DestinationConfig) -> list[str]:
    # no fields listed: every column of the row source
    return destination.fields or [c for c in row_columns(destination.rows) if c not in KEYS[destination.rows]]


def field_names(destination: DestinationConfig) -> list[str]:
    """Names of the sent fields, in order (hashed ones renamed)."""
    return [f"{f}_sha256" if f in destination.hash else f for f in _fields(destination)]


def current_rows_sql(destination: DestinationConfig) -> str:
    """Every row the destination should hold now: keys, then fields."""
    projected = [
        f"sha256(r.{quote(f)}) as {quote(f + '_sha256')}" if f in destination.hash else f"r.{quote(f)}"
        for f in _fields(destination)
    ]
    if destination.rows == "segment_members":
        segments = ", ".join(literal(s) for s in destination.segments)
        consent = f" and r.{quote(destination.consent)} is true" if destination.consent else ""
        return (
            f"select m.segment, m.profile_id, {', '.join(projected)} "
            "from cdp.segment_memberships as m inner join cdp.profiles as r on r.profile_id = m.profile_id "
            f"where m.segment in ({segments}){consent}"
        )
    consent = f" where r.{quote(destination.consent)} is true" if destination.consent else ""
    return f"select r.crm_contact_id, {', '.join(projected)} from cdp.crm_sync_back as r{consent}"
