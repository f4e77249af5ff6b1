"""What the HTTP benchmarks share: `cdp serve` in a process of its own, and client
processes that keep requests going over keep-alive connections and time each answer."""

from __future__ import annotations

import http.client
import multiprocessing
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CDP = Path(sys.executable).parent / "cdp"

# A client's request: (method, path, body or None, headers) for the nth request of a thread.
Request = tuple[str, str, bytes | None, dict[str, str]]
MakeRequest = Callable[[str, int], Request]


@dataclass
class Serving:
    process: subprocess.Popen
    host: str
    port: int
    ready_seconds: float

    def rss_mb(self) -> float:
        with open(f"/proc/{self.process.pid}/status") as status:
            line = next(line for line in status if line.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=120)


def start_serve(env: dict[str, str], log: Path) -> Serving:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.perf_counter()
    with log.open("ab") as out:
        process = subprocess.Popen([str(CDP), "serve", "--port", str(port)], env={**os.environ, **env}, stdout=out, stderr=out)
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"cdp serve exited:\n{log.read_text()[-3000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/")
            if connection.getresponse().status == 200:
                return Serving(process, "127.0.0.1", port, time.perf_counter() - started)
        except OSError:
            time.sleep(0.1)


@dataclass
class LoadResult:
    requests: int
    failed: int
    seconds: float
    latencies_ms: np.ndarray

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if len(self.latencies_ms) else float("nan")


def _thread(host: str, port: int, make: MakeRequest, name: str, deadline: float, out: list) -> None:
    connection = http.client.HTTPConnection(host, port, timeout=30)
    n = 0
    while time.perf_counter() < deadline:
        method, path, body, headers = make(name, n)
        started = time.perf_counter()
        try:
            connection.request(method, path, body, headers)
            answer = connection.getresponse()
            answer.read()
            out.append((time.perf_counter() - started, answer.status))
        except (OSError, http.client.HTTPException):
            out.append((time.perf_counter() - started, 0))
            connection = http.client.HTTPConnection(host, port, timeout=30)
        n += 1


def _process(host: str, port: int, make: MakeRequest, name: str, threads: int, seconds: float, results) -> None:
    deadline = time.perf_counter() + seconds
    outs: list[list] = [[] for _ in range(threads)]
    workers = [threading.Thread(target=_thread, args=(host, port, make, f"{name}t{i}", deadline, outs[i])) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    results.put([item for out in outs for item in out])


def run_load(serving: Serving, make: MakeRequest, clients: int, seconds: float, processes: int = 2,
             answered: tuple[int, ...] = (200,)) -> LoadResult:
    """`clients` connections spread over `processes` client processes, each sending its
    next request as soon as the last one is answered, for `seconds`; a request counts
    when its status is one of `answered`."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    processes = min(processes, clients)
    per_process = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    started = time.perf_counter()
    children = [
        context.Process(target=_process, args=(serving.host, serving.port, make, f"p{i}", n, seconds, results))
        for i, n in enumerate(per_process)
    ]
    for child in children:
        child.start()
    answers = [item for _ in children for item in results.get()]
    for child in children:
        child.join()
    elapsed = time.perf_counter() - started
    ok = np.array([latency for latency, status in answers if status in answered]) * 1000
    return LoadResult(len(ok), len(answers) - len(ok), elapsed, ok)
