"""The rows a destination receives, as SQL over the `cdp` marts.

A destination's rows have a key (what a receiver matches on) and fields. Hashed fields
are sent as SHA-256 hex of the normalised value, under `<field>_sha256`, so a hashed
email can never be mistaken for a plain one.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from core.config import DestinationConfig
from core.segment_compiler import profile_columns

ACTIVATION_YML = Path(__file__).resolve().parents[1] / "dbt_project" / "models" / "marts" / "activation" / "_activation.yml"
KEYS = {"segment_members": ["segment", "profile_id"], "crm_contacts": ["crm_contact_id"]}


@cache
def _crm_sync_back_columns() -> dict[str, str]:
    model = yaml.safe_load(ACTIVATION_YML.read_text())["models"][0]
    return {c["name"]: c.get("data_type", "varchar") for c in model["columns"]}


def row_columns(rows: str) -> dict[str, str]:
    """Column -> data type of what a destination of this kind may send."""
    return profile_columns() if rows == "segment_members" else _crm_sync_back_columns()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _fields(destination: DestinationConfig) -> list[str]:
    # no fields listed: every column of the row source
    return destination.fields or [c for c in row_columns(destination.rows) if c not in KEYS[destination.rows]]


def field_names(destination: DestinationConfig) -> list[str]:
    """Names of the sent fields, in order (hashed ones renamed)."""
    return [f"{f}_sha256" if f in destination.hash else f for f in _fields(destination)]


def current_rows_sql(destination: DestinationConfig) -> str:
    """Every row the destination should hold now: keys, then fields."""
    projected = [
        f"sha256(r.{_quote(f)}) as {_quote(f + '_sha256')}" if f in destination.hash else f"r.{_quote(f)}"
        for f in _fields(destination)
    ]
    if destination.rows == "segment_members":
        segments = ", ".join(_literal(s) for s in destination.segments)
        consent = f" and r.{_quote(destination.consent)} is true" if destination.consent else ""
        return (
            f"select m.segment, m.profile_id, {', '.join(projected)} "
            "from cdp.segment_memberships as m inner join cdp.profiles as r on r.profile_id = m.profile_id "
            f"where m.segment in ({segments}){consent}"
        )
    consent = f" where r.{_quote(destination.consent)} is true" if destination.consent else ""
    return f"select r.crm_contact_id, {', '.join(projected)} from cdp.crm_sync_back as r{consent}"
