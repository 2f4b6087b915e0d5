"""Write-audit-publish: the serving warehouse is replaced atomically, old versions are kept for
rollback, a reader keeps the version it opened, and a broken row count blocks publishing."""

import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance

from orchestration.serving.publish import (
    NothingKept,
    ServingPaths,
    export_parquet,
    fresh_staging,
    publish,
    rollback,
    served_version,
    versions,
)
from tests.conftest import CORPUS_DIR

CORPUS_BASE = CORPUS_DIR / "_base"


def build(path: Path, value: int) -> Path:
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(f"create table marts.t as select {value} as v")
    return path


def read(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select v from marts.t").fetchone()[0]


def test_publish_replaces_atomically_keeps_versions_and_rolls_back(tmp_path):
    staging, serving = tmp_path / "staging.duckdb", tmp_path / "serving" / "warehouse.duckdb"
    publish(build(staging, 1), serving, keep=2)
    assert read(serving) == 1 and versions(serving) == []
    # a reader holding version 1 open is not disturbed by the next publish
    with duckdb.connect(str(serving), read_only=True) as reader:
        publish(build(staging, 2), serving, keep=2)
        assert reader.execute("select v from marts.t").fetchone() == (1,)
    assert read(serving) == 2
    publish(build(staging, 3), serving, keep=2)
    publish(build(staging, 4), serving, keep=2)
    assert read(serving) == 4
    assert [read(v) for v in versions(serving)] == [2, 3]  # only the newest two kept
    # each kept version is named by its own publish stamp, which the file itself records
    assert [v.name for v in versions(serving)] == [
        f"warehouse-{served_version(v)}.duckdb" for v in versions(serving)
    ]
    four = served_version(serving)
    rollback(serving)
    assert read(serving) == 3
    assert [read(v) for v in versions(serving)] == [2, 4]  # 4 kept under its own name
    assert versions(serving)[-1].name == f"warehouse-{four}.duckdb"
    assert not list(serving.parent.glob(".*.tmp"))


def test_a_run_starts_from_a_fresh_copy_of_the_published_warehouse(tmp_path):
    staging, serving = tmp_path / "staging.duckdb", tmp_path / "serving" / "warehouse.duckdb"
    assert "empty" in fresh_staging(staging, serving) and not staging.exists()
    publish(build(staging, 7), serving, keep=2)
    build(staging, 99)  # what a failed run left behind
    fresh_staging(staging, serving)
    assert read(staging) == 7


def test_the_serving_file_holds_marts_reference_and_meta_and_no_pupil_level_row(tmp_path):
    """Raw history (pupil-level rows with their pseudonymous keys), staging views and the
    quarantine stay in the owner-only internal warehouse, which the next run starts from."""
    staging, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "warehouse.duckdb"
    build(staging, 5)
    with duckdb.connect(str(staging)) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.pupils_history as select 'a1b2' as pupil_key, 2014 as birth_year"
        )
        con.execute("create table raw._quarantine as select 'G13' as value")
        con.execute(
            "create table raw._load_audit as select 'pupils' as extract, 'pupils/p.csv' as "
            "source_file, 'h' as file_hash, true as is_current, 1 as rows_loaded"
        )
        con.execute("create schema staging")
        con.execute("create view staging.stg_pupils as select * from raw.pupils_history")
        con.execute("create schema reference")
        con.execute("create table reference.regions as select '411303' as region_code")
        con.execute("create view marts.v as select v + 1 as w from marts.t")
    publish(staging, serving, keep=2, run_id="run-1")
    with duckdb.connect(str(serving), read_only=True) as con:
        tables = set(
            con.execute("select schema_name || '.' || table_name from duckdb_tables()").fetchall()
        )
        columns = {
            c
            for (c,) in con.execute(
                "select column_name from duckdb_columns() where database_name = current_database()"
            ).fetchall()
        }
        meta = con.execute("select version, run_id, source_digest from meta.published_version")
        version, run_id, digest = meta.fetchone()
    assert {t for (t,) in tables} == {
        "marts.t",
        "marts.v",
        "reference.regions",
        "meta.load_audit",
        "meta.published_version",
        "meta.published_tables",
    }
    assert not any(c.endswith("_key") for c in columns)
    assert run_id == "run-1" and digest and version == served_version(serving)
    internal = ServingPaths(serving).internal
    assert internal.stat().st_mode & 0o077 == 0  # owner only
    with duckdb.connect(str(internal), read_only=True) as con:
        assert con.execute("select count(*) from raw.pupils_history").fetchone() == (1,)


def test_rollback_without_a_kept_version_says_so(tmp_path):
    with pytest.raises(NothingKept, match="No earlier version is kept"):
        rollback(tmp_path / "warehouse.duckdb")


def test_a_broken_row_count_blocks_publishing(tmp_path, monkeypatch):
    """Rows go missing between load and check: the blocking check fails, dbt does not run and
    the serving warehouse is never written."""
    import orchestration.definitions as definitions
    import orchestration.definitions.raw as raw_layer

    landing = tmp_path / "landing"
    shutil.copytree(CORPUS_BASE, landing)
    monkeypatch.setenv("EDUWH_LANDING_DIR", str(landing))
    monkeypatch.setenv("EDUWH_WAREHOUSE_PATH", str(tmp_path / "staging.duckdb"))
    monkeypatch.setenv("EDUWH_DEMO", "1")
    real_load = raw_layer.load_landing

    def load_then_lose_a_row(warehouse, *args, **kwargs):
        run = real_load(warehouse, *args, **kwargs)
        with duckdb.connect(str(warehouse)) as con:
            con.execute("delete from raw.schools_history where _row_number = 2")
        return run

    monkeypatch.setattr(raw_layer, "load_landing", load_then_lose_a_row)
    job = definitions.defs.resolve_job_def("warehouse_job")
    result = job.execute_in_process(instance=DagsterInstance.ephemeral(), raise_on_error=False)
    checks = {(e.asset_key.path[-1], e.check_name): e for e in result.get_asset_check_evaluations()}
    failed = checks[("schools", "row_counts_match_audit")]
    assert not failed.passed
    assert "audit says 3 rows loaded, raw holds 2" in str(failed.metadata["problems"].value)
    materialized = {e.materialization.asset_key for e in result.get_asset_materialization_events()}
    assert AssetKey(["warehouse", "published"]) not in materialized
    assert not (tmp_path / "serving" / "warehouse.duckdb").exists()


def test_marts_are_exported_as_parquet_partitioned_by_year(tmp_path):
    serving = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(serving)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.by_year as "
            "select range as v, 2020 + range % 2 as year from range(10)"
        )
        con.execute("create table marts.flat as select 1 as v")
    exported = export_parquet(serving, tmp_path / "parquet")
    assert exported == {"by_year": 10, "flat": 1}
    assert sorted(p.name for p in (tmp_path / "parquet" / "by_year").iterdir()) == [
        "year=2020",
        "year=2021",
    ]
    with duckdb.connect() as con:
        back = con.execute(
            f"select count(*), sum(v) from read_parquet('{tmp_path}/parquet/by_year/*/*.parquet')"
        ).fetchone()
    assert back == (10, 45)


def test_a_missed_binding_target_is_an_error_and_the_run_still_publishes(tmp_path, monkeypatch):
    """The data are right and the region missed: the binding target's check fails with ERROR,
    and the serving warehouse is still replaced."""
    import dataclasses

    from dagster import AssetCheckSeverity

    import orchestration.definitions as definitions
    import orchestration.definitions.targets as targets_layer

    landing = tmp_path / "landing"
    shutil.copytree(CORPUS_BASE, landing)
    (landing / "funding").mkdir()
    (landing / "funding" / "funding_411303_2020.csv").write_text(
        "year,region_code,item_code,amount_yuan\n2020,411303,edu_general_budget,2350823764\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("EDUWH_LANDING_DIR", str(landing))
    monkeypatch.setenv("EDUWH_WAREHOUSE_PATH", str(tmp_path / "staging.duckdb"))
    monkeypatch.setenv("EDUWH_DEMO", "1")
    # one binding target, re-aimed at what this landing folder holds, set out of reach
    binding = next(t for t in targets_layer.PLAN_TARGETS if t.is_binding)
    unreachable = dataclasses.replace(
        binding,
        region_code="411303",
        indicator_id="edu_general_budget",
        target_year=2020,
        stage=None,
        comparator=">=",
        target_value=1e12,
        unit="yuan",
        plan_value=1e12,
        plan_unit="yuan",
    )
    assert unreachable.enforceable
    # the run validates the catalogue as it then is (seeds and landed plans), and the checks
    # are declared from PLAN_TARGETS: re-aim both
    built_in = [unreachable if t == binding else t for t in targets_layer.load_targets()]
    targets = [unreachable if t is binding else t for t in targets_layer.PLAN_TARGETS]
    monkeypatch.setattr(targets_layer, "load_targets", lambda: built_in)
    monkeypatch.setattr(targets_layer, "PLAN_TARGETS", targets)
    job = definitions.defs.resolve_job_def("warehouse_job")
    result = job.execute_in_process(instance=DagsterInstance.ephemeral(), raise_on_error=False)
    assert result.success
    (check,) = [
        e for e in result.get_asset_check_evaluations() if e.check_name == binding.target_id
    ]
    assert not check.passed
    assert check.severity == AssetCheckSeverity.ERROR
    assert check.metadata["status"].value == "missed"
    serving = tmp_path / "serving" / "warehouse.duckdb"
    with duckdb.connect(str(serving), read_only=True) as con:
        (status,) = con.execute(
            "select status from marts.mart_plan_progress where target_id = ?", [binding.target_id]
        ).fetchone()
    assert status == "missed"
