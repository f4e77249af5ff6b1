"""Generate Segment-spec events at volume for the benchmarks: fast, deterministic, realistic shape."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

TYPES = ["page"] * 6 + ["track"] * 3 + ["identify"]


def write_events(folder: Path, count: int, files: int = 8, seed: int = 1, day: date | None = None) -> list[Path]:
    """Write `count` events over `files` JSONL files; people are about count / 11.

    Message ids carry the seed: a later day written with another seed holds new events,
    not re-sent copies of the first day's (which would tie two people to one record).
    The events fall in January to October 2026, or on `day` (a daily batch after that
    history: events spread over the whole history would each be a late arrival, and
    one seen before everything of its person gives the profile another first-seen
    identifier)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    people = max(1, count // 11)
    paths = []
    per_file = -(-count // files)
    written = 0
    for part in range(files):
        path = folder / f"events_{part:03d}.jsonl"
        paths.append(path)
        with open(path, "w", encoding="utf-8") as handle:
            lines = []
            for _ in range(min(per_file, count - written)):
                person = rng.randrange(people)
                kind = rng.choice(TYPES)
                event = {
                    "messageId": f"m-{seed}-{written:09d}",
                    "type": kind,
                    "anonymousId": f"a-{person}-{rng.randrange(2)}",
                    "timestamp": (
                        f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00Z"
                        if day is None else f"{day.isoformat()}T{rng.randint(0, 23):02d}:00:00Z"
                    ),
                    "context": {"ip": "10.0.0.1", "page": {"path": "/p", "url": "https://shop.example.org/p"}},
                }
                if kind == "identify":
                    event["userId"] = f"u-{person}"
                    event["traits"] = {"email": f"person{person}@mail.org", "firstName": "Sam"}
                elif kind == "track":
                    event["event"] = "Product Viewed"
                    event["properties"] = {"sku": f"sku-{rng.randrange(1000)}", "price": 9.99}
                lines.append(json.dumps(event))
                written += 1
            handle.write("\n".join(lines) + "\n")
    return paths
