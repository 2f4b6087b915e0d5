"""The Parquet raw layer Spark reads (orchestration/ingest/raw_layer.py): every loaded file
version's rows, partitioned by region and year, written once, rewritten when the warehouse's
rows of a version change, removed when a version leaves the warehouse; owner-only."""

from __future__ import annotations

import os
import shutil

import duckdb

from orchestration.ingest.loaders import load_landing
from orchestration.ingest.raw_layer import layout, write_raw_layer
from orchestration.plans.catalogue import ensure_plan_tables
from tests.conftest import CORPUS_DIR

KEY = b"raw-layer-test-key"


def parquet_rows(folder) -> int:
    files = [str(p) for p in folder.rglob("*.parquet")]
    if not files:
        return 0
    with duckdb.connect() as con:
        return con.execute("select count(*) from read_parquet(?)", [files]).fetchone()[0]


def test_the_raw_layer_holds_every_version_once_and_follows_the_warehouse(tmp_path):
    landing, warehouse, layer = tmp_path / "landing", tmp_path / "wh.duckdb", tmp_path / "layer"
    shutil.copytree(CORPUS_DIR / "_base", landing)
    shutil.copytree(CORPUS_DIR / "01_clean_pupils_utf8" / "landing", landing, dirs_exist_ok=True)
    load_landing(warehouse, landing, KEY)
    with duckdb.connect(str(warehouse)) as con:
        ensure_plan_tables(con)
        history = dict(
            con.execute(
                "select 'schools', count(*) from raw.schools_history union all "
                "select 'pupils', count(*) from raw.pupils_history"
            ).fetchall()
        )
    written = write_raw_layer(warehouse, layer)
    assert written["schools"] >= 1 and history["schools"] > 0
    for extract in ("schools", "pupils"):
        assert parquet_rows(layer / extract) == history[extract]
    assert oct(os.stat(layer).st_mode & 0o777) == "0o700"
    assert next((layer / "schools").glob("region_code=*/year=*/v*.parquet"))
    assert parquet_rows(layer / "_load_audit") > 0 and (layer / "plan_targets").is_dir()
    # partition columns are declared as the job passes them to dbt
    assert layout()["extracts"]["pupils"]["partitions"] == ["_delivery_region_code", "year"]

    # written once
    assert set(write_raw_layer(warehouse, layer).values()) == {0}
    # a version that leaves the warehouse (a run restarted from the published one) leaves the
    # layer; one whose rows change is written again
    with duckdb.connect(str(warehouse)) as con:
        (gone,) = con.execute("select min(_file_hash) from raw.pupils_history").fetchone()
        con.execute("delete from raw.pupils_history where _file_hash = ?", [gone])
        remaining = con.execute("select count(*) from raw.pupils_history").fetchone()[0]
    write_raw_layer(warehouse, layer)
    assert parquet_rows(layer / "pupils") == remaining
    assert not list((layer / "pupils").rglob(f"v{gone}_*.parquet"))
