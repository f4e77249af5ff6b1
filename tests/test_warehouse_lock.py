"""One locking policy for everything that opens the warehouse: another process holding it
(a BI tool, a `duckdb` shell, read-write or read-only) delays a run but never fails it
within the wait; held longer, the run stops with an error naming the holder's PID."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from core.settings import Settings
from core.warehouse_lock import WarehouseLocked, connect
from tests.conftest import CDP, REPO, Workspace, built_world
from tests.test_orchestration import wait_for_step

# Holds a connection to the file until killed; retries while someone else holds it
# (dbt, for one), so it holds it from the first moment it can.
HOLDER = """
import duckdb, sys, time
while True:
    try:
        con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read_only")
        break
    except duckdb.IOException:
        time.sleep(0.05)
print("held", flush=True)
time.sleep(float(sys.argv[3]))
"""


@contextmanager
def holding(path: Path, mode: str, seconds: float) -> Iterator[subprocess.Popen]:
    """Another process with a connection to `path` for `seconds` (then it exits)."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), mode, str(seconds)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.kill()
        holder.wait()


def test_a_connection_waits_out_another_process_lock(tmp_path):
    path = tmp_path / "w.duckdb"
    connect(path).close()
    with holding(path, "read_write", 1.5):
        started = time.monotonic()
        with connect(path, read_only=True, wait_seconds=30) as con:
            assert con.sql("select 42").fetchall() == [(42,)]
    assert time.monotonic() - started >= 1


@pytest.mark.parametrize("mode", ["read_write", "read_only"])
def test_a_lock_held_past_the_wait_is_an_error_naming_the_holder(tmp_path, mode):
    path = tmp_path / "w.duckdb"
    connect(path).close()
    with holding(path, mode, 60) as holder, pytest.raises(WarehouseLocked, match=f"PID {holder.pid}"):
        connect(path, wait_seconds=1)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Workspace:
    """A small world after one `cdp run`."""
    return built_world(tmp_path_factory.mktemp("locked"), people=60, seed=5)


def writers(workspace: Workspace, tmp_path: Path) -> dict:
    """Each thing a step does to the warehouse, on a copy of it."""
    from activation.export import sync_destination
    from activation.publish import publish
    from core.config import load_config
    from orchestration.dbt.build_inputs import BuildInputs, record_full_build
    from orchestration.dbt.identity_report import identity_metadata
    from orchestration.dbt.segment_report import segment_metadata
    from quality.runner import validate_query

    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(workspace.warehouse, warehouse)
    settings = Settings(warehouse=warehouse, landing_dir=workspace.landing, config_path=REPO / "cdp.yml",
                        lock_wait_seconds=30)
    destination = load_config(settings.config_path).destinations["crm_sync_back"]
    return {
        "record_full_build": lambda: record_full_build(warehouse, BuildInputs("inputs", {"model.cdp.events": "d"}), "run", 30),
        "export": lambda: sync_destination(settings, "crm_sync_back", destination, "run"),
        "publish": lambda: publish(settings, "run"),
        "quality_check": lambda: validate_query(warehouse, "profiles", "select * from cdp.profiles", [], lock_wait=30),
        "identity_report": lambda: identity_metadata(warehouse, None, 30),
        "segment_report": lambda: segment_metadata(warehouse, 30),
    }


@pytest.mark.parametrize("writer", ["record_full_build", "export", "publish", "quality_check", "identity_report",
                                    "segment_report"])
def test_each_step_waits_out_a_writer_holding_the_warehouse(built, tmp_path, writer):
    run = writers(built, tmp_path)[writer]
    with holding(tmp_path / "warehouse.duckdb", "read_write", 1.5):
        started = time.monotonic()
        run()
    assert time.monotonic() - started >= 1


def start_run(workspace: Workspace) -> subprocess.Popen:
    return subprocess.Popen([str(CDP), "run"], cwd=REPO, env=workspace.env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def read_until(run: subprocess.Popen, text: str) -> str:
    """The run's stderr up to the first line holding `text` (all of it if none does): the
    holder lets go only once the run has met the lock, however slow the machine."""
    seen = []
    for line in run.stderr:
        seen.append(line)
        if text in line:
            break
    return "".join(seen)


def test_a_run_waits_for_a_writer_holding_the_warehouse_as_it_starts(built):
    with holding(built.warehouse, "read_write", 600) as holder:
        run = start_run(built)
        # the run's first step to open the warehouse says so (privacy/requests, then landing)
        message = f"the warehouse {built.warehouse} is locked by PID {holder.pid}"
        seen = read_until(run, message)
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err[-4000:]
    assert message in seen


def test_a_run_waits_for_a_reader_that_arrives_while_dbt_runs(built):
    run = start_run(built)
    wait_for_step(built.root / "dagster_home", "cdp_dbt_models")
    with holding(built.warehouse, "read_only", 600) as holder:
        seen = read_until(run, f"is locked by PID {holder.pid}")
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err[-4000:]
    assert f"is locked by PID {holder.pid}" in seen


def test_a_lock_held_longer_than_the_wait_stops_the_run_naming_the_holder(built):
    before = built.query("select count(*), sum(lifetime_value) from cdp.profiles")
    with holding(built.warehouse, "read_only", 120) as holder:
        started = time.monotonic()
        result = built.cdp("run", CDP_LOCK_WAIT_SECONDS="2")
        assert time.monotonic() - started < 60
    assert result.returncode == 1
    (failure,) = [line for line in result.stderr.splitlines() if line.startswith("FAILED: ")]
    assert failure.startswith(f"FAILED: landing: core.warehouse_lock.WarehouseLocked: the warehouse {built.warehouse} "
                              f"is locked by PID {holder.pid}")
    assert "CDP_LOCK_WAIT_SECONDS" in failure
    # nothing was damaged: the next run, with the reader gone, succeeds on the same tables
    again = built.cdp("run")
    assert again.returncode == 0, again.stderr[-4000:]
    assert built.query("select count(*), sum(lifetime_value) from cdp.profiles") == before
