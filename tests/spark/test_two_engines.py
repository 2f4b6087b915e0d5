"""The same warehouse on DuckDB and on Spark (issue 19): the whole job runs on both engines on a
reduced dataset — two counties (卧龙区 411303 and 巴南区 500113, at their real size) and three
years — and publishes serving warehouses whose marts have the same tables, columns, types and
rows (numbers within a relative 1e-9), and whose reference tables (the seeds, loaded on Spark
by macros/spark_seeds.sql) hold the same values: apostrophes in plan quotes and empty cells
included.

Spark runs in dbt's process (`session`, local[2]) on Debian's Java 17, which the Makefile
installs; its metastore and files are in the test's own folder."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.spark.compare import mart_differences

REGIONS = ("411303", "500113")
YEARS = range(2023, 2026)


def run_job(root: Path, landing: Path, engine: str) -> tuple[Path, float]:
    from dagster import DagsterInstance

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EDUWH_LANDING_DIR", str(landing))
        mp.setenv("EDUWH_WAREHOUSE_PATH", str(root / "warehouse.duckdb"))
        mp.setenv("EDUWH_DEMO", "1")
        mp.setenv("EDUWH_ENGINE", engine)
        mp.delenv("EDUWH_SERVING_PATH", raising=False)
        mp.delenv("EDUWH_SPARK_DIR", raising=False)
        from orchestration.definitions import defs

        started = time.monotonic()
        result = defs.resolve_job_def("warehouse_job").execute_in_process(
            instance=DagsterInstance.ephemeral(), raise_on_error=False
        )
        failures = [e.message for e in result.all_events if e.is_failure]
        assert result.success, f"the {engine} job failed: {failures[:3]}"
        return root / "serving" / "warehouse.duckdb", time.monotonic() - started


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    if shutil.which("java") is None:
        pytest.fail("Java is not installed: `make test` installs openjdk-17-jre-headless.")
    from orchestration.demo.generate import generate

    root = tmp_path_factory.mktemp("engines")
    landing = root / "landing"
    generate(landing, years=YEARS, regions=REGIONS)
    duck, duck_s = run_job(root / "duckdb", landing, "duckdb")
    spark, spark_s = run_job(root / "spark", landing, "spark")
    print(f"\nTwo-engine build: DuckDB {duck_s:.0f} s, Spark {spark_s:.0f} s")
    return duck, spark, root


def test_every_mart_has_the_same_rows_and_types_on_both_engines(two_builds):
    duck, spark, _ = two_builds
    with duckdb.connect(str(spark), read_only=True) as con:
        marts = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'marts'"
        ).fetchone()[0]
        pupils = con.execute("select sum(pupils) from marts.fct_enrolment").fetchone()[0]
        verdicts = con.execute("select count(*) from marts.mart_plan_progress").fetchone()[0]
    assert marts >= 20 and pupils > 500_000 and verdicts > 0
    assert mart_differences(duck, spark) == []


def test_the_seeds_hold_the_same_values_with_apostrophes_and_empty_cells(two_builds):
    duck, spark, _ = two_builds
    assert mart_differences(duck, spark, schema="reference", types=False) == []
    with duckdb.connect(str(spark), read_only=True) as con:
        # an empty cell is NULL, not the string 'None'
        assert con.execute(
            "select successor_code from reference.regions_historical where region_code = '130421'"
        ).fetchall() == [(None,)]
        quoted = con.execute(
            "select count(*) from reference.plan_targets where notes like '%''%'"
        ).fetchone()[0]
    assert quoted > 0


def test_the_spark_build_published_a_serving_file_with_comments_and_its_version(two_builds):
    _, spark, root = two_builds
    with duckdb.connect(str(spark), read_only=True) as con:
        comments = con.execute(
            "select count(*) from duckdb_columns() where schema_name = 'marts' and comment <> ''"
        ).fetchone()[0]
        version = con.execute("select version from meta.published_version").fetchone()
    assert comments > 100 and version
    # the raw layer Spark read: Parquet partitioned by region and year, owner-only
    layer = root / "spark" / "raw_layer"
    assert (layer / "schools" / "region_code=411303" / "year=2024").is_dir()
    assert (layer / "pupils" / "_delivery_region_code=500113" / "year=2025").is_dir()
    assert oct(os.stat(layer).st_mode & 0o777) == "0o700"


def test_the_comparison_finds_a_changed_value_a_type_and_a_missing_row(tmp_path):
    def make(path: Path, rows: str, value_type: str = "double") -> Path:
        with duckdb.connect(str(path)) as con:
            con.execute("create schema marts")
            con.execute(f"create table marts.t (k varchar, v {value_type})")
            con.execute(f"insert into marts.t values {rows}")
        return path

    base = make(tmp_path / "a.duckdb", "('a', 1.0), ('b', 2.0)")
    assert mart_differences(base, make(tmp_path / "b.duckdb", "('b', 2.0), ('a', 1.0)")) == []
    close = make(tmp_path / "c.duckdb", "('a', 1.0000000000001), ('b', 2.0)")
    assert mart_differences(base, close) == []
    (far,) = mart_differences(base, make(tmp_path / "d.duckdb", "('a', 1.001), ('b', 2.0)"))
    assert "marts.t differs" in far
    (typed,) = mart_differences(base, make(tmp_path / "e.duckdb", "('a', 1), ('b', 2)", "bigint"))
    assert "has columns" in typed
    (short,) = mart_differences(base, make(tmp_path / "f.duckdb", "('a', 1.0)"))
    assert "2 rows on one side and 1" in short
