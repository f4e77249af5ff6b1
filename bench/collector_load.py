"""Benchmark: events a second that `cdp serve` acknowledges, against appending the same
bytes to a file from one process.

    .venv/bin/python -m bench.collector_load --clients 8 --batch 100 --seconds 20

`cdp serve` runs on a loopback port over an empty landing folder; `--clients`
keep-alive connections (over two client processes on this same machine) each send
`/v1/batch` requests of `--batch` track events shaped as analytics-python builds them
(about 330 bytes each, unique messageIds), the next as soon as the last is answered.
Reported: acknowledged events a second, and the p50 and p99 time of a request.

The floor, measured in the same run on the same disk: one process appending the very
lines the server wrote, a batch at a time, each batch synced (the guarantee a 200
gives) and, as a ceiling for the bytes alone, not synced. The server syncs once for
every request that arrived during the previous sync, so it can pass the synced floor.
Afterwards the landed lines are counted: they must equal what was acknowledged.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import tempfile
import time
from pathlib import Path

from bench.disk import settle
from bench.http_load import run_load, start_serve

WRITE_KEY = "bench-write-key"
AUTH = "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode()


def batch_template(size: int) -> bytes:
    """A batch body whose messageIds carry the placeholder `#ID#`, filled in per request."""
    events = [
        {
            "type": "track",
            "userId": f"user-{i % 37}",
            "event": "Product Viewed",
            "properties": {"product_id": f"sku-{i}", "price": 19.99, "currency": "USD", "category": "shoes"},
            "context": {"library": {"name": "analytics-python", "version": "2.4.0"}},
            "integrations": {},
            "timestamp": "2026-12-06T12:00:00.000+00:00",
            "messageId": f"#ID#-{i}",
        }
        for i in range(size)
    ]
    return json.dumps({"batch": events, "sentAt": "2026-12-06T12:00:00.100+00:00"}).encode()


def _floor(lines: list[bytes], batch: int, folder: Path) -> tuple[float, float]:
    """Events a second appending `lines` a batch at a time: synced, and not synced."""
    rates = []
    for sync in (True, False):
        path = folder / f"floor-{sync}.jsonl"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        started = time.perf_counter()
        for i in range(0, len(lines), batch):
            os.write(fd, b"".join(lines[i:i + batch]))
            if sync:
                os.fdatasync(fd)
        os.fsync(fd)
        rates.append(len(lines) / (time.perf_counter() - started))
        os.close(fd)
        path.unlink()
    return rates[0], rates[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()

    template = batch_template(args.batch)

    def make(name: str, n: int):
        body = template.replace(b"#ID#", f"{name}-{n}".encode())
        return "POST", "/v1/batch", body, {"Authorization": AUTH, "Content-Type": "application/json"}

    with tempfile.TemporaryDirectory(prefix="cdp-collector-bench-") as work:
        root = Path(work)
        env = {"CDP_LANDING_DIR": str(root / "landing"), "CDP_WAREHOUSE": str(root / "warehouse.duckdb"),
               "CDP_WRITE_KEYS": WRITE_KEY, "CDP_READ_KEYS": ""}
        serving = start_serve(env, root / "serve.log")
        try:
            settle()
            result = run_load(serving, make, args.clients, args.seconds)
            rss = serving.rss_mb()
        finally:
            serving.stop()
        events_dir = root / "landing" / "events"
        lines = [line for path in sorted(events_dir.glob("collector-*.jsonl")) for line in path.read_bytes().splitlines(keepends=True)]
        files = len(list(events_dir.glob("collector-*.jsonl")))
        settle()
        synced, unsynced = _floor(lines, args.batch, root)

    events = result.per_second * args.batch
    print(f"cdp serve, {args.clients} clients, batches of {args.batch}, {args.seconds:.0f} s on {os.cpu_count()} cores:")
    print(f"  acknowledged {result.requests * args.batch:,} events: {events:,.0f} events/s "
          f"({result.per_second:,.0f} requests/s), p50 {result.percentile(50):.1f} ms, p90 {result.percentile(90):.1f} ms, "
          f"p99 {result.percentile(99):.1f} ms, max {result.percentile(100):.0f} ms; "
          f"{result.failed} failed; server RSS {rss:.0f} MB")
    print(f"  landed {len(lines):,} lines in {files} file(s)" + ("" if len(lines) == result.requests * args.batch else "  MISMATCH"))
    print(f"  floor, one process appending the same lines a batch at a time: synced {synced:,.0f} events/s "
          f"(server {events / synced:.2f}x), not synced {unsynced:,.0f} events/s (server {events / unsynced:.2f}x)")


if __name__ == "__main__":
    main()
