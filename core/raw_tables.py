"""The tables landing writes to the `raw` schema beside each source's own table.

Their descriptions are written once, in dbt's sources yml (`models/staging/_sources.yml`),
which both dbt's docs and the Dagster landing assets show.
"""

from __future__ import annotations

from functools import cache

import yaml

from core.marts import DBT_PROJECT_DIR

SCHEMA = "raw"
SOURCES_YML = DBT_PROJECT_DIR / "models" / "staging" / "_sources.yml"

# What parsing derives from the rows of every source.
IDENTIFIERS = "identifiers"
TRAITS = "traits"
REJECTED_ROWS = "rejected_rows"
# Files (and API fetches) that could not be read at all, set aside whole.
REJECTED_FILES = "rejected_files"
DERIVED = (IDENTIFIERS, TRAITS, REJECTED_ROWS, REJECTED_FILES)

# cdp.yml's rules, replaced on every landing run so dbt applies what the config says.
RULES = ("identifier_types", "identity_blocklist", "identity_overrides", "identity_caps", "segment_definitions", "trait_rules",
         "computed_trait_definitions", "consent_statements", "account_member_sources",
         "account_trait_definitions", "account_segment_definitions")


@cache
def descriptions() -> dict[str, str]:
    """Table name -> description, for every raw table the sources yml describes."""
    (raw,) = [s for s in yaml.safe_load(SOURCES_YML.read_text())["sources"] if s["name"] == SCHEMA]
    return {table["name"]: table["description"] for table in raw["tables"] if table.get("description")}
