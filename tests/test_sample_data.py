"""The bundled sample data: a year up to the run's clock, the same world for a seed."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta

from ingestion.sample_data import generate_landing


def event_times(landing) -> list[datetime]:
    times = []
    for path in sorted((landing / "events").iterdir()):
        text = gzip.decompress(path.read_bytes()).decode() if path.suffix == ".gz" else path.read_text()
        for line in text.splitlines():
            try:
                times.append(datetime.fromisoformat(json.loads(line)["timestamp"].removesuffix("Z")))
            except (ValueError, KeyError):
                continue  # the sample's malformed line
    return times


def test_the_sample_ends_at_the_given_now_and_shifts_with_it(tmp_path):
    now = datetime(2027, 3, 15)
    generate_landing(tmp_path / "a", people_count=30, seed=2, now=now)
    generate_landing(tmp_path / "b", people_count=30, seed=2, now=now + timedelta(days=40))
    a, b = event_times(tmp_path / "a"), event_times(tmp_path / "b")
    assert now - timedelta(days=1) <= max(a) <= now and min(a) >= now - timedelta(days=367)
    # the same world, 40 days later: every time moved by exactly that
    assert [t + timedelta(days=40) for t in a] == b


def test_without_a_now_the_sample_ends_today(tmp_path):
    generate_landing(tmp_path, people_count=10, seed=2)
    latest = max(event_times(tmp_path))
    assert datetime.now() - timedelta(days=2) <= latest <= datetime.now()
