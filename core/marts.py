"""The marts' schema as dbt declares it beside the models (`_marts.yml`, `_activation.yml`).

Segment conditions and destinations name mart columns; reading the declared columns and
types from the yml means cdp.yml is checked against the very schema dbt builds (and
enforces with its contracts), so the two cannot drift apart.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

DBT_PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
DBT_PROJECT_FILE = DBT_PROJECT_DIR / "dbt_project.yml"
MARTS_DIR = DBT_PROJECT_DIR / "models" / "marts"
SQL_SEGMENTS_DIR = MARTS_DIR / "segments" / "sql"


@cache
def _declared_columns(yml: Path, model: str) -> dict[str, str]:
    models = yaml.safe_load(yml.read_text())["models"]
    declared = next(m for m in models if m["name"] == model)
    # the type without its precision: decimal(38,2) is a decimal to a segment condition
    return {c["name"]: c.get("data_type", "varchar").split("(")[0].lower() for c in declared["columns"]}


def profile_columns() -> dict[str, str]:
    """Column name -> data_type of cdp.profiles."""
    return _declared_columns(MARTS_DIR / "_marts.yml", "profiles")


@cache
def profile_trait_columns() -> frozenset[str]:
    """The columns of cdp.profiles that hold a trait of cdp.profile_traits by its own name
    (first_name, company, ...): marked `meta: {cdp_trait: true}` in _marts.yml."""
    models = yaml.safe_load((MARTS_DIR / "_marts.yml").read_text())["models"]
    declared = next(m for m in models if m["name"] == "profiles")
    return frozenset(c["name"] for c in declared["columns"]
                     if (c.get("config") or {}).get("meta", {}).get("cdp_trait"))


def crm_sync_back_columns() -> dict[str, str]:
    """Column name -> data_type of cdp.crm_sync_back."""
    return _declared_columns(MARTS_DIR / "activation" / "_activation.yml", "crm_sync_back")


def account_columns() -> dict[str, str]:
    """Column name -> data_type of cdp.accounts, which account segments test."""
    return _declared_columns(MARTS_DIR / "accounts" / "_accounts.yml", "accounts")


def listed_sql_segments() -> list[str]:
    """The SQL segment models dbt_project.yml lists (vars: sql_segments), for dbt to ref."""
    return list(yaml.safe_load(DBT_PROJECT_FILE.read_text()).get("vars", {}).get("sql_segments") or [])


def row_columns(rows: str) -> dict[str, str]:
    """Column -> data type of what a destination of this kind (`rows` in cdp.yml) may send."""
    return profile_columns() if rows == "segment_members" else crm_sync_back_columns()
