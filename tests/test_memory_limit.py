"""CDP_MEMORY_LIMIT and CDP_TEMP_DIR reach every DuckDB that opens the warehouse: dbt's,
dlt's and cdp's own connections; a value DuckDB could not use stops cdp at once."""

from __future__ import annotations

import json

import duckdb
import pytest

from core.memory import DEFAULT_MEMORY_LIMIT
from core.settings import SettingsError, export_settings, load_settings
from core.warehouse_lock import connect
from ingestion.pipeline import landing_pipeline
from tests.conftest import REPO, make_workspace

SETTINGS_SQL = "select current_setting('memory_limit') as memory_limit, current_setting('temp_directory') as temp_directory"


def as_duckdb_reports(limit: str) -> str:
    """DuckDB reports a limit in its own units ('286.1 MiB' for 300MB)."""
    with duckdb.connect(config={"memory_limit": limit}) as con:
        return con.sql("select current_setting('memory_limit')").fetchall()[0][0]


@pytest.fixture
def limited(tmp_path, monkeypatch):
    """Settings of a small limit and a spill folder of its own, exported as `cdp` does."""
    monkeypatch.setenv("CDP_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("CDP_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("CDP_CONFIG", str(REPO / "cdp.yml"))
    monkeypatch.setenv("CDP_MEMORY_LIMIT", "300MB")
    monkeypatch.setenv("CDP_TEMP_DIR", str(tmp_path / "spill"))
    settings = load_settings()
    export_settings(settings)
    return settings


@pytest.mark.parametrize("value", ["lots", "4", "4 gigs", "-1GB", "10MB"])
def test_a_memory_limit_duckdb_cannot_use_is_named(value):
    with pytest.raises(SettingsError, match=r"CDP_MEMORY_LIMIT: .*(amount of memory|less than the 100MB)"):
        load_settings({"CDP_MEMORY_LIMIT": value})


def test_the_default_limit_and_spill_folder_are_the_same_in_settings_and_the_dbt_profile(tmp_path):
    settings = load_settings({"CDP_WAREHOUSE": str(tmp_path / "w.duckdb")})
    assert settings.memory_limit == DEFAULT_MEMORY_LIMIT == "4GB"
    assert settings.temp_dir == tmp_path / "w.duckdb.tmp"
    profile = (REPO / "dbt_project" / "profiles.yml").read_text()
    assert f"env_var('CDP_MEMORY_LIMIT', '{DEFAULT_MEMORY_LIMIT}')" in profile
    assert load_settings({"CDP_MEMORY_LIMIT": "2.5GiB"}).memory_limit == "2.5GiB"


def test_cdp_connections_and_dlt_open_the_warehouse_within_the_limit(limited):
    with connect(limited.warehouse) as con:
        assert con.sql(SETTINGS_SQL).fetchall() == [(as_duckdb_reports("300MB"), str(limited.temp_dir))]
    with connect(limited.warehouse, read_only=True) as con:
        assert con.sql(SETTINGS_SQL).fetchall()[0][0] == as_duckdb_reports("300MB")
    with landing_pipeline(limited).sql_client() as client:
        assert client.execute_sql(SETTINGS_SQL) == [(as_duckdb_reports("300MB"), str(limited.temp_dir))]


def test_dbt_opens_the_warehouse_within_the_limit(tmp_path):
    workspace = make_workspace(tmp_path)
    shown = workspace.cdp("dbt", "show", "--inline", SETTINGS_SQL, "--output", "json", "--quiet",
                          CDP_MEMORY_LIMIT="300MB", CDP_TEMP_DIR=str(tmp_path / "spill"))
    assert shown.returncode == 0, shown.stdout[-3000:] + shown.stderr[-3000:]
    row = json.loads(shown.stdout[shown.stdout.index("{"):])["show"][0]
    assert row == {"memory_limit": as_duckdb_reports("300MB"), "temp_directory": str(tmp_path / "spill")}


def test_cdp_stops_on_a_bad_memory_limit_before_opening_anything(tmp_path):
    workspace = make_workspace(tmp_path)
    result = workspace.cdp("run", CDP_MEMORY_LIMIT="half")
    assert result.returncode == 2
    assert "CDP_MEMORY_LIMIT: 'half' is not an amount of memory with a unit, like 4GB or 512MB" in result.stderr
    assert not workspace.warehouse.exists()
