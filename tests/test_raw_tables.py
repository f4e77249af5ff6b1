"""The raw tables landing writes are named once (core/raw_tables.py) and described once
(dbt's sources yml), and landing writes exactly those."""

from __future__ import annotations

from core import raw_tables
from core.config import load_config
from ingestion.landing import landing_source
from tests.conftest import REPO


def test_landing_writes_each_source_and_every_rule_table(tmp_path):
    config = load_config(REPO / "cdp.yml")
    resources = set(landing_source(config, tmp_path).resources)
    assert resources == {*config.sources, *raw_tables.RULES}


def test_every_shared_raw_table_has_a_description():
    described = raw_tables.descriptions()
    assert all(described.get(table) for table in (*raw_tables.DERIVED, *raw_tables.RULES))
