"""The Dagster instance `cdp` runs on: Dagster's own SQLite storage, with connections kept open.

Dagster's SQLite event log opens a new engine and connection for every call: every event
a run logs (each asset materialization, check evaluation and log line) opened the run's
database, and the cross-run index database again for asset and check events, then
closed them. A `cdp run` logs several hundred events, and those openings cost more than
the rest of a 1% day's orchestration (bench/HISTORY.md). This storage writes the same
tables of the same files, so the UI, `dagster` commands and older instances read them as
before; it only keeps a few connections open for the process's life.

Kept open, a connection leaves each commit in the database's write-ahead log, where the
UI's watch of a live run (a file watch on the run's database) would not see it; the
watch here also follows the log file. Commits are written to the log without waiting for
the disk (`synchronous=NORMAL`, the setting SQLite advises for write-ahead logs): a
killed process loses nothing, a machine that loses power loses at most the last events.

`orchestration/dagster.yaml` names `CdpInstance` (`instance_class`); `cdp` and `make dev`
add that setting to an existing instance's dagster.yaml (orchestration/instance_settings.py).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster import DagsterInstance
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
    SqliteEventLogStorageWatchdog,
)
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool
from watchdog.observers import Observer

# Run databases kept open besides the index: a run writes to its own, the UI may read
# several; the least recently used beyond this many are closed.
OPEN_RUN_SHARDS = 8


def _write_ahead_without_waiting(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class KeptOpenSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage whose connections stay open: one per database file (the
    index and the most recently used runs), used under the storage's lock as before."""

    def __init__(self, base_dir: str, inst_data: Any = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data: Any, config_value: Any) -> KeptOpenSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        """The shard's engine (called holding the storage's lock, so no connection is in use)."""
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        # one connection for the file, shared across threads: it is only used under the
        # storage's lock, as Dagster's own storage uses its connections
        engine = create_engine(
            self.conn_string_for_shard(shard),
            poolclass=StaticPool,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        sqlalchemy_event.listen(engine, "connect", _write_ahead_without_waiting)
        self._engines[shard] = engine
        runs = [name for name in self._engines if name != INDEX_SHARD_NAME]
        for name in runs[:-OPEN_RUN_SHARDS]:
            self._engines.pop(name).dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn:
                with conn.begin():
                    yield conn

    def _close_all(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._close_all()  # the files are deleted
        super().wipe()

    def upgrade(self) -> None:
        self._close_all()
        super().upgrade()

    def dispose(self) -> None:
        super().dispose()
        self._close_all()

    def watch(self, run_id: str, cursor: str | None, callback: Any) -> None:
        if not self._obs:
            self._obs = Observer()
            self._obs.start()
        watchdog = _RunLogWatchdog(self, run_id, callback, cursor)
        self._watchers[run_id][callback] = (watchdog, self._obs.schedule(watchdog, self._base_dir, recursive=True))


class _RunLogWatchdog(SqliteEventLogStorageWatchdog):
    """Dagster's watch of a run's database, which also reads on a change of its
    write-ahead log (where a kept-open connection's commits go until a checkpoint)."""

    @property
    def patterns(self) -> list[str]:
        return [self._log_path, f"{self._log_path}-wal"]

    def on_modified(self, event: Any) -> None:
        self._process_log()


class CdpInstance(DagsterInstance):
    """A DagsterInstance whose SQLite event log keeps its connections open; any other
    event log storage (Postgres, a custom one) is used as configured."""

    def __init__(self, *args: Any, event_storage: Any, **kwargs: Any):
        if type(event_storage) is SqliteEventLogStorage:
            event_storage = KeptOpenSqliteEventLogStorage(event_storage._base_dir, inst_data=event_storage.inst_data)
        super().__init__(*args, event_storage=event_storage, **kwargs)

    # Dagster asks a custom instance class for its settings and defaults: it has none of its own
    @classmethod
    def config_schema(cls) -> dict:
        return {}

    config_defaults = staticmethod(InstanceRef.config_defaults)
