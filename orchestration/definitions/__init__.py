"""The Dagster code location: loaders → dbt build → plan-target checks, as one job.

`dagster dev -m orchestration.definitions` shows it; `eduwh run` executes the job.
"""

import hashlib
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Definitions,
    MaterializeResult,
    MetadataValue,
    RetryPolicy,
    RunFailureSensorContext,
    RunRequest,
    ScheduleDefinition,
    SensorEvaluationContext,
    SkipReason,
    asset,
    colored_console_logger,
    define_asset_job,
    multi_asset,
    run_failure_sensor,
    sensor,
)
from dagster_dbt import (
    DagsterDbtTranslator,
    DbtCliResource,
    DbtProject,
    dbt_assets,
    get_asset_key_for_model,
)

from expectations.catalogue import Target, enforceable_targets, load_targets
from orchestration import failpoints
from orchestration.ingest.contracts import CONTRACTS
from orchestration.ingest.loaders import (
    load_landing,
    render_load_report,
    row_count_problems,
    scan_landing,
)
from orchestration.reporting.console import progress_logger
from orchestration.serving.publish import export_parquet, fresh_staging, publish
from orchestration.settings import PROJECT_DIR, get_settings

# Every asset that writes the DuckDB file runs in this pool; dagster.yaml limits it to one at a
# time because DuckDB allows a single writing process per file.
WRITER_POOL = "duckdb_writer"

dbt_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)
if not dbt_project.manifest_path.exists():
    # A fresh checkout has no target/manifest.json yet: parse once so definitions can load.
    dbt_project.preparer.prepare(dbt_project)


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
    yield from failpoints.each("dbt.event", dbt.cli(["build"], context=context).stream())


INDICATOR_MART = get_asset_key_for_model([warehouse_dbt_assets], "mart_indicator_values")
PLAN_PROGRESS = AssetKey(["marts", "mart_plan_progress"])
PLAN_TARGETS = enforceable_targets()
RECONCILIATION_CHECK = "baselines_reconcile"
RECONCILIATION_STATUSES = ("match", "mismatch", "no_data", "not_reconciled")


def _check_spec(t: Target) -> AssetCheckSpec:
    kind = "binding (约束性)" if t.is_binding else "expected (预期性)"
    return AssetCheckSpec(
        name=t.target_id,
        asset=PLAN_PROGRESS,
        description=(
            f"{t.region_name} {t.indicator_id} {t.target_year} {t.describe()}, {kind}: "
            f"“{t.source_quote}” ({t.source_file}:{t.source_line})"
        ),
    )


def read_indicator_mart(warehouse_path) -> Any:
    """The mart as a DataFrame through a short-lived read-only connection, so the check never
    holds a lock that a later writer would trip over."""
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        return con.execute(
            "select region_code, year, indicator_id, value, is_complete_coverage "
            "from marts.mart_indicator_values"
        ).df()


def read_standard_units(warehouse_path, region_codes: list[str]) -> Any:
    """The classes, schools and regions the school-level standards of these regions are checked
    on (marts.mart_standard_units), each under the target's region: a prefecture's standard
    covers the classes and schools of its counties, a 差异系数 is the region's own."""
    from expectations.suite import STANDARD_COLUMNS

    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        return con.execute(
            """
            select t.region_code, u.year, u.standard_id as indicator_id, u.stage_code as stage,
                   u.unit_kind, u.unit_id, u.value
            from marts.mart_standard_units as u
            inner join marts.dim_region as r on u.region_code = r.region_code
            inner join (select unnest(?::varchar[]) as region_code) as t
                on t.region_code = u.region_code
                or (u.unit_kind <> 'region'
                    and t.region_code in (r.prefecture_code, r.province_code))
            """,
            [sorted(set(region_codes))],
        ).df()[STANDARD_COLUMNS]


def _severity(r) -> AssetCheckSeverity:
    """A missed binding (约束性) target is an error in the results; everything else a warning.
    Neither blocks the build: the data are right, the region missed."""
    return (
        AssetCheckSeverity.ERROR
        if r.target.is_binding and r.status == "missed"
        else (AssetCheckSeverity.WARN)
    )


@asset(
    key=PLAN_PROGRESS,
    deps=[INDICATOR_MART],
    group_name="marts",
    pool=WRITER_POOL,
    kinds={"duckdb", "python", "great_expectations"},
    check_specs=[
        *(_check_spec(t) for t in PLAN_TARGETS),
        AssetCheckSpec(
            RECONCILIATION_CHECK,
            asset=PLAN_PROGRESS,
            description="The warehouse's figures for each published baseline year equal the "
            "published figures within the stated tolerance (marts.mart_baseline_reconciliation); "
            "a mismatch is an error in the results.",
        ),
    ],
    description=(
        "Every enforced plan target checked against the indicator mart with the Great "
        "Expectations suite generated from the catalogue; writes marts.mart_plan_progress (status "
        "per region × target) and marts.mart_target_coverage (why other catalogue rows are not "
        "enforced)."
    ),
)
def mart_plan_progress(context: AssetExecutionContext) -> Iterator[Any]:
    from expectations.data_docs import missing_assets
    from expectations.progress import STATUSES, write_progress
    from expectations.suite import validate_targets

    warehouse = get_settings().warehouse_path
    docs = warehouse.parent / "data_docs"
    # The checks stand without the docs: when the offline assets are missing, say why and
    # validate without building them.
    reason = missing_assets()
    if reason:
        context.log.error(f"Data Docs not built: {reason}")
    standard_regions = [t.region_code for t in PLAN_TARGETS if t.is_school_standard]
    results = validate_targets(
        read_indicator_mart(warehouse),
        PLAN_TARGETS,
        docs_dir=None if reason else docs,
        standards=read_standard_units(warehouse, standard_regions),
    )
    docs_note = f"not built: {reason}" if reason else MetadataValue.path(str(docs / "index.html"))
    write_progress(warehouse, results, load_targets())
    yield MaterializeResult(
        metadata={
            **{status: sum(r.status == status for r in results) for status in STATUSES},
            "data_docs": docs_note,
        }
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        counts = dict(
            con.execute(
                "select status, count(*) from marts.mart_baseline_reconciliation group by 1"
            ).fetchall()
        )
        mismatches = con.execute(
            "select baseline_id, published_value, warehouse_value, tolerance "
            "from marts.mart_baseline_reconciliation where status = 'mismatch' order by 1"
        ).fetchall()
    yield AssetCheckResult(
        asset_key=PLAN_PROGRESS,
        check_name=RECONCILIATION_CHECK,
        passed=not mismatches,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            **{status: counts.get(status, 0) for status in RECONCILIATION_STATUSES},
            "mismatches": "\n".join(
                f"{b}: published {p:g}, warehouse {w:g} (tolerance {tol:g})"
                for b, p, w, tol in mismatches
            )
            or "none",
        },
    )
    for r in results:
        t = r.target
        yield AssetCheckResult(
            asset_key=PLAN_PROGRESS,
            check_name=t.target_id,
            passed=r.passed,
            severity=_severity(r),
            metadata={
                "status": r.status,
                "region": f"{t.region_name} ({t.region_code})",
                "indicator": t.indicator_id,
                "year": r.actual_year or t.target_year,
                "target_year": t.target_year,
                "actual": MetadataValue.float(r.actual) if r.actual is not None else "no data",
                "target": t.describe(),
                "gap": MetadataValue.float(r.gap) if r.gap is not None else "n/a",
                "value_due": MetadataValue.float(r.due) if r.due is not None else "n/a",
                "failures": "; ".join(r.failures) or "none",
                "binding": t.binding,
                "quote": t.source_quote,
                "source": f"{t.source_file}:{t.source_line}",
            },
        )


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


warehouse_job = define_asset_job(
    "warehouse_job",
    description="Load every extract, build and test the dbt models, check the plan targets.",
)

# Nightly at 02:00 Beijing time, when no one is reading dashboards.
nightly_build = ScheduleDefinition(
    name="nightly_build",
    job=warehouse_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
)


def landing_fingerprint(landing_dir: Path) -> str:
    """Names, sizes and modification times of every delivery in the landing folder: changes
    when a file arrives, is replaced or removed, without reading the files."""
    digest = hashlib.sha256()
    if landing_dir.exists():
        for lf in scan_landing(landing_dir):
            stat = lf.path.stat()
            digest.update(
                f"{lf.path.relative_to(landing_dir)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode()
            )
    return digest.hexdigest()


@sensor(job=warehouse_job, minimum_interval_seconds=60)
def landing_sensor(context: SensorEvaluationContext):
    """Start the job when a bureau drops a new or corrected file into the landing folder."""
    fingerprint = landing_fingerprint(get_settings().landing_dir)
    if fingerprint == context.cursor:
        return SkipReason("no new, changed or removed files in the landing folder")
    context.update_cursor(fingerprint)
    return RunRequest(run_key=fingerprint, tags={"trigger": "landing_sensor"})


@run_failure_sensor(monitored_jobs=[warehouse_job])
def alert_on_failure(context: RunFailureSensorContext) -> None:
    """A failed run writes an alert (log file; webhook if EDUWH_ALERT_WEBHOOK is set)."""
    from orchestration.serving.alerts import write_alert

    write_alert(
        f"warehouse_job run {context.dagster_run.run_id} failed: the serving warehouse was not "
        "replaced",
        run_id=context.dagster_run.run_id,
        error=context.failure_event.message,
    )


defs = Definitions(
    assets=[
        load_landing_assets,
        warehouse_dbt_assets,
        mart_plan_progress,
        published_warehouse,
        parquet_exports,
        plan_progress_report,
    ],
    jobs=[warehouse_job],
    # The console logger every run has, and the CLI's progress display (switched on only in
    # `eduwh build`'s run config).
    loggers={"console": colored_console_logger, "progress": progress_logger},
    schedules=[nightly_build],
    sensors=[landing_sensor, alert_on_failure],
    resources={
        "dbt": DbtCliResource(
            project_dir=dbt_project,
            profiles_dir=str(PROJECT_DIR),
            # The dbt installed beside this interpreter, whether or not the venv is on PATH.
            dbt_executable=str(Path(sys.executable).parent / "dbt"),
        )
    },
)
