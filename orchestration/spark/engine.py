"""Running the dbt build on Spark inside the job (orchestration/definitions/models.py).

1. `prepare_build` brings the Parquet raw layer up to date from the staging warehouse the
   loaders just wrote (orchestration/ingest/raw_layer.py) and returns the `dbt build` arguments
   for the `spark` target; the project's on-run-start macro (macros/spark_raw_layer.sql)
   declares Spark's raw tables over that layer.
2. dbt builds seeds, models and their tests on Spark (profiles.yml: `session`, `local[2]`; its
   metastore and table files under `EDUWH_SPARK_DIR`).
3. `copy_marts_back` reads the tables Spark wrote for the marts and the reference seeds (Parquet
   under Spark's warehouse folder) into the staging DuckDB file, replacing its `marts` and
   `reference` schemas, and adds the models' descriptions as comments from dbt's manifest (Spark
   keeps them in its metastore, not in the files). From there the job goes on as on DuckDB:
   plan-target checks, publish, PostgreSQL, Parquet exports, report.

With a cluster's Thrift Server (`spark_thrift` target), Spark's warehouse folder must be
readable from this machine (a mounted path given as `EDUWH_SPARK_DIR`) for step 3.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb

from orchestration.ingest.raw_layer import layout, write_raw_layer
from orchestration.settings import Settings

COPIED_SCHEMAS = ("marts", "reference")


def target_name() -> str:
    return os.environ.get("EDUWH_SPARK_TARGET", "spark")


def prepare_build(settings: Settings) -> tuple[list[str], dict[str, int]]:
    """The raw layer written; the dbt arguments of the Spark build, and the versions written."""
    written = write_raw_layer(settings.warehouse_path, settings.raw_layer_dir)
    settings.spark_dir.mkdir(parents=True, exist_ok=True)
    # profiles.yml reads these; absolute so dbt's working directory does not matter
    os.environ["EDUWH_SPARK_DIR"] = str(settings.spark_dir)
    raw_layer = {"dir": str(settings.raw_layer_dir), **layout()}
    args = ["build", "--target", target_name(), "--vars", json.dumps({"raw_layer": raw_layer})]
    return args, written


def _table_folder(settings: Settings, schema: str, name: str) -> Path:
    return settings.spark_dir / "warehouse" / f"{schema}.db" / name


def built_tables(manifest: dict) -> list[tuple[str, str, dict]]:
    """(schema, table, manifest node) of every seed and table model in the copied schemas."""
    found = []
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "seed"):
            continue
        if node["schema"] not in COPIED_SCHEMAS:
            continue
        materialized = node["config"]["materialized"]
        if node["resource_type"] == "model" and materialized != "table":
            raise ValueError(
                f"{node['schema']}.{node['name']} is materialized as {materialized} on Spark: "
                "the job reads Spark's marts from their Parquet files, so make it a table there."
            )
        else:
            found.append((node["schema"], node.get("alias") or node["name"], node))
    return sorted(found, key=lambda t: t[:2])


def copy_marts_back(settings: Settings, manifest_path: Path) -> dict[str, int]:
    """Spark's marts and reference tables into the staging warehouse; rows per table."""
    manifest = json.loads(manifest_path.read_text())
    copied: dict[str, int] = {}
    with duckdb.connect(str(settings.warehouse_path), config=settings.duckdb_config()) as con:
        con.execute("begin transaction")
        for schema in COPIED_SCHEMAS:
            con.execute(f"drop schema if exists {schema} cascade")
            con.execute(f"create schema {schema}")
        for schema, table, node in built_tables(manifest):
            folder = _table_folder(settings, schema, table)
            files = sorted(folder.glob("*.parquet"))
            if not files:
                raise FileNotFoundError(
                    f"Spark wrote no Parquet file for {schema}.{table} under {folder}: the "
                    "Spark build did not finish."
                )
            con.execute(
                f'create table {schema}."{table}" as select * from read_parquet(?)',
                [[str(f) for f in files]],
            )
            _comment(con, schema, table, node)
            copied[f"{schema}.{table}"] = con.execute(
                f'select count(*) from {schema}."{table}"'
            ).fetchone()[0]
        con.execute("commit")
    return copied


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _comment(con: duckdb.DuckDBPyConnection, schema: str, table: str, node: dict) -> None:
    """The model's descriptions as DuckDB's persist_docs writes them on a DuckDB build."""
    if node["resource_type"] != "model":
        return
    con.execute(f'comment on table {schema}."{table}" is {_lit(node.get("description", ""))}')
    present = {
        c
        for (c,) in con.execute(
            "select column_name from duckdb_columns() where schema_name = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    }
    for name, column in node.get("columns", {}).items():
        if name in present:
            con.execute(
                f'comment on column {schema}."{table}"."{name}" is '
                f"{_lit(column.get('description', ''))}"
            )
