"""Readers of the serving warehouse are never blocked by, or exposed to, a running build: eight
reader processes query it in a loop while a build loads a new delivery and publishes a new
version.

The build is the job's smallest whole path to a publish: every extract loaded into a fresh
staging copy of the served file, then `warehouse/published`. The dbt build and the plan checks
are left out: like the loader they write only the staging copy, and they would make the build
take a minute of the two cores the eight readers are already busy on."""

import multiprocessing as mp
import shutil
import time
from pathlib import Path

import duckdb

from tests.conftest import CORPUS_DIR

CORPUS = CORPUS_DIR


def _reader(serving: str, stop, results) -> None:
    """Each read opens the file read-only and asks two questions that must agree within one
    version: the files of the published load audit, and how many the version's own list of
    tables says it holds."""
    reads, errors, versions = 0, [], set()
    while not stop.is_set():
        try:
            with duckdb.connect(serving, read_only=True) as con:
                stored = con.execute("select count(*) from meta.load_audit").fetchone()[0]
                audited = con.execute(
                    "select row_count from meta.published_tables "
                    "where table_name = 'meta.load_audit'"
                ).fetchone()[0]
            if stored != audited:
                errors.append(f"inconsistent read: {stored} rows vs audit {audited}")
            versions.add(stored)
            reads += 1
            time.sleep(0.02)  # leave the two cores some room for the build being watched
        except Exception as exc:  # any error is a failure of the promise
            errors.append(repr(exc))
    results.put((reads, errors, sorted(versions)))


def run_job(monkeypatch, landing: Path, staging: Path):
    """Load every extract and publish (warehouse_job's raw assets and `warehouse/published`)."""
    monkeypatch.setenv("EDUWH_LANDING_DIR", str(landing))
    monkeypatch.setenv("EDUWH_WAREHOUSE_PATH", str(staging))
    monkeypatch.setenv("EDUWH_DEMO", "1")
    # imported here, not at the top: each spawned reader imports this module
    from dagster import DagsterInstance

    from orchestration.definitions import defs
    from orchestration.definitions.raw import load_landing_assets
    from orchestration.definitions.serving import PUBLISHED

    job = defs.resolve_job_def("warehouse_job")
    return job.execute_in_process(
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
        asset_selection=[*load_landing_assets.keys, PUBLISHED],
    )


def test_eight_readers_see_one_whole_version_while_a_build_publishes(tmp_path, monkeypatch):
    landing, staging = tmp_path / "landing", tmp_path / "staging.duckdb"
    serving = tmp_path / "serving" / "warehouse.duckdb"
    shutil.copytree(CORPUS / "_base", landing)
    assert run_job(monkeypatch, landing, staging).success  # version 1: one file loaded
    # the next delivery adds a year of schools
    shutil.copy(
        CORPUS / "_base" / "schools" / "schools_411303_2020.csv",
        landing / "schools" / "schools_411303_2021.csv",
    )
    text = (landing / "schools" / "schools_411303_2021.csv").read_text(encoding="utf-8")
    (landing / "schools" / "schools_411303_2021.csv").write_text(
        text.replace("\n2020,", "\n2021,"), encoding="utf-8"
    )
    ctx = mp.get_context("spawn")
    stop, results = ctx.Event(), ctx.Queue()
    readers = [ctx.Process(target=_reader, args=(str(serving), stop, results)) for _ in range(8)]
    for r in readers:
        r.start()
    time.sleep(2)  # the readers are reading version 1
    try:
        assert run_job(monkeypatch, landing, staging).success  # version 2: two files
        time.sleep(2)  # and now version 2
    finally:
        stop.set()
        outcomes = [results.get(timeout=60) for _ in readers]
        for r in readers:
            r.join(timeout=30)
    assert all(errors == [] for _, errors, _ in outcomes), [e for _, e, _ in outcomes if e]
    assert all(reads > 0 for reads, _, _ in outcomes)
    seen = set().union(*(set(v) for _, _, v in outcomes))
    assert seen == {1, 2}  # the old version and the new one, nothing in between
