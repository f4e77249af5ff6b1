"""CDP_ENGINE (or cdp.yml's `engine:`): one setting, read once into Settings, exported for dbt's profile."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.config import ConfigError, load_config
from core.settings import SettingsError, export_settings, load_settings

REPO = Path(__file__).resolve().parents[1]


def test_duckdb_is_the_default_and_spark_has_its_folders_beside_the_warehouse(tmp_path):
    default = load_settings({"CDP_WAREHOUSE": str(tmp_path / "w.duckdb")})
    assert default.engine == "duckdb"
    spark = load_settings({"CDP_WAREHOUSE": str(tmp_path / "w.duckdb"), "CDP_ENGINE": " Spark "})
    assert spark.engine == "spark"
    assert spark.lake_dir == tmp_path / "lake" and spark.spark_metastore == tmp_path / "spark_metastore"
    assert (default.dbt_target, spark.dbt_target) == ("duckdb", "spark")
    cluster = load_settings({"CDP_WAREHOUSE": str(tmp_path / "w.duckdb"), "CDP_ENGINE": "spark",
                             "CDP_DBT_TARGET": "spark_thrift"})
    assert cluster.dbt_target == "spark_thrift"


def test_an_unknown_engine_is_named(tmp_path):
    with pytest.raises(SettingsError, match="CDP_ENGINE: 'postgres' is not one of duckdb, spark"):
        load_settings({"CDP_WAREHOUSE": str(tmp_path / "w.duckdb"), "CDP_ENGINE": "postgres"})


def test_the_engine_and_the_lake_reach_dbt(tmp_path, monkeypatch):
    # export_settings writes the process's environment: monkeypatch puts every one back
    for name in ("CDP_ENGINE", "CDP_LAKE_DIR", "CDP_SPARK_METASTORE", "CDP_WAREHOUSE", "CDP_LANDING_DIR", "CDP_CONFIG"):
        monkeypatch.setenv(name, os.environ.get(name, ""))
    export_settings(load_settings({"CDP_WAREHOUSE": str(tmp_path / "w.duckdb"), "CDP_ENGINE": "spark",
                                   "CDP_LAKE_DIR": str(tmp_path / "elsewhere")}))
    assert os.environ["CDP_ENGINE"] == "spark"
    assert os.environ["CDP_LAKE_DIR"] == str(tmp_path / "elsewhere")
    assert os.environ["CDP_SPARK_METASTORE"] == str(tmp_path / "spark_metastore")


def _config_with_engine(tmp_path, engine: str) -> dict[str, str]:
    config = tmp_path / "cdp.yml"
    config.write_text((REPO / "cdp.yml").read_text() + f"\nengine: {engine}\n")
    return {"CDP_WAREHOUSE": str(tmp_path / "w.duckdb"), "CDP_CONFIG": str(config)}


def test_cdp_yml_names_the_engine_and_cdp_engine_wins(tmp_path):
    environ = _config_with_engine(tmp_path, "Spark")
    assert load_settings(environ).engine == "spark"
    assert load_config(Path(environ["CDP_CONFIG"])).engine == "spark"
    assert load_settings({**environ, "CDP_ENGINE": "duckdb"}).engine == "duckdb"
    # no `engine:` in the shipped file: the default
    assert load_settings({"CDP_WAREHOUSE": str(tmp_path / "w.duckdb"), "CDP_CONFIG": str(REPO / "cdp.yml")}).engine == "duckdb"


def test_a_bad_engine_in_cdp_yml_names_the_file_and_the_key(tmp_path):
    environ = _config_with_engine(tmp_path, "postgres")
    with pytest.raises(SettingsError, match=r"cdp\.yml: engine: 'postgres' is not one of duckdb, spark"):
        load_settings(environ)
    with pytest.raises(ConfigError, match="engine: Input should be 'duckdb' or 'spark'"):
        load_config(Path(environ["CDP_CONFIG"]))
    # CDP_ENGINE set: the file's value is not consulted for this run, and the config check still names it
    assert load_settings({**environ, "CDP_ENGINE": "duckdb"}).engine == "duckdb"
