"""Benchmark: from a new visitor's identify to their profile on the profile API.

    .venv/bin/python -m bench.collector_freshness --people 400

A workspace gets the sample data (`--people`) and one `cdp run`. Then `dagster-daemon`
runs the project's workspace (the landing sensor, as `make dev` runs it) and `cdp serve`
the shipped cdp.yml. Once the daemon's first run (the sensor finds the sample files,
which it has not seen) is over and served, a new visitor is identified over the
tracking API and the profile API is asked for them twice a second until it answers.
Reported: the total, and when the collector closed the file (`server.roll_seconds`),
the sensor started a run (it looks every minute), the run published, and the server
served the new snapshot (`server.snapshot_check_seconds`, then indexing it).
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from bench.http_load import CDP, start_serve
from ingestion.sample_data import generate_landing

REPO = Path(__file__).resolve().parents[1]
WRITE_KEY, READ_KEY = "bench-write-key", "bench-read-key"


def _basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


def _status(port: int, method: str, path: str, body: bytes | None = None, key: str = READ_KEY) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body, _basic(key))
    answer = connection.getresponse()
    answer.read()
    return answer.status


def _sensor_runs(instance) -> list:
    from dagster import RunsFilter

    return instance.get_runs(filters=RunsFilter(tags={"cdp/trigger": "new_landing_files"}))


def _wait(what: str, condition, timeout: float = 900, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(every)
    raise TimeoutError(f"waited {timeout:.0f} s for {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=400)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cdp-freshness-bench-") as work:
        root = Path(work)
        env = {
            "CDP_WAREHOUSE": str(root / "warehouse.duckdb"), "CDP_LANDING_DIR": str(root / "landing"),
            "CDP_CONFIG": str(REPO / "cdp.yml"), "DAGSTER_HOME": str(root / "dagster_home"),
            "CDP_WRITE_KEYS": WRITE_KEY, "CDP_READ_KEYS": READ_KEY,
        }
        os.environ.update(env)
        generate_landing(root / "landing", people_count=args.people, seed=3)
        subprocess.run([str(CDP), "run"], cwd=REPO, env=os.environ, check=True, capture_output=True)
        serving = start_serve(env, root / "serve.log")
        daemon_log = (root / "daemon.log").open("wb")
        daemon = subprocess.Popen([str(CDP.with_name("dagster-daemon")), "run", "-w", "workspace.yaml"],
                                  cwd=REPO, env=os.environ, stdout=daemon_log, stderr=daemon_log)
        from dagster import DagsterInstance

        try:
            with DagsterInstance.get() as instance:
                first = _wait("the sensor's first run", lambda: [r for r in _sensor_runs(instance) if r.is_finished])
                published = root / "published" / "manifest.json"
                first_run_id = json.loads(published.read_text())["run_id"]
                assert first[0].run_id == first_run_id, "the first sensor run did not publish"
                time.sleep(5)  # the server swaps to that snapshot

                visitor = f"fresh-{int(time.time())}"
                event = {"userId": visitor, "traits": {"email": f"{visitor}@freshness.dev", "firstName": "Fresh"}}
                sent = time.monotonic()
                assert _status(serving.port, "POST", "/v1/identify", json.dumps(event).encode(), WRITE_KEY) == 200
                marks: dict[str, float] = {}
                events_dir = root / "landing" / "events"
                while _status(serving.port, "GET", f"/v1/profiles/user_id/{visitor}") != 200:
                    now = time.monotonic() - sent
                    if "file closed" not in marks and list(events_dir.glob("collector-*.jsonl")):
                        marks["file closed"] = now
                    if "run started" not in marks and len(_sensor_runs(instance)) > len(first):
                        marks["run started"] = now
                    if "published" not in marks and json.loads(published.read_text())["run_id"] != first_run_id:
                        marks["published"] = now
                    time.sleep(0.5)
                marks["served"] = time.monotonic() - sent
        finally:
            daemon.terminate()
            daemon.wait(timeout=120)
            serving.stop()

    parts = ", ".join(f"{name} at {seconds:.0f} s" for name, seconds in marks.items())
    print(f"a new visitor's profile was served {marks['served']:.0f} s after their identify ({parts}); "
          f"sample of {args.people:,} people")


if __name__ == "__main__":
    main()
