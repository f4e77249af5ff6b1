"""Durable appends to the landing folder: a request is acknowledged only once its lines
are on disk.

One writer thread owns the open file. Requests hand it their bytes and wait; it takes
everything that is waiting, writes it with one write() and one fdatasync(), then wakes
them all: a group commit, so one sync serves every request that arrived during the last.

A file is written under a name the source's glob does not match (`collector-*.open`)
and closed by rename to `collector-*.jsonl`, then a sync of the folder, so the landing
step sees a whole file or none. Files roll when they reach `roll_bytes` or have been
open `roll_seconds`. Each open file holds an exclusive flock: at start, a file that no
process holds was left by a killed server; it is cut back to its last whole line (a
line cut short was never acknowledged) and closed the same way.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import takewhile
from pathlib import Path, PurePosixPath

log = logging.getLogger("cdp.server")

PREFIX = "collector-"
OPEN_SUFFIX = ".open"
CLOSED_SUFFIX = ".jsonl"


class SpoolBusy(Exception):
    """More is waiting for the disk than the server holds in memory: the client should retry."""


def _sync_folder(folder: Path) -> None:
    """A rename or a new name is durable only once its folder is synced."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _close_as_landed(fd: int, open_path: Path) -> Path:
    """Rename an open file to its closed name while still holding its lock, so no one
    ever finds an unlocked file under the open name that is not a leftover."""
    closed = open_path.with_name(open_path.name.removesuffix(OPEN_SUFFIX) + CLOSED_SUFFIX)
    os.rename(open_path, closed)
    _sync_folder(open_path.parent)
    os.close(fd)
    return closed


class _OpenFile:
    def __init__(self, folder: Path):
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self.path = folder / f"{PREFIX}{stamp}-{os.urandom(4).hex()}{OPEN_SUFFIX}"
        self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        _sync_folder(folder)
        self.size = 0
        self.opened = time.monotonic()

    def append(self, data: bytes) -> None:
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self.fd, view):]
            os.fdatasync(self.fd)
        except OSError:
            # cut a partial write back, so the file still ends with the last acknowledged line
            os.ftruncate(self.fd, self.size)
            raise
        self.size += len(data)

    def close(self) -> Path:
        return _close_as_landed(self.fd, self.path)


def _whole_lines_size(fd: int) -> int:
    """The length of the file up to and including its last newline."""
    end = os.fstat(fd).st_size
    position = end
    while position > 0:
        start = max(0, position - (1 << 20))
        chunk = os.pread(fd, position - start, start)
        newline = chunk.rfind(b"\n")
        if newline >= 0:
            return start + newline + 1
        position = start
    return 0


def recover_left_open(folder: Path) -> list[Path]:
    """Close the files a killed server left open; returns the files now landed."""
    landed = []
    for path in sorted(folder.glob(f"{PREFIX}*{OPEN_SUFFIX}")):
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # a running server's
            os.close(fd)
            continue
        size = _whole_lines_size(fd)
        if size == 0:
            path.unlink()
            _sync_folder(folder)
            os.close(fd)
            continue
        os.ftruncate(fd, size)
        os.fsync(fd)
        landed.append(_close_as_landed(fd, path))
    return landed


def spool_folder(landing_dir: Path, files_glob: str) -> Path:
    """The folder a source's glob reads (`events/*.jsonl*` -> events/), checked to match
    the collector's closed files and not its open ones."""
    fixed = takewhile(lambda part: not any(c in part for c in "*?["), PurePosixPath(files_glob).parts)
    folder = PurePosixPath(".", *fixed)
    closed = folder / f"{PREFIX}20260101T000000Z-00000000{CLOSED_SUFFIX}"
    opened = folder / f"{PREFIX}20260101T000000Z-00000000{OPEN_SUFFIX}"
    if not closed.match(files_glob) or opened.match(files_glob):
        raise ValueError(
            f"the collector writes {folder}/{PREFIX}*{CLOSED_SUFFIX} (and {OPEN_SUFFIX} while open), "
            f"which the source's files glob {files_glob!r} must match only once closed"
        )
    return landing_dir / folder


@dataclass
class _Waiting:
    data: bytes
    future: asyncio.Future


class Spool:
    """The collector's files in one folder, written by one thread."""

    def __init__(self, folder: Path, roll_bytes: int, roll_seconds: float, max_waiting_bytes: int = 64 << 20):
        self.folder = folder
        self.roll_bytes = roll_bytes
        self.roll_seconds = roll_seconds
        self.max_waiting_bytes = max_waiting_bytes
        self.files_closed = 0
        self._file: _OpenFile | None = None
        self._waiting: list[_Waiting] = []
        self._waiting_bytes = 0
        self._stopping = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="cdp-spool", daemon=True)

    def start(self) -> list[Path]:
        """Land what a killed server left open, then take appends; returns the files landed."""
        self.folder.mkdir(parents=True, exist_ok=True)
        recovered = recover_left_open(self.folder)
        self._thread.start()
        return recovered

    def stop(self) -> None:
        """Write what is waiting, close the open file, and end the writer."""
        with self._changed:
            self._stopping = True
            self._changed.notify()
        self._thread.join()

    async def append(self, data: bytes) -> None:
        """Returns once `data` is on disk; raises OSError when it could not be written."""
        future = asyncio.get_running_loop().create_future()
        with self._changed:
            if self._stopping:
                raise SpoolBusy("the server is stopping")
            if self._waiting_bytes + len(data) > self.max_waiting_bytes and self._waiting:
                raise SpoolBusy("too much is waiting for the disk")
            self._waiting.append(_Waiting(data, future))
            self._waiting_bytes += len(data)
            self._changed.notify()
        await future

    def _seconds_to_roll(self) -> float | None:
        if self._file is None:
            return None
        return self._file.opened + self.roll_seconds - time.monotonic()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._waiting and not self._stopping:
                    wait = self._seconds_to_roll()
                    if wait is not None and wait <= 0:
                        break
                    self._changed.wait(wait)
                taken, self._waiting = self._waiting, []
                self._waiting_bytes -= sum(len(w.data) for w in taken)
                stopping = self._stopping
            if taken:
                self._commit(taken)
            due = self._seconds_to_roll()
            if self._file is not None and (stopping or self._file.size >= self.roll_bytes or (due is not None and due <= 0)):
                self._roll()
            if stopping and not taken:
                return

    def _commit(self, taken: list[_Waiting]) -> None:
        error: OSError | None = None
        try:
            if self._file is None:
                self._file = _OpenFile(self.folder)
            self._file.append(b"".join(w.data for w in taken))
        except OSError as exc:
            error = exc
            log.error("could not write to %s: %s", self.folder, exc.strerror or type(exc).__name__)
            self._roll()
        loop = taken[0].future.get_loop()
        loop.call_soon_threadsafe(_settle, [w.future for w in taken], error)

    def _roll(self) -> None:
        file, self._file = self._file, None
        if file is None:
            return
        try:
            if file.size == 0:
                file.path.unlink()
                os.close(file.fd)
            else:
                file.close()
                self.files_closed += 1
        except OSError as exc:  # the next start closes it
            log.error("could not close %s: %s", file.path.name, exc.strerror or type(exc).__name__)


def _settle(futures: list[asyncio.Future], error: OSError | None) -> None:
    for future in futures:
        if future.done():  # the client went away
            continue
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)
