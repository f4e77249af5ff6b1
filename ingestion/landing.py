"""The landing dlt source: every source in cdp.yml, read from the landing folder.

Settings (all from the environment, see core.settings):
- CDP_LANDING_DIR: the folder whose files the `files` globs of cdp.yml match
- CDP_WAREHOUSE: the DuckDB file dlt loads into (dataset `raw`)
- CDP_CONFIG: the cdp.yml to read
- for a `rest_api` source: the variables its `api.base_url_env` and `api.token_env` name

One resource per configured source (its new files, ingestion.file_source; or a REST
API, ingestion.api_source) writes that source's rows to `raw.<source>`, and routes what
it derives to shared tables: `raw.identifiers`, `raw.traits`, `raw.rejected_rows`, and
`raw.rejected_files` for a file (or an API fetch) set aside whole. A record carrying a
suppressed identifier (a person who asked to be forgotten) is dropped as it is parsed
(ingestion.suppression). cdp.yml's rules land
beside them (ingestion.rules). Items are Arrow tables: dlt moves them without per-row
Python work. ingestion.pipeline runs this source, crash-safe.
"""

from __future__ import annotations

from pathlib import Path

import dlt

from core.config import CdpConfig
from core.privacy import SuppressionList
from ingestion.api_source import api_resource
from ingestion.file_source import file_resource
from ingestion.landed import REJECTED_FILES, LandingStats
from ingestion.parse import OUTPUT_TABLES
from ingestion.rules import (account_definitions, computed_trait_definitions, consent_statements, identity_rules,
                             segment_definitions, trait_rules)

# Tables every source writes to, beside its own.
SHARED_TABLES = (*(table for table in OUTPUT_TABLES.values() if table), REJECTED_FILES)

# New columns are kept; a column whose type changes (a cdp.yml edit, or a Parquet file
# that disagrees with the last one) stops the load with an error naming it, rather than
# splitting it into variant columns. Values that do not fit a declared type never get
# here: they are rejected rows.
SCHEMA_CONTRACT = {"tables": "evolve", "columns": "evolve", "data_type": "freeze"}


@dlt.source(name="landing", max_table_nesting=0, schema_contract=SCHEMA_CONTRACT)
def landing_source(config: CdpConfig, landing_dir: Path, stats: LandingStats | None = None,
                   suppressions: SuppressionList | None = None):
    stats = stats if stats is not None else LandingStats()
    resources = [
        api_resource(name, source, config.identity, stats, suppressions)
        if source.format == "rest_api"
        else file_resource(name, source, config.identity, landing_dir, stats, suppressions)
        for name, source in config.sources.items()
    ]
    return [*resources, *identity_rules(config.identity), segment_definitions(config), trait_rules(config),
            computed_trait_definitions(config), consent_statements(config), *account_definitions(config)]
