"""`cdp serve` as a real process on a loopback port, for tests that talk HTTP to it."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.conftest import CDP, REPO, Workspace

WRITE_KEY = "test-write-key-4f1c"
READ_KEY = "test-read-key-9a2e"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    log: Path

    def post(self, path: str, body: bytes | str | dict, key: str | None = WRITE_KEY, **headers: str) -> requests.Response:
        auth = (key, "") if key is not None else None
        if isinstance(body, dict):
            return requests.post(self.url + path, json=body, auth=auth, headers=headers, timeout=30)
        return requests.post(self.url + path, data=body, auth=auth, headers=headers, timeout=30)

    def get(self, path: str, key: str | None = READ_KEY, **params: str) -> requests.Response:
        auth = (key, "") if key is not None else None
        return requests.get(self.url + path, auth=auth, params=params, timeout=30)

    def stop(self) -> None:
        """SIGTERM: uvicorn finishes requests, then the open file is closed for landing."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=60)

    def log_text(self) -> str:
        return self.log.read_text()


def start_server(workspace: Workspace, log_name: str = "serve.log", **env: str) -> Server:
    port = free_port()
    log = workspace.root / log_name
    keys = {"CDP_WRITE_KEYS": WRITE_KEY, "CDP_READ_KEYS": READ_KEY, **env}
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(CDP), "serve", "--port", str(port)], cwd=REPO, env=workspace.env(**keys), stdout=out, stderr=out
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"cdp serve exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(server.url + "/", timeout=2).status_code == 200:
                return server
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"cdp serve did not get ready:\n{log.read_text()[-3000:]}")
