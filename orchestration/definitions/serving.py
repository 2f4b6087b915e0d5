"""Layer `serving`: the published warehouse (write-audit-publish), its Parquet exports and the
plan-progress report, all after the build and its checks."""

import os

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from orchestration.definitions.models import warehouse_dbt_assets
from orchestration.definitions.resources import WRITER_POOL
from orchestration.definitions.targets import PLAN_PROGRESS
from orchestration.serving.public import public_dir, write_public_tier
from orchestration.serving.publish import export_parquet, publish
from orchestration.settings import get_settings

PUBLISHED = AssetKey(["warehouse", "published"])


@asset(
    key=PUBLISHED,
    deps=[*warehouse_dbt_assets.keys, PLAN_PROGRESS],
    group_name="serving",
    pool=WRITER_POOL,
    kinds={"duckdb"},
    description=(
        "The serving warehouse BI tools and analysts read (EDUWH_SERVING_PATH), replaced "
        "atomically by the staging build once loading, the dbt build and its tests and the "
        "blocking integrity checks have passed. Missed plan targets do not block it."
    ),
)
def published_warehouse(context: AssetExecutionContext) -> MaterializeResult:
    settings = get_settings()
    info = publish(
        settings.warehouse_path, settings.serving_path, settings.keep_versions, context.run_id
    )
    return MaterializeResult(
        metadata={
            "serving_path": MetadataValue.path(str(settings.serving_path)),
            "published_at": info["published_at"],
            "tables": len(info["tables"]),
        }
    )


@asset(
    key=AssetKey(["warehouse", "parquet_exports"]),
    deps=[PUBLISHED],
    group_name="serving",
    kinds={"parquet"},
    description="The marts of the serving warehouse as Parquet (partitioned by year) beside it, "
    "for BI tools without a DuckDB driver.",
)
def parquet_exports(context: AssetExecutionContext) -> MaterializeResult:
    serving = get_settings().serving_path
    out = serving.parent / "parquet"
    exported = export_parquet(serving, out)
    return MaterializeResult(
        metadata={"path": MetadataValue.path(str(out)), "tables": len(exported), **exported}
    )


@asset(
    key=AssetKey(["reports", "plan_progress"]),
    deps=[PUBLISHED],
    group_name="serving",
    kinds={"html"},
    description="The plan-progress report of the serving warehouse: per region each targeted "
    "indicator's trend against its target and milestones, a region × indicator status heat map "
    "and the worst misses with the plan's quote. One static HTML file that opens offline.",
)
def plan_progress_report(context: AssetExecutionContext) -> MaterializeResult:
    from orchestration.reporting.report import build_report

    serving = get_settings().serving_path
    out = serving.parent / "report"
    # Written beside and then renamed over the old page: whoever has it open never reads half.
    page = build_report(serving, out / ".next")
    os.replace(page, out / "index.html")
    page.parent.rmdir()
    return MaterializeResult(metadata={"path": MetadataValue.path(str(out / "index.html"))})


@asset(
    key=AssetKey(["warehouse", "public_tier"]),
    deps=[PUBLISHED],
    group_name="serving",
    kinds={"duckdb", "parquet"},
    description="What may leave the bureau: the region-level marts with small-cell suppression "
    "(counts of a subgroup below EDUWH_SUPPRESSION_THRESHOLD, complementary cells so none can be "
    "recovered from the region hierarchy, rates derived from them), as DuckDB and Parquet in "
    "build/public/ (orchestration/serving/public.py).",
)
def public_tier(context: AssetExecutionContext) -> MaterializeResult:
    serving = get_settings().serving_path
    out = public_dir(serving)
    counts = write_public_tier(serving, out)
    return MaterializeResult(metadata={"path": MetadataValue.path(str(out)), **counts})


@asset(
    key=AssetKey(["warehouse", "postgres"]),
    deps=[PUBLISHED],
    group_name="serving",
    kinds={"postgres"},
    description="The serving warehouse in PostgreSQL for pooled BI servers, when "
    "EDUWH_POSTGRES_DSN is set: the marts, reference tables and meta with their comments, loaded "
    "into new schemas and swapped in one transaction, with row-level security by region "
    "(orchestration/serving/postgres.py). Without the setting it records that it was skipped.",
)
def postgres_serving(context: AssetExecutionContext) -> MaterializeResult:
    from orchestration.serving.postgres import dsn_from_env, publish_to_postgres

    dsn = dsn_from_env()
    if dsn is None:
        context.log.info("EDUWH_POSTGRES_DSN is not set: PostgreSQL serving skipped.")
        return MaterializeResult(metadata={"skipped": "EDUWH_POSTGRES_DSN is not set"})
    info = publish_to_postgres(get_settings().serving_path, dsn)
    return MaterializeResult(
        metadata={
            "version": info["version"],
            "tables": len(info["tables"]),
            "rows": sum(info["tables"].values()),
        }
    )
