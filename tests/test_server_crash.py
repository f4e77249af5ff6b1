"""SIGKILL during load: nothing acknowledged is lost, and what clients send again lands once."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter

import requests

from tests.conftest import make_workspace
from tests.server_process import WRITE_KEY, start_server

CLIENTS = 4
BATCHES = 30
BATCH_SIZE = 50


def _client(number: int, target: dict, acknowledged: list[str]) -> None:
    """Sends its batches in order; a batch that got no 200 is sent again, same messageIds,
    as Segment's clients do."""
    session = requests.Session()
    for batch_number in range(BATCHES):
        batch = [
            {"type": "track", "userId": f"crash-user-{number}-{i % 5}", "event": "Load",
             "messageId": f"crash-{number}-{batch_number}-{i}"}
            for i in range(BATCH_SIZE)
        ]
        while True:
            try:
                answer = session.post(target["url"] + "/v1/batch", json={"batch": batch}, auth=(WRITE_KEY, ""), timeout=10)
                if answer.status_code == 200:
                    acknowledged.extend(m["messageId"] for m in batch)
                    break
            except requests.RequestException:
                session = requests.Session()
            time.sleep(0.05)


def _landed_lines(events_dir) -> Counter:
    return Counter(
        json.loads(line)["messageId"]
        for path in events_dir.glob("collector-*")
        for line in path.read_text().splitlines()
        if line.endswith("}")  # a killed server may leave a cut line: never acknowledged
    )


def test_a_killed_server_loses_nothing_it_acknowledged_and_retries_land_once(tmp_path):
    workspace = make_workspace(tmp_path)
    server = start_server(workspace)
    target = {"url": server.url}
    acknowledged: list[str] = []
    clients = [threading.Thread(target=_client, args=(n, target, acknowledged)) for n in range(CLIENTS)]
    for client in clients:
        client.start()
    total = CLIENTS * BATCHES * BATCH_SIZE
    while len(acknowledged) < total // 3:
        time.sleep(0.01)
    server.kill()

    events_dir = workspace.landing / "events"
    acknowledged_before = set(acknowledged)  # the server is dead: nothing more is acknowledged
    assert list(events_dir.glob("*.open")), "the kill should leave the open file behind"
    assert acknowledged_before <= set(_landed_lines(events_dir))

    restarted = start_server(workspace, "serve_restarted.log")
    target["url"] = restarted.url
    for client in clients:
        client.join(timeout=300)
    restarted.stop()
    assert "left open by a server that stopped without closing it" in restarted.log_text()
    assert len(set(acknowledged)) == total

    landed = _landed_lines(events_dir)
    assert set(landed) == set(acknowledged)
    run = workspace.cdp("run")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    counts = workspace.query(
        "select count(*), count(distinct message_id) from cdp.events where message_id like 'crash-%'"
    )[0]
    assert counts == (total, total)
    print(f"{sum(landed.values()) - total} events were written twice (sent again after the kill); each is in cdp.events once")
