"""Dagster's SQLite event log, with one connection per database instead of one per event.

A run of warehouse_job writes about 4,100 events for the county tier (every dbt model and
test, every plan target's check, each planned before the run starts). Dagster's own
`SqliteEventLogStorage` creates a new SQLAlchemy engine, opens the database and commits with a
full fsync for each one. On the 2-core machine the county job took 66.7 s with it, 54.7 s with
DAGSTER_HOME on tmpfs (no fsync) and 45.8 s with this storage. It keeps what Dagster writes and
where (the same files, tables and schema), and changes only how it connects:

- one engine (and one open connection) per database file, reused by the process, for at most
  MAX_OPEN databases at a time (the web UI reads many runs' files);
- SQLite's `synchronous = NORMAL` in the WAL mode Dagster already sets: a commit is durable
  when the process dies (kill -9, the OOM killer), and only an operating-system crash can lose
  the last few events of a run, which never corrupts the database;
- each stored event touches `<run>.db` after its commit: Dagster's watcher (the web UI's live
  view of a run) wakes when that file changes, and with the connection held open a commit
  changes only `<run>.db-wal` (`<run>.db` itself changes at a checkpoint).

`orchestration/dagster.yaml` names it as the instance's `event_log_storage`; runs and schedules
stay in Dagster's default SQLite storages. Only a Dagster instance imports this module.
"""

from __future__ import annotations

import contextlib
import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from dagster import Field, StringSource
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

MAX_OPEN = 8


def _normal_sync(dbapi_connection, _record) -> None:
    dbapi_connection.execute("pragma synchronous = normal")


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log (per-run files and an index), one pooled connection per file.

    Configured with `base_dir` like Dagster's; without it, `$DAGSTER_HOME/history/runs`, the
    folder Dagster's default uses, so switching to this storage keeps the run history."""

    def __init__(self, base_dir: str, inst_data=None) -> None:
        # (set first: Dagster's constructor already connects to the index database)
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data)

    @classmethod
    def config_type(cls):
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        base_dir = config_value.get("base_dir")
        if not base_dir:
            home = os.environ.get("DAGSTER_HOME")
            if not home:
                raise ValueError(
                    "The event log storage of orchestration/dagster.yaml keeps Dagster's run "
                    "history in $DAGSTER_HOME/history/runs, and DAGSTER_HOME is not set: set it "
                    "to the folder of that dagster.yaml (or give the storage a base_dir)."
                )
            base_dir = os.path.join(home, "history", "runs")
        return cls(base_dir, inst_data)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.pop(shard, None)
        if engine is None:
            url = self.conn_string_for_shard(shard)
            timeout = {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}  # as Dagster's storages wait
            if shard not in self._initialized_dbs:
                # Dagster's schema set-up opens a second connection while holding one
                setup = create_engine(url, poolclass=NullPool, connect_args=timeout)
                self._initdb(setup)
                setup.dispose()
                self._initialized_dbs.add(shard)
            engine = create_engine(url, pool_size=1, max_overflow=0, connect_args=timeout)
            event.listen(engine, "connect", _normal_sync)
        self._engines[shard] = engine  # most recently used last
        while len(self._engines) > MAX_OPEN:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
            yield conn

    def upgrade(self) -> None:
        self._dispose_engines()
        super().upgrade()

    def wipe(self) -> None:
        self._dispose_engines()
        super().wipe()

    def dispose(self) -> None:
        super().dispose()  # stops the watchers first: they read through the engines
        self._dispose_engines()

    def store_event(self, event) -> None:
        super().store_event(event)
        # the run's file changes for its watchers once the event is committed and readable
        with contextlib.suppress(FileNotFoundError):
            os.utime(self.path_for_shard(event.run_id))

    def _dispose_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()
