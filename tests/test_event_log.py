"""The Dagster instance cdp runs on: its settings reach old and new homes, and its event
log with connections kept open records every event of a run as Dagster's own storage reads it."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter

import dagster as dg
import yaml
from dagster import DagsterEventType, DagsterInstance
from dagster._core.events.log import EventLogEntry
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from orchestration.event_log import CdpInstance, KeptOpenSqliteEventLogStorage
from orchestration.instance_settings import TEMPLATE, install_instance_settings

# a home made before the instance class: the template as it was, without a final newline
OLD_SETTINGS = "concurrency:\n  pools:\n    default_limit: 1\n  runs:\n    max_concurrent_runs: 1\ntelemetry:\n  enabled: false"


class OwnInstance(DagsterInstance):
    """A team's own instance class (Dagster's plain one cannot be named)."""

    @classmethod
    def config_schema(cls) -> dict:
        return {}

    config_defaults = staticmethod(InstanceRef.config_defaults)


def test_a_new_home_gets_the_project_settings(tmp_path):
    home = install_instance_settings(tmp_path / "home")
    assert (home / "dagster.yaml").read_text() == TEMPLATE.read_text()
    with DagsterInstance.from_config(str(home)) as instance:
        assert type(instance) is CdpInstance
        assert type(instance.event_log_storage) is KeptOpenSqliteEventLogStorage


def test_an_existing_home_gets_the_instance_class_added_and_keeps_its_settings(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(OLD_SETTINGS)
    install_instance_settings(home)
    text = (home / "dagster.yaml").read_text()
    assert text.startswith(OLD_SETTINGS + "\n")
    settings = yaml.safe_load(text)
    assert settings["instance_class"] == {"module": "orchestration.event_log", "class": "CdpInstance"}
    assert settings["concurrency"] == yaml.safe_load(OLD_SETTINGS)["concurrency"]
    install_instance_settings(home)  # once is enough
    assert (home / "dagster.yaml").read_text() == text
    with DagsterInstance.from_config(str(home)) as instance:
        assert type(instance) is CdpInstance
        assert type(instance.event_log_storage) is KeptOpenSqliteEventLogStorage
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1


def test_a_home_with_an_instance_class_of_its_own_keeps_it(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    own = "instance_class:\n  module: tests.test_event_log\n  class: OwnInstance\n"
    (home / "dagster.yaml").write_text(own)
    install_instance_settings(home)
    assert (home / "dagster.yaml").read_text() == own
    with DagsterInstance.from_config(str(home)) as instance:
        assert type(instance) is OwnInstance
        assert type(instance.event_log_storage) is SqliteEventLogStorage


def test_every_event_of_a_cdp_run_is_recorded_and_read_back(workspace):
    """The sample `cdp run` (conftest): its events, read through the kept-open storage and
    through Dagster's own on the same files, are the same, and hold every planned asset's
    materialization, the checks, the run's log lines and its success."""
    home = workspace.root / "dagster_home"
    with DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.event_log_storage) is KeptOpenSqliteEventLogStorage
        run = instance.get_runs()[-1]  # the fixture's, the first
        kept = instance.all_logs(run.run_id)
        planned = {e.dagster_event.asset_key for e in kept
                   if e.dagster_event_type == DagsterEventType.ASSET_MATERIALIZATION_PLANNED}
        materialized = {e.dagster_event.asset_key for e in kept if e.dagster_event_type == DagsterEventType.ASSET_MATERIALIZATION}
        checked = [e.dagster_event.asset_check_evaluation_data.asset_check_key for e in kept
                   if e.dagster_event_type == DagsterEventType.ASSET_CHECK_EVALUATION]
        # the cross-run index (what the UI's asset pages read) has them too
        for key in materialized:
            records = instance.fetch_materializations(key, limit=100).records
            assert run.run_id in {r.run_id for r in records}, key
        for check_key in checked:
            history = instance.event_log_storage.get_asset_check_execution_history(check_key, limit=100)
            assert run.run_id in {r.run_id for r in history}, check_key
        records = instance.event_log_storage.get_records_for_run(run.run_id, limit=100_000).records
    own = SqliteEventLogStorage(str(home / "history" / "runs"))  # Dagster's own, on the same files
    own_records = own.get_records_for_run(run.run_id, limit=100_000).records
    assert [(r.storage_id, r.event_log_entry) for r in own_records] == [(r.storage_id, r.event_log_entry) for r in records]
    assert len(own_records) == len(kept)
    types = Counter(e.dagster_event_type for e in kept)
    assert types[DagsterEventType.RUN_SUCCESS] == 1
    assert len(planned) > 50 and materialized == planned
    assert len(checked) > 50
    assert any(not e.is_dagster_event and e.user_message.startswith("events: ") for e in kept)  # landing's log line


def _entry(run_id: str, message: str) -> EventLogEntry:
    return EventLogEntry(error_info=None, level=logging.INFO, user_message=message, run_id=run_id,
                         timestamp=time.time(), step_key=None, job_name="job", dagster_event=None)


def test_the_ui_watching_a_run_sees_each_event_as_another_process_writes_it(tmp_path):
    """The UI watches a run's database file; kept-open connections leave their commits in
    the write-ahead log beside it, which the watch follows too."""
    base = str(tmp_path / "runs")
    writer, watcher = KeptOpenSqliteEventLogStorage(base), KeptOpenSqliteEventLogStorage(base)
    writer.store_event(_entry("r1", "first"))
    seen: list[str] = []
    arrived = threading.Event()

    def callback(entry, cursor):
        seen.append(entry.user_message)
        if entry.user_message == "third":
            arrived.set()

    watcher.watch("r1", None, callback)
    try:
        time.sleep(0.5)  # the watch is set up
        writer.store_event(_entry("r1", "second"))
        writer.store_event(_entry("r1", "third"))
        assert arrived.wait(15), seen
        assert seen[-2:] == ["second", "third"]
    finally:
        watcher.end_watch("r1", callback)
        watcher.dispose()
        writer.dispose()


def test_a_job_run_twice_on_one_instance_records_both_runs(tmp_path):
    """Connections kept open across runs: each run's events land in its own database."""

    @dg.asset
    def one() -> dg.MaterializeResult:
        return dg.MaterializeResult(metadata={"n": 1})

    @dg.asset_check(asset=one)
    def one_is_fine() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=True)

    job = dg.Definitions(assets=[one], asset_checks=[one_is_fine]).resolve_implicit_global_asset_job_def()
    plain_home = tmp_path / "plain"
    plain_home.mkdir()
    (plain_home / "dagster.yaml").write_text(OLD_SETTINGS)
    with DagsterInstance.from_config(str(plain_home)) as plain:  # Dagster's own storage
        assert type(plain.event_log_storage) is SqliteEventLogStorage
        expected = Counter(e.dagster_event_type for e in plain.all_logs(job.execute_in_process(instance=plain).run_id))
    assert expected[DagsterEventType.ASSET_MATERIALIZATION] == expected[DagsterEventType.ASSET_CHECK_EVALUATION] == 1
    home = install_instance_settings(tmp_path / "home")
    with DagsterInstance.from_config(str(home)) as instance:
        runs = [job.execute_in_process(instance=instance) for _ in range(2)]
        for result in runs:
            assert Counter(e.dagster_event_type for e in instance.all_logs(result.run_id)) == expected
        latest = instance.get_latest_materialization_event(dg.AssetKey("one"))
        assert latest.run_id == runs[1].run_id
