"""The scheduler's side: the landing sensor, transient-error retries, and a killed run."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time

import dagster as dg
import pytest

from core.config import load_config
from core.settings import Settings, load_settings
from ingestion.sample_data import generate_landing
from orchestration.retries import is_transient
from orchestration.sensors import build_landing_sensor
from tests.conftest import CDP, REPO, make_workspace


def test_the_sensor_requests_a_run_only_when_files_change(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    monkeypatch.setenv("CDP_LANDING_DIR", str(landing))
    sensor = build_landing_sensor(load_config(REPO / "cdp.yml"), load_settings())
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance)
        assert isinstance(sensor(context), dg.SkipReason)  # no landing folder yet

        (landing / "crm").mkdir(parents=True)
        (landing / "crm" / "contacts.csv").write_text("contact_id,email\nc1,a@mail.org\n")
        (landing / "crm" / "notes.txt").write_text("not a source file")
        request = sensor(context)
        assert isinstance(request, dg.RunRequest)
        assert request.tags["cdp/trigger"] == "new_landing_files"
        assert request.tags["cdp/landing_files"] == "1"

        context = dg.build_sensor_context(instance=instance, cursor=context.cursor)
        assert isinstance(sensor(context), dg.SkipReason)  # nothing new

        (landing / "crm" / "contacts_2.csv").write_text("contact_id,email\nc2,b@mail.org\n")
        assert isinstance(sensor(context), dg.RunRequest)


def test_the_sensor_starts_no_run_on_its_first_tick_for_files_already_landed(workspace, tmp_path):
    """A new `dagster dev`: its sensor has no cursor yet, but the warehouse holds the files."""
    landing = tmp_path / "landing"
    shutil.copytree(workspace.landing, landing)  # the same names, sizes and times
    settings = Settings(warehouse=workspace.warehouse, landing_dir=landing, config_path=REPO / "cdp.yml")
    sensor = build_landing_sensor(load_config(REPO / "cdp.yml"), settings)
    with dg.DagsterInstance.from_config(str(workspace.root / "dagster_home")) as instance:
        assert isinstance(sensor(dg.build_sensor_context(instance=instance)), dg.SkipReason)
        (landing / "crm" / "contacts_new.csv").write_text("contact_id,email\nc9,new@mail.org\n")
        assert isinstance(sensor(dg.build_sensor_context(instance=instance)), dg.RunRequest)


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        # waited out by every step itself (core/warehouse_lock.py), not retried
        (Exception('IO Error: Could not set lock on file "w.duckdb": Conflicting lock is held'), False),
        (TimeoutError("read timed out"), True),
        (ConnectionError("reset"), True),
        (Exception("Failure in test unique_profiles_profile_id"), False),
        (ValueError("sources.crm_api.api: environment variable TOKEN is not set"), False),
    ],
)
def test_only_transient_errors_are_retried(error, transient):
    assert is_transient(error) is transient


# Identifiers of a source with no timestamp column (loyalty members) are first seen when
# they load, so seen-times differ between two warehouses whether or not a run was killed.
COMPARED = {
    "cdp.profiles": "select * exclude (first_seen_at, last_seen_at) from cdp.profiles",
    "cdp.profile_identifiers": "select * exclude (first_seen_at, last_seen_at) from cdp.profile_identifiers",
    "cdp.orders": "select * from cdp.orders",
    "cdp.pos_transactions": "select * from cdp.pos_transactions",
    "cdp.events": "select * exclude (loaded_at) from cdp.events",
    "cdp.rejected_rows": "select * exclude (loaded_at) from cdp.rejected_rows",
}


def fingerprint(workspace) -> dict[str, tuple]:
    return {
        name: workspace.query(f"select count(*), md5(coalesce(string_agg(r::varchar, '|' order by r::varchar), '')) from ({sql}) r")[0]
        for name, sql in COMPARED.items()
    }


def wait_for_step(dagster_home, step_key: str, timeout: float = 120) -> None:
    """Block until a run holds the warehouse pool slot in `step_key`."""
    deadline = time.monotonic() + timeout
    while not (dagster_home / "storage").exists():  # the victim creates its instance first
        assert time.monotonic() < deadline, "the run never started"
        time.sleep(0.2)
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        while time.monotonic() < deadline:
            claimed = instance.event_log_storage.get_concurrency_info("duckdb_warehouse").claimed_slots
            if any(slot.step_key == step_key for slot in claimed):
                return
            time.sleep(0.2)
    raise AssertionError(f"no run reached {step_key}")


@pytest.mark.parametrize("step_key", ["landing", "cdp_dbt_models"])
def test_a_run_killed_halfway_and_run_again_ends_as_an_uninterrupted_run(tmp_path, step_key):
    uninterrupted = make_workspace(tmp_path / "uninterrupted")
    interrupted = make_workspace(tmp_path / "interrupted")
    for workspace in (uninterrupted, interrupted):
        generate_landing(workspace.landing, people_count=300, seed=9)
    assert uninterrupted.cdp("run").returncode == 0

    victim = subprocess.Popen([str(CDP), "run"], cwd=REPO, env=interrupted.env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_step(interrupted.root / "dagster_home", step_key)
        time.sleep(0.5)
    finally:
        os.killpg(victim.pid, signal.SIGKILL)  # the run and its dbt child, as an OOM killer would
        victim.wait()
    result = interrupted.cdp("run")
    assert result.returncode == 0, result.stderr[-4000:]
    assert "was killed before it finished; marked failed and its pool slot freed" in result.stderr
    assert fingerprint(interrupted) == fingerprint(uninterrupted)
