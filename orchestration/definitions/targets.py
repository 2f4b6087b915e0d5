"""Plan targets: the Great Expectations suite generated from the target catalogue, run on the
indicator mart; one asset check per enforced target, and the reconciliation of the published
baselines."""

from collections.abc import Iterator
from typing import Any

import duckdb
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    MetadataValue,
    asset,
)

from expectations.catalogue import Target, load_targets
from orchestration.definitions.models import INDICATOR_MART
from orchestration.definitions.resources import WRITER_POOL
from orchestration.plans.catalogue import landed_catalogue
from orchestration.settings import get_settings

PLAN_PROGRESS = AssetKey(["marts", "mart_plan_progress"])


def catalogue() -> list[Target]:
    """The built-in catalogue (seeds) and the plans bureaus added (the accepted review
    workbooks of the landing folder)."""
    return load_targets() + landed_catalogue(get_settings().landing_dir).targets()


# One asset check per enforced target of the catalogue as the code location loads it; a plan
# accepted later gets its checks at the next load, and every run validates the catalogue as it
# is then (mart_plan_progress holds every verdict either way).
PLAN_TARGETS = [t for t in catalogue() if t.enforceable]
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
            "select region_code, year, indicator_id, value, is_complete_coverage, value_flag, "
            "breakdown "
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
    from expectations.progress import STATUSES, coverage_by_region, write_progress
    from expectations.suite import validate_targets

    warehouse = get_settings().warehouse_path
    docs = warehouse.parent / "data_docs"
    # The checks stand without the docs: when the offline assets are missing, say why and
    # validate without building them.
    reason = missing_assets()
    if reason:
        context.log.error(f"Data Docs not built: {reason}")
    rows = catalogue()
    enforced = [t for t in rows if t.enforceable]
    standard_regions = [t.region_code for t in enforced if t.is_school_standard]
    results = validate_targets(
        read_indicator_mart(warehouse),
        enforced,
        docs_dir=None if reason else docs,
        standards=read_standard_units(warehouse, standard_regions),
    )
    docs_note = f"not built: {reason}" if reason else MetadataValue.path(str(docs / "index.html"))
    write_progress(warehouse, results, rows)
    yield MaterializeResult(
        metadata={
            **{status: sum(r.status == status for r in results) for status in STATUSES},
            "data_docs": docs_note,
            "coverage_by_region": MetadataValue.json(coverage_by_region(rows, results)),
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
    declared = {t.target_id for t in PLAN_TARGETS}
    for r in results:
        t = r.target
        if t.target_id not in declared:
            continue
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
