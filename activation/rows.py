"""The rows a destination receives, as SQL over the `cdp` marts.

A destination's rows have a key (what a receiver matches on) and fields. Hashed fields
are sent as SHA-256 hex of the normalised value, under `<field>_sha256`, so a hashed
email can never be mistaken for a plain one. An ad platform destination (`platform:`)
always hashes email and phone, normalised as that platform matches them
(activation/ad_platforms.py).
"""

from __future__ import annotations

from activation.ad_platforms import CONTACT_FIELDS, hashed_sql
from core.config import DestinationConfig
from core.marts import row_columns
from core.sql import literal, quote

KEYS = {"segment_members": ["segment", "profile_id"], "crm_contacts": ["crm_contact_id"]}


def _fields(destination: DestinationConfig) -> list[str]:
    # no fields listed: every column of the row source
    return destination.fields or [c for c in row_columns(destination.rows) if c not in KEYS[destination.rows]]


def _hashed(destination: DestinationConfig) -> set[str]:
    platform_hashed = set(CONTACT_FIELDS) if destination.platform else set()
    return {*destination.hash, *platform_hashed}


def field_names(destination: DestinationConfig) -> list[str]:
    """Names of the sent fields, in order (hashed ones renamed)."""
    hashed = _hashed(destination)
    return [f"{f}_sha256" if f in hashed else f for f in _fields(destination)]


def _projected(destination: DestinationConfig, field: str) -> str:
    column = f"r.{quote(field)}"
    if destination.platform and field in CONTACT_FIELDS:
        return f"{hashed_sql(destination.platform, field, column)} as {quote(field + '_sha256')}"
    if field in destination.hash:
        return f"sha256({column}) as {quote(field + '_sha256')}"
    return column


def _consented(destination: DestinationConfig) -> list[str]:
    """Conditions on the row `r` for the destination's consent: its boolean column is true,
    and its purpose granted in cdp.profile_consent (denied and unknown are never sent)."""
    conditions = [f"r.{quote(destination.consent)} is true"] if destination.consent else []
    if destination.purpose:
        conditions.append(
            "exists (select 1 from cdp.profile_consent as c where c.profile_id = r.profile_id "
            f"and c.purpose = {literal(destination.purpose)} and c.state = 'granted')"
        )
    return conditions


def current_rows_sql(destination: DestinationConfig) -> str:
    """Every row the destination should hold now: keys, then fields."""
    projected = [_projected(destination, f) for f in _fields(destination)]
    consent = "".join(f" and {c}" for c in _consented(destination))
    if destination.rows == "segment_members":
        segments = ", ".join(literal(s) for s in destination.segments)
        return (
            f"select m.segment, m.profile_id, {', '.join(projected)} "
            "from cdp.segment_memberships as m inner join cdp.profiles as r on r.profile_id = m.profile_id "
            f"where m.segment in ({segments}){consent}"
        )
    return f"select r.crm_contact_id, {', '.join(projected)} from cdp.crm_sync_back as r where true{consent}"
