"""Generate the Great Expectations suite from the target catalogue and validate the indicator
mart with it.

Great Expectations' SQL datasource returns empty results on DuckDB here (its pooled connection
is closed before the fetch), so the mart is read with duckdb into a DataFrame and validated with
the pandas datasource. GX is imported inside the functions: the import takes seconds and the
Dagster code location should not pay it at load time.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from expectations.catalogue import Target

SUITE_NAME = "plan_targets"
MART_COLUMNS = ["region_code", "year", "indicator_id", "value", "is_complete_coverage"]


@dataclass(frozen=True)
class TargetResult:
    target: Target
    status: str  # met | missed | no_data
    actual: float | None

    @property
    def passed(self) -> bool:
        return self.status == "met"

    @property
    def gap(self) -> float | None:
        """How far the actual value is on the wrong (negative) or right side of the target."""
        t = self.target
        if self.actual is None or t.target_value is None:
            return None
        if t.comparator in (">=", ">"):
            return self.actual - t.target_value
        if t.comparator in ("<=", "<"):
            return t.target_value - self.actual
        if t.comparator == "between":
            low, high = t.target_value, t.target_value_high or t.target_value
            return min(self.actual - low, high - self.actual)
        return -abs(self.actual - t.target_value)


def _row_condition(target: Target):
    from great_expectations.expectations.row_conditions import Column

    # The typed form: GX's string parser silently keeps only the first clause of "a and b".
    return (
        (Column("region_code") == target.region_code)
        & (Column("year") == target.target_year)
        & (Column("indicator_id") == target.indicator_id)
    )


def _bounds(target: Target) -> dict:
    c, v, high = target.comparator, target.target_value, target.target_value_high
    return {
        ">=": {"min_value": v},
        ">": {"min_value": v, "strict_min": True},
        "<=": {"max_value": v},
        "<": {"max_value": v, "strict_max": True},
        "=": {"min_value": v, "max_value": v},
        "between": {"min_value": v, "max_value": high},
    }[c]


def _ephemeral_context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def build_suite(targets: list[Target], context=None):
    """One pair of expectations per target: the value row exists (with every county of the region
    reporting), and its value meets the comparator. A GX expectation whose row filter matches
    nothing passes, so without the first a target with no data would look met.

    Each expectation's description names its target: GX drops an expectation equal to one already
    in the suite, and two targets can share a region, year and bound."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    context = context or _ephemeral_context()
    suite = context.suites.add(gx.ExpectationSuite(name=SUITE_NAME))
    for t in targets:
        severity = "critical" if t.is_binding else "warning"
        meta = {"target_id": t.target_id, "role": "presence"}
        suite.add_expectation(
            gxe.ExpectTableRowCountToEqual(
                value=1,
                row_condition=_row_condition(t) & (Column("is_complete_coverage") == True),  # noqa: E712
                severity=severity,
                meta=meta,
                description=f"{t.target_id}: a value exists, with every county reporting",
            )
        )
        suite.add_expectation(
            gxe.ExpectColumnValuesToBeBetween(
                column="value",
                row_condition=_row_condition(t),
                severity=severity,
                meta={"target_id": t.target_id, "role": "value"},
                description=f"{t.target_id}: {t.describe()} — “{t.source_quote}”",
                **_bounds(t),
            )
        )
    return suite


def validate_targets(mart: pd.DataFrame, targets: list[Target]) -> list[TargetResult]:
    """Validate the indicator mart (a DataFrame of MART_COLUMNS) against every target."""
    import great_expectations as gx

    context = _ephemeral_context()
    asset = context.data_sources.add_pandas("warehouse").add_dataframe_asset("indicator_values")
    batch = asset.add_batch_definition_whole_dataframe("all_rows")
    suite = build_suite(targets, context)
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name="plan_targets", data=batch, suite=suite)
    )
    outcome = validation.run(batch_parameters={"dataframe": mart[MART_COLUMNS]})

    by_target: dict[str, dict[str, bool]] = {}
    for r in outcome.results:
        meta = r.expectation_config.meta
        by_target.setdefault(meta["target_id"], {})[meta["role"]] = bool(r.success)

    actual = mart.set_index(["region_code", "year", "indicator_id"])["value"]
    results = []
    for t in targets:
        roles = by_target[t.target_id]
        key = (t.region_code, t.target_year, t.indicator_id)
        value = actual.get(key)
        value = None if value is None or pd.isna(value) else float(value)
        if not roles["presence"] or value is None:
            status = "no_data"
        else:
            status = "met" if roles["value"] else "missed"
        results.append(TargetResult(t, status, value))
    return results
