"""The two plan-facing tables, written from the validation results:

- `marts.mart_plan_progress`: one row per enforced target (region × target) with its status
  met / on_track / at_risk / missed / no_data, the actual value and year, what was due, the gap
  and the plan's sentence;
- `marts.mart_target_coverage`: every catalogue row, whether it is enforced and, if not, why.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from expectations.catalogue import Target, enforcement
from expectations.suite import TargetResult

STATUSES = ("met", "on_track", "at_risk", "missed", "no_data")


def progress_frame(results: list[TargetResult]) -> pd.DataFrame:
    rows = []
    for r in results:
        t = r.target
        rows.append(
            {
                "target_id": t.target_id,
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
                "source_file": t.source_file,
                "source_line": t.source_line,
                "source_quote": t.source_quote,
            }
        )
    return pd.DataFrame(rows)


def coverage_frame(targets: list[Target]) -> pd.DataFrame:
    rows = []
    for t in targets:
        verdict = enforcement(t)
        rows.append(
            {
                "target_id": t.target_id,
                "region_code": t.region_code or None,
                "region_name": t.region_name,
                "indicator_id": t.indicator_id,
                "target_year": t.target_year,
                "comparator": t.comparator,
                "binding": t.binding,
                "is_enforced": verdict is True,
                "reason_not_enforced": None if verdict is True else verdict,
                "source_file": t.source_file,
                "source_line": t.source_line,
                "source_quote": t.source_quote,
            }
        )
    return pd.DataFrame(rows)


def write_progress(
    warehouse_path: Path, results: list[TargetResult], catalogue: list[Target]
) -> None:
    progress, coverage = progress_frame(results), coverage_frame(catalogue)
    with duckdb.connect(str(warehouse_path)) as con:
        con.execute("create schema if not exists marts")
        con.register("progress_df", progress)
        con.register("coverage_df", coverage)
        con.execute("begin transaction")
        con.execute("create or replace table marts.mart_plan_progress as select * from progress_df")
        con.execute(
            "create or replace table marts.mart_target_coverage as select * from coverage_df"
        )
        con.execute("commit")
