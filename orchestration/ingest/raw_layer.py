"""The raw layer as Parquet, for an engine that does not read DuckDB (Spark).

After loading, every loaded file version's validated, pseudonymised rows (`raw.<extract>_history`
with the lineage columns `_source_file`, `_file_hash`, `_row_number`, `_loaded_at`) are written
under `<raw layer>/<extract>/`, partitioned by region (`region_code`, or for an extract whose
rows have none the region the file was delivered for, `_delivery_region_code`) and `year`, one
set of files per version named after its hash. `<raw layer>/_load_audit/` holds the
load audit, whose `is_current` says which versions are current: Spark's `raw.<extract>` is the
same view as DuckDB's (`macros/spark_raw_layer.sql`), so the same rows and the same
supersession.

Versions are written once: `_versions.json` records each exported version's row count, a version
whose count in the warehouse differs (a run that started again from the published warehouse
and reloaded it) is written again, and one no longer in the warehouse is removed. The folder is
readable by its owner only: it holds pupil-level rows.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb

from orchestration.ingest.contracts import CONTRACTS

# The plans a bureau added (orchestration/plans/catalogue.py, which the job's load step always
# creates): small, typed, current rows only, rewritten whole each run.
PLAN_TABLES = ("plan_documents", "plan_targets", "plan_baselines")

PARTITION_COLUMNS = ("region_code", "year")
# An extract whose rows carry no region (pupils, teachers: their school gives it) is partitioned
# by the region its file was delivered for (raw._load_audit.region_code).
DELIVERY_REGION = "_delivery_region_code"
LINEAGE_COLUMNS = {
    "_source_file": "string",
    "_file_hash": "string",
    "_row_number": "bigint",
    "_loaded_at": "timestamp",
}


def partition_columns(extract: str) -> list[str]:
    columns = CONTRACTS[extract].warehouse_columns
    region = "region_code" if "region_code" in columns else DELIVERY_REGION
    return [region, *(["year"] if "year" in columns else [])]


def layout() -> dict:
    """What an engine needs to declare the raw tables: per extract its columns (all strings, as
    in DuckDB's raw tables) and its partition columns; passed to dbt as the var `raw_layer`."""
    return {
        "extracts": {
            name: {
                "columns": [
                    c for c in contract.warehouse_columns if c not in partition_columns(name)
                ],
                "partitions": partition_columns(name),
            }
            for name, contract in CONTRACTS.items()
        },
        "plain": list(PLAN_TABLES),
    }


def write_raw_layer(warehouse: Path, out: Path) -> dict[str, int]:
    """Bring `out` up to date with the warehouse's raw history; returns the versions written
    per extract."""
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o700)
    ledger_path = out / "_versions.json"
    ledger: dict[str, dict[str, int]] = (
        json.loads(ledger_path.read_text()) if ledger_path.exists() else {}
    )
    written: dict[str, int] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for extract in CONTRACTS:
            folder = out / extract
            have = dict(
                con.execute(
                    f"select _file_hash, count(*) from raw.{extract}_history group by 1"
                ).fetchall()
            )
            done = ledger.get(extract, {})
            for gone in set(done) - set(have):
                _remove_version(folder, gone)
                del done[gone]
            stale = sorted(h for h, n in have.items() if done.get(h) != n)
            parts = partition_columns(extract)
            for file_hash in stale:
                _remove_version(folder, file_hash)
                folder.mkdir(exist_ok=True)
                options = ["format parquet"]
                if parts:
                    options += [
                        f"partition_by ({', '.join(parts)})",
                        f"filename_pattern 'v{file_hash}_{{i}}'",
                        "overwrite_or_ignore true",
                    ]
                target = folder if parts else folder / f"v{file_hash}_0.parquet"
                delivery = (
                    f", (select any_value(region_code) from raw._load_audit "
                    f"where file_hash = $1) as {DELIVERY_REGION}"
                    if DELIVERY_REGION in parts
                    else ""
                )
                con.execute(
                    f"copy (select *{delivery} from raw.{extract}_history "
                    f"where _file_hash = $1) to '{target}' ({', '.join(options)})",
                    [file_hash],
                )
                done[file_hash] = have[file_hash]
            ledger[extract] = done
            written[extract] = len(stale)
        for table in ("_load_audit", *PLAN_TABLES):
            try:
                _rewrite(con, f"raw.{table}", out / table)
            except duckdb.CatalogException as exc:
                raise RuntimeError(
                    f"raw.{table} is not in {warehouse.name}: the raw layer is written after the "
                    "job's load step, which creates it."
                ) from exc
    tmp = ledger_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(ledger, indent=1, sort_keys=True))
    os.replace(tmp, ledger_path)
    return written


def _rewrite(con: duckdb.DuckDBPyConnection, table: str, folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    con.execute(f"copy (select * from {table}) to '{folder / 'data.parquet'}' (format parquet)")


def _remove_version(folder: Path, file_hash: str) -> None:
    for path in folder.rglob(f"v{file_hash}_*.parquet"):
        path.unlink()
