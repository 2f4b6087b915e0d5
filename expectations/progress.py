"""The two plan-facing tables, written from the validation results:

- `marts.mart_plan_progress`: one row per enforced target (region × target) with its status
  met / on_track / at_risk / missed / no_data, the actual value and year, what was due, the gap
  and the plan's sentence;
- `marts.mart_target_coverage`: every catalogue row and how it is covered: computed (from the
  extracts), reported (a bureau reported its figure), awaiting report (enforced on a figure the
  bureau has not reported yet), qualitative (no figure to check), or not enforced with the
  reason.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from expectations.catalogue import Target, enforcement, value_source
from expectations.suite import TargetResult

STATUSES = ("met", "on_track", "at_risk", "missed", "no_data")
COVERAGE = ("computed", "reported", "awaiting report", "qualitative", "not enforced")

# The two tables' contract, as the dbt marts have theirs: names, order and types are fixed, so a
# BI dashboard does not break when a column happens to be all null in one night's results.
_TARGET = {
    "target_id": "varchar",
    "plan_id": "varchar",
    "region_code": "varchar",
    "region_name": "varchar",
    "indicator_id": "varchar",
    "target_year": "integer",
    "comparator": "varchar",
}
_SOURCE = {"source_file": "varchar", "source_line": "integer", "source_quote": "varchar"}
PROGRESS_COLUMNS = {
    **_TARGET,
    "target_value": "double",
    "target_value_high": "double",
    "unit": "varchar",
    "binding": "varchar",
    "status": "varchar",
    "actual_value": "double",
    "actual_year": "integer",
    "value_due": "double",
    "gap": "double",
    "failures": "varchar",
    "baseline_year": "integer",
    "baseline_value": "double",
    "value_source": "varchar",
    **_SOURCE,
}
COVERAGE_COLUMNS = {
    **_TARGET,
    "binding": "varchar",
    "is_enforced": "boolean",
    "coverage": "varchar",
    "value_source": "varchar",
    "reason_not_enforced": "varchar",
    **_SOURCE,
}


def shortfall(gap: float | None, due: float | None) -> float | None:
    """How far short of what was due, as a share of it (gaps of different units — percentage
    points, yuan, classes — can only be ranked relative to what was due). A target of 0 that is
    not met is wholly missed; no gap (a trend target) is None."""
    if gap is None:
        return None
    if gap >= 0:
        return 0.0
    if not due:
        return 1.0
    return -gap / abs(due)


def miss_rank(status: str, binding: str, gap: float | None, due: float | None, target_id: str):
    """Sort key of the worst misses, shared by the run summary and the report: missed before
    at risk, binding before expected, the largest shortfall first (targets without a gap after
    those with one); equal shares (every "= 0" target missed is 100 % short) by the larger
    gap."""
    share = shortfall(gap, due)
    return (
        status != "missed",
        binding != "binding",
        share is None,
        -(share or 0.0),
        gap if gap is not None else 0.0,
        target_id,
    )


def progress_frame(results: list[TargetResult]) -> pd.DataFrame:
    rows = []
    for r in results:
        t = r.target
        rows.append(
            {
                "target_id": t.target_id,
                "plan_id": t.plan_id or None,
                "region_code": t.region_code,
                "region_name": t.region_name,
                "indicator_id": t.indicator_id,
                "target_year": t.target_year,
                "comparator": t.comparator,
                "target_value": t.target_value,
                "target_value_high": t.target_value_high,
                "unit": t.unit,
                "binding": t.binding,
                "status": r.status,
                "actual_value": r.actual,
                "actual_year": r.actual_year,
                "value_due": r.due,
                "gap": r.gap,
                "failures": "; ".join(r.failures) or None,
                "baseline_year": t.baseline_year,
                "baseline_value": t.baseline.value if t.baseline else None,
                "value_source": value_source(t),
                "source_file": t.source_file,
                "source_line": t.source_line,
                "source_quote": t.source_quote,
            }
        )
    return pd.DataFrame(rows, columns=list(PROGRESS_COLUMNS))


def coverage(target: Target, result: TargetResult | None) -> str:
    """How a catalogue row is covered (COVERAGE): a reported target is `reported` once the
    bureau has reported a figure it is checked on, `awaiting report` until then."""
    verdict = enforcement(target)
    if verdict is not True:
        return "qualitative" if str(verdict).startswith("qualitative") else "not enforced"
    source = value_source(target)
    if source == "reported" and (result is None or result.actual is None):
        return "awaiting report"
    return source


def coverage_by_region(
    targets: list[Target], results: list[TargetResult]
) -> dict[str, dict[str, int]]:
    """'<region name> (<code>)' → coverage → number of catalogue rows, as the run summary and
    the report show it per region."""
    by_id = {r.target.target_id: r for r in results}
    counts: dict[str, dict[str, int]] = {}
    for t in targets:
        name = f"{t.region_name} ({t.region_code})" if t.region_code else t.region_name
        kind = coverage(t, by_id.get(t.target_id))
        counts.setdefault(name, {}).setdefault(kind, 0)
        counts[name][kind] += 1
    return counts


def coverage_frame(
    targets: list[Target], results: list[TargetResult] | None = None
) -> pd.DataFrame:
    by_id = {r.target.target_id: r for r in results or []}
    rows = []
    for t in targets:
        verdict = enforcement(t)
        rows.append(
            {
                "target_id": t.target_id,
                "plan_id": t.plan_id or None,
                "region_code": t.region_code or None,
                "region_name": t.region_name,
                "indicator_id": t.indicator_id,
                "target_year": t.target_year,
                "comparator": t.comparator,
                "binding": t.binding,
                "is_enforced": verdict is True,
                "coverage": coverage(t, by_id.get(t.target_id)),
                "value_source": value_source(t) if verdict is True else None,
                "reason_not_enforced": None if verdict is True else verdict,
                "source_file": t.source_file,
                "source_line": t.source_line,
                "source_quote": t.source_quote,
            }
        )
    return pd.DataFrame(rows, columns=list(COVERAGE_COLUMNS))


def write_progress(
    warehouse_path: Path, results: list[TargetResult], catalogue: list[Target]
) -> None:
    progress, covered = progress_frame(results), coverage_frame(catalogue, results)
    with duckdb.connect(str(warehouse_path)) as con:
        con.execute("create schema if not exists marts")
        con.register("progress_df", progress)
        con.register("coverage_df", covered)
        con.execute("begin transaction")
        for table, frame, columns in (
            ("mart_plan_progress", "progress_df", PROGRESS_COLUMNS),
            ("mart_target_coverage", "coverage_df", COVERAGE_COLUMNS),
        ):
            casts = ", ".join(f"cast({c} as {t}) as {c}" for c, t in columns.items())
            con.execute(f"create or replace table marts.{table} as select {casts} from {frame}")
        con.execute("commit")
