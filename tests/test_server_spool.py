"""The collector's files: invisible to landing until closed, rolled by size and age, and
closed at the last whole line when a killed server left them open."""

from __future__ import annotations

import asyncio
import fcntl
import os
import time
from pathlib import Path

from ingestion.file_source import matching_files
from server.spool import Spool, recover_left_open, spool_folder

EVENTS_GLOB = "events/*.jsonl*"  # the shipped cdp.yml's


def _append_all(spool: Spool, payloads: list[bytes]) -> None:
    async def send() -> None:
        await asyncio.gather(*(spool.append(p) for p in payloads))

    asyncio.run(send())


def test_a_file_matches_the_events_glob_only_once_it_is_closed(tmp_path):
    spool = Spool(spool_folder(tmp_path, EVENTS_GLOB), roll_bytes=1 << 20, roll_seconds=3600)
    spool.start()
    _append_all(spool, [b'{"a":1}\n', b'{"a":2}\n'])
    assert matching_files(tmp_path, EVENTS_GLOB) == []
    assert len(list(spool.folder.glob("collector-*.open"))) == 1  # acknowledged, on disk, not yet landable
    spool.stop()
    (closed,) = matching_files(tmp_path, EVENTS_GLOB)
    assert closed.read_bytes() == b'{"a":1}\n{"a":2}\n' and not list(spool.folder.glob("*.open"))


def test_files_roll_by_size_and_by_age(tmp_path):
    spool = Spool(tmp_path / "events", roll_bytes=100, roll_seconds=3600)
    spool.start()
    for _ in range(3):
        _append_all(spool, [b"x" * 60 + b"\n", b"y" * 60 + b"\n"])  # over 100 bytes: a file each
    spool.stop()
    assert len(list(spool.folder.glob("*.jsonl"))) == 3

    spool = Spool(tmp_path / "aged", roll_bytes=1 << 20, roll_seconds=0.3)
    spool.start()
    _append_all(spool, [b"z\n"])
    deadline = time.monotonic() + 10
    while not list(spool.folder.glob("*.jsonl")):  # no further append needed: the writer wakes for it
        assert time.monotonic() < deadline
        time.sleep(0.05)
    spool.stop()
    assert [p.read_bytes() for p in spool.folder.glob("*.jsonl")] == [b"z\n"]


def test_a_file_a_killed_server_left_open_is_cut_to_its_last_whole_line_and_closed(tmp_path):
    left = tmp_path / "collector-20260101T000000Z-0badf00d.open"
    left.write_bytes(b'{"ok":1}\n{"ok":2}\n{"cut sho')
    empty = tmp_path / "collector-20260101T000001Z-00000000.open"
    empty.write_bytes(b"")
    (landed,) = recover_left_open(tmp_path)
    assert landed.name == "collector-20260101T000000Z-0badf00d.jsonl"
    assert landed.read_bytes() == b'{"ok":1}\n{"ok":2}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == [landed.name]


def test_a_file_a_running_server_holds_is_left_alone(tmp_path):
    held = tmp_path / "collector-20260101T000000Z-12345678.open"
    held.write_bytes(b'{"ok":1}\n')
    fd = os.open(held, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        assert recover_left_open(tmp_path) == [] and held.exists()
    finally:
        os.close(fd)


def test_the_collectors_names_must_fit_the_sources_glob(tmp_path):
    assert spool_folder(Path("/landing"), "web/events/*.jsonl") == Path("/landing/web/events")
    for glob in ("events/segment_*.jsonl", "events/*"):
        try:
            spool_folder(tmp_path, glob)
        except ValueError as exc:
            assert "must match only once closed" in str(exc)
        else:
            raise AssertionError(f"{glob} was accepted")
