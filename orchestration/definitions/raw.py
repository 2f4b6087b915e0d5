"""Layer `raw`: the landing folder loaded into the raw schema, one asset per extract (one
subsettable multi-asset), each with its blocking row-count check."""

from collections.abc import Iterator
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    RetryPolicy,
    multi_asset,
)

from orchestration.definitions.resources import WRITER_POOL
from orchestration.ingest.contracts import CONTRACTS
from orchestration.ingest.loaders import load_landing, render_load_report, row_count_problems
from orchestration.plans.catalogue import landed_catalogue, store
from orchestration.serving.publish import fresh_staging
from orchestration.settings import get_settings


@multi_asset(
    specs=[
        AssetSpec(
            AssetKey(["raw", name]),
            group_name="raw",
            kinds={"duckdb", "python"},
            description=(
                f"{c.label_zh}: landing files of the '{name}' extract, validated against its "
                f"contract, current rows in raw.{name} (every version in raw.{name}_history)."
            ),
        )
        for name, c in CONTRACTS.items()
    ],
    check_specs=[
        AssetCheckSpec(
            "row_counts_match_audit",
            asset=AssetKey(["raw", name]),
            blocking=True,
            description="Every loaded file's rows in raw history equal the rows the load audit "
            "records: a mismatch blocks the build and publishing.",
        )
        for name in CONTRACTS
    ],
    name="load_landing",
    can_subset=True,
    pool=WRITER_POOL,
    retry_policy=RetryPolicy(max_retries=2, delay=5),
)
def load_landing_assets(context: AssetExecutionContext) -> Iterator[Any]:
    """One pass over the landing folder: schools first, because pupils and teachers are checked
    against the schools of the same year; files no contract applies to are reported. A run over
    every extract starts from a fresh staging copy of the published warehouse."""
    settings = get_settings()
    selected = [key.path[1] for key in context.selected_asset_keys]
    everything = len(selected) == len(CONTRACTS)
    if everything:
        context.log.info(fresh_staging(settings.warehouse_path, settings.serving_path))
    run = load_landing(
        settings.warehouse_path,
        settings.landing_dir,
        settings.require_pseudonym_key(),
        extracts=None if everything else selected,
    )
    context.log.info("Load report:\n" + render_load_report(run))
    # the catalogue of plans bureaus added (accepted review workbooks) into raw.plan_*
    landed = landed_catalogue(settings.landing_dir)
    for refusal in landed.refusals:
        context.log.error(refusal)
    context.log.info(f"Plan catalogue: {store(settings.warehouse_path, landed)}")
    for r in run.files:
        if r.status == "refused":
            context.log.error(r.message)
    unattributed = run.for_extract("unknown")
    for extract in (e for e in CONTRACTS if e in selected):
        files = run.for_extract(extract)
        metadata = {
            "files": len(files),
            "files_loaded": sum(r.status == "loaded" for r in files),
            "files_unchanged": sum(r.status == "unchanged" for r in files),
            "files_refused": sum(r.status == "refused" for r in files),
            "rows_read": sum(r.rows_read for r in files),
            "rows_loaded": sum(r.rows_loaded for r in files),
            "rows_quarantined": sum(r.rows_quarantined for r in files),
            "rows_in_warehouse": run.rows_in_warehouse[extract],
            "file_results": MetadataValue.json(
                [r.as_metadata() for r in files if r.status != "unchanged"]
            ),
            "refusals": MetadataValue.md(
                "\n".join(f"- {r.message}" for r in files if r.status == "refused") or "none"
            ),
        }
        if unattributed:
            # Files in no extract's folder belong to no asset: reported once, on the first one.
            metadata["files_without_extract"] = MetadataValue.json(
                [r.as_metadata() for r in unattributed if r.status != "unchanged"]
            )
            unattributed = []
        yield MaterializeResult(asset_key=AssetKey(["raw", extract]), metadata=metadata)
        problems = row_count_problems(settings.warehouse_path, extract)
        yield AssetCheckResult(
            asset_key=AssetKey(["raw", extract]),
            check_name="row_counts_match_audit",
            passed=not problems,
            severity=AssetCheckSeverity.ERROR,
            metadata={"problems": "\n".join(problems) or "none"},
        )
