"""Clear what a killed `cdp` process left behind on the Dagster instance.

A run killed mid-step (an OOM kill, a closed laptop) stays STARTED and keeps its
concurrency-pool slot, and with a pool of one every later run would wait for it
forever. `dagster dev`'s daemon watches its own runs; the `cdp` command has no daemon,
so it tags its runs with host and pid and, before starting, fails any such run whose
process is gone and frees its slots.
"""

from __future__ import annotations

import os
import socket

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

PID_TAG = "cdp/pid"
HOST_TAG = "cdp/host"
IN_PROGRESS = [DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]


def process_tags() -> dict[str, str]:
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def clear_stale_runs(instance: DagsterInstance) -> list[str]:
    """Fail this host's in-progress cdp runs whose process is gone; return their ids."""
    cleared = []
    host = socket.gethostname()
    for record in instance.get_run_records(RunsFilter(statuses=IN_PROGRESS, tags={HOST_TAG: host})):
        run = record.dagster_run
        pid = int(run.tags.get(PID_TAG, "0"))
        if pid and pid != os.getpid() and not _alive(pid):
            instance.report_run_failed(run, f"its process {pid} on {host} is gone (killed?)")
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
            cleared.append(run.run_id)
    return cleared
