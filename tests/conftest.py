"""Shared fixtures: a real landing folder, warehouse and Dagster home in a temporary folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml

from ingestion.sample_data import generate_landing

REPO = Path(__file__).resolve().parents[1]
CDP = Path(sys.executable).parent / "cdp"
SAMPLE_PEOPLE = 400


@dataclass
class Workspace:
    root: Path

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    def env(self, **overrides: str) -> dict[str, str]:
        env = {
            **os.environ,
            "CDP_WAREHOUSE": str(self.warehouse),
            "CDP_LANDING_DIR": str(self.landing),
            "CDP_CONFIG": str(REPO / "cdp.yml"),
            "DAGSTER_HOME": str(self.root / "dagster_home"),
        }
        env.update(overrides)
        return env

    def cdp(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(CDP), *args], cwd=REPO, env=self.env(**env), capture_output=True, text=True, timeout=900)

    def write_config(self, config: dict) -> str:
        """Write a changed cdp.yml beside the warehouse; returns its path for CDP_CONFIG."""
        path = self.root / "cdp.yml"
        path.write_text(yaml.safe_dump(config))
        return str(path)

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.sql(sql).fetchall()

    def scalar(self, sql: str):
        return self.query(sql)[0][0]


def shipped_config() -> dict:
    """The shipped cdp.yml as a dict, for a test to change one part of."""
    return yaml.safe_load((REPO / "cdp.yml").read_text())


def land(root: Path, config) -> "LandingStats":
    """Run the real landing dlt pipeline alone (no dbt, no Dagster) into root/w.duckdb."""
    from core.settings import Settings
    from ingestion.pipeline import run_landing

    settings = Settings(warehouse=root / "w.duckdb", landing_dir=root / "landing", config_path=REPO / "cdp.yml")
    return run_landing(settings, config).stats


def make_workspace(root: Path) -> Workspace:
    root.mkdir(parents=True, exist_ok=True)
    return Workspace(root)


def copy_project(checkout: Path) -> None:
    """The dbt project and `core` (which names the project's folder) copied into `checkout`,
    so runs with it on PYTHONPATH build, parse and keep their target folder there alone."""
    shutil.copytree(REPO / "core", checkout / "core", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "dbt_project", checkout / "dbt_project", ignore=shutil.ignore_patterns("target", "logs"))


def built_world(root: Path, people: int, seed: int) -> Workspace:
    """A generated world landed and built by one `cdp run`."""
    workspace = make_workspace(root)
    generate_landing(workspace.landing, people_count=people, seed=seed)
    result = workspace.cdp("run")
    assert result.returncode == 0, result.stderr[-4000:]
    return workspace


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> tuple[Workspace, subprocess.CompletedProcess]:
    """Sample data landed and `cdp run` once: the state most tests read."""
    workspace = make_workspace(tmp_path_factory.mktemp("sample"))
    generate_landing(workspace.landing, people_count=SAMPLE_PEOPLE, seed=11)
    result = workspace.cdp("run")
    return workspace, result


@pytest.fixture(scope="session")
def workspace(sample_run) -> Workspace:
    workspace, result = sample_run
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return workspace


# `make test` hands whole files to its two workers in collection order (--dist loadfile
# --no-loadscope-reorder). These files take minutes each; collected last, one of them kept
# a worker busy long after the other had finished, so they go first.
LONGEST_FIRST = (
    "test_spark_privacy.py",
    "test_privacy_kills.py",
    "test_spark_equivalence.py",
    "test_spark_steps.py",
    "test_server.py",
    "test_spark_kept_leftovers.py",
    "test_privacy.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
