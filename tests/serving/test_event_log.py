"""The instance's event log (orchestration/serving/event_log.py): Dagster's SQLite files and
tables, written through one pooled connection per file, readable by another instance."""

from __future__ import annotations

import shutil
import sqlite3
import time

import pytest
from dagster import (
    AssetCheckResult,
    AssetKey,
    DagsterInstance,
    Definitions,
    asset,
    asset_check,
    define_asset_job,
)

from orchestration.serving import event_log
from tests.conftest import PROJECT_DIR


@asset
def upstream() -> int:
    return 1


@asset
def downstream(upstream: int) -> int:
    return upstream + 1


@asset_check(asset=downstream)
def downstream_is_two(downstream: int) -> AssetCheckResult:
    return AssetCheckResult(passed=downstream == 2)


@pytest.fixture
def home(tmp_path, monkeypatch):
    shutil.copy(PROJECT_DIR / "orchestration" / "dagster.yaml", tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    return tmp_path


def _run(instance: DagsterInstance):
    defs = Definitions(
        assets=[upstream, downstream],
        asset_checks=[downstream_is_two],
        jobs=[define_asset_job("two_assets")],
    )
    return defs.resolve_job_def("two_assets").execute_in_process(instance=instance)


def test_a_run_is_stored_where_dagster_stores_it_with_one_engine_per_file(home, monkeypatch):
    engines: list[str] = []
    real = event_log.create_engine

    def counting(url, **kwargs):
        engines.append(str(url))
        return real(url, **kwargs)

    monkeypatch.setattr(event_log, "create_engine", counting)
    with DagsterInstance.get() as instance:
        assert isinstance(instance.event_log_storage, event_log.PooledSqliteEventLogStorage)
        result = _run(instance)
        assert result.success
        run_id = result.run_id
        events = instance.all_logs(run_id)
        run_file = home / "history" / "runs" / f"{run_id}.db"
        # dozens of events, and the run's file was opened twice: Dagster's schema set-up, then
        # the one pooled engine every event went through
        assert len(events) > 20
        assert sum(run_id in url for url in engines) == 2
        with instance.event_log_storage.run_connection(run_id) as conn:
            assert conn.exec_driver_sql("pragma synchronous").scalar() == 1  # NORMAL
    assert run_file.exists()
    with sqlite3.connect(run_file) as db:
        assert db.execute("select count(*) from event_logs").fetchone()[0] == len(events)

    # another process's instance (the web UI's) reads the same history
    with DagsterInstance.get() as reader:
        assert len(reader.all_logs(run_id)) == len(events)
        materialised = reader.get_latest_materialization_event(AssetKey("downstream"))
        assert materialised is not None and materialised.run_id == run_id
        check = reader.event_log_storage.get_asset_check_execution_history(
            downstream_is_two.check_key, limit=1
        )
        assert check[0].run_id == run_id


def test_at_most_max_open_files_stay_open(home, monkeypatch):
    monkeypatch.setattr(event_log, "MAX_OPEN", 2)
    with DagsterInstance.get() as instance:
        runs = [_run(instance).run_id for _ in range(3)]
        storage = instance.event_log_storage
        assert len(storage._engines) == 2
        # a file closed in between is opened again, and its events are all there
        assert len(instance.all_logs(runs[0])) == len(instance.all_logs(runs[2]))


def test_without_dagster_home_opening_the_instance_says_what_to_set(home, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME")
    with pytest.raises(ValueError, match="DAGSTER_HOME is not set"):
        DagsterInstance.from_config(str(home))


def test_a_run_watched_live_sees_an_event_written_while_the_connection_stays_open(home):
    with DagsterInstance.get() as instance:
        run = instance.get_run_by_id(_run(instance).run_id)
        seen: list[str] = []

        def callback(entry, _cursor):
            seen.append(entry.message)

        instance.event_log_storage.watch(run.run_id, None, callback)
        try:
            # written through the run file's pooled connection, as a running job writes
            instance.report_engine_event("a step is still running", dagster_run=run)
            deadline = time.monotonic() + 10
            while "a step is still running" not in seen and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            instance.event_log_storage.end_watch(run.run_id, callback)
        assert "a step is still running" in seen
