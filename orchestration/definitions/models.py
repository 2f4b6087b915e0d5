"""Layers `reference`, `staging`, `intermediate` and `marts` as dbt builds them: seeds, models
and their tests in one `dbt build`, each dbt test a Dagster asset check."""

import os
from collections.abc import Iterator, Mapping
from typing import Any

from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets, get_asset_key_for_model

from orchestration import failpoints
from orchestration.definitions.resources import WRITER_POOL, dbt_project
from orchestration.settings import get_settings


class LayeredTranslator(DagsterDbtTranslator):
    """Group dbt assets by warehouse layer (reference, staging, intermediate, marts), the way the
    UI's asset graph should read, instead of one 'default' group."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else super().get_group_name(dbt_resource_props)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    pool=WRITER_POOL,
    dagster_dbt_translator=LayeredTranslator(),
)
def warehouse_dbt_assets(context: AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    """Seeds, models and their tests in one `dbt build` (each dbt call costs seconds)."""
    settings = get_settings()
    os.environ["EDUWH_WAREHOUSE_PATH"] = str(settings.warehouse_path)
    os.environ["EDUWH_DUCKDB_MEMORY_LIMIT"] = settings.duckdb_memory_limit
    if settings.engine == "duckdb":
        yield from failpoints.each("dbt.event", dbt.cli(["build"], context=context).stream())
        return
    # EDUWH_ENGINE=spark: the same project on Spark, its marts then copied into the staging
    # warehouse, from which the rest of the job runs as on DuckDB (orchestration/spark/engine.py)
    from orchestration.spark.engine import copy_marts_back, prepare_build

    args, written = prepare_build(settings)
    context.log.info(f"Raw layer {settings.raw_layer_dir}: versions written {written}")
    invocation = dbt.cli(args, context=context)
    yield from failpoints.each("dbt.event", invocation.stream())
    copied = copy_marts_back(settings, invocation.target_path / "manifest.json")
    context.log.info(f"Spark's marts and reference tables copied back: {len(copied)} tables")


INDICATOR_MART = get_asset_key_for_model([warehouse_dbt_assets], "mart_indicator_values")
