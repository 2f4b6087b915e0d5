"""Generate the Great Expectations suite from the target catalogue and validate the indicator
mart with it.

Great Expectations' SQL datasource returns empty results on DuckDB here (its pooled connection
is closed before the fetch), so the mart is read with duckdb into a DataFrame and validated with
the pandas datasource. GX is imported inside the functions: the import takes seconds and the
Dagster code location should not pay it at load time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from expectations.catalogue import Target

SUITE_NAME = "plan_targets"
MART_COLUMNS = ["region_code", "year", "indicator_id", "value", "is_complete_coverage"]


@dataclass(frozen=True)
class TargetResult:
    target: Target
    status: str  # met | on_track | at_risk | missed | no_data
    actual: float | None
    actual_year: int | None = None
    milestone: float | None = None
    # plain sentences for what failed, e.g. "2023: 98.10 fell below 2022's 99.00"
    failures: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.status in ("met", "on_track")

    @property
    def due(self) -> float | None:
        """What was due in the year of the actual value: the target in (or without) a value for
        its year, the milestone before it."""
        t = self.target
        return t.target_value if self.actual_year in (None, t.target_year) else self.milestone

    @property
    def gap(self) -> float | None:
        """How far the actual value is on the wrong (negative) or right side of what was due."""
        t = self.target
        due = self.due
        if self.actual is None or due is None or t.is_trend:
            return None
        if t.comparator in (">=", ">"):
            return self.actual - due
        if t.comparator in ("<=", "<"):
            return due - self.actual
        if t.comparator == "between":
            low, high = t.target_value, t.target_value_high or t.target_value
            return min(self.actual - low, high - self.actual)
        return -abs(self.actual - due)


def _row_condition(target: Target, year: int):
    from great_expectations.expectations.row_conditions import Column

    # The typed form: GX's string parser silently keeps only the first clause of "a and b".
    return (
        (Column("region_code") == target.region_code)
        & (Column("year") == year)
        & (Column("indicator_id") == target.indicator_id)
    )


def _bounds(comparator: str, value: float | None, high: float | None = None) -> dict:
    return {
        ">=": {"min_value": value},
        ">": {"min_value": value, "strict_min": True},
        "<=": {"max_value": value},
        "<": {"max_value": value, "strict_max": True},
        "=": {"min_value": value, "max_value": value},
        "between": {"min_value": value, "max_value": high},
    }[comparator]


def _ephemeral_context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def check_years(target: Target, years: list[int]) -> list[int]:
    """The years of the data a target is checked in: from the year after its baseline to its
    target year."""
    return [y for y in years if target.baseline_year < y <= target.target_year]


def build_suite(targets: list[Target], years: list[int], context=None):
    """The expectations of every target, generated from the catalogue:

    - the target year: the value row exists (every county of the region reporting) and meets
      the comparator; severity critical for binding (约束性) targets, warning otherwise. A GX
      expectation whose row filter matches nothing passes, so without the presence check a
      target with no data would look met;
    - each interim year with data: the milestone on a straight line from the published
      baseline (warning);
    - non_decreasing / non_increasing targets: every year's change on the year before.

    Each description names its target and year: GX drops an expectation equal to one already in
    the suite, and two targets can share a region, year and bound."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    context = context or _ephemeral_context()
    expectations = []
    for t in targets:
        severity = "critical" if t.is_binding else "warning"
        if t.is_trend:
            for year in check_years(t, years):
                expectations.append(
                    gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                        column_A="value" if t.comparator == "non_decreasing" else "previous",
                        column_B="previous" if t.comparator == "non_decreasing" else "value",
                        or_equal=True,
                        ignore_row_if="either_value_is_missing",
                        row_condition=_row_condition(t, year),
                        severity=severity,
                        meta={"target_id": t.target_id, "role": f"trend:{year}"},
                        description=f"{t.target_id}: {t.describe()} ({year} on {year - 1})",
                    )
                )
            continue
        expectations.append(
            gxe.ExpectTableRowCountToEqual(
                value=1,
                row_condition=_row_condition(t, t.target_year)
                & (Column("is_complete_coverage") == True),  # noqa: E712
                severity=severity,
                meta={"target_id": t.target_id, "role": "presence"},
                description=f"{t.target_id}: a value exists, with every county reporting",
            )
        )
        expectations.append(
            gxe.ExpectColumnValuesToBeBetween(
                column="value",
                row_condition=_row_condition(t, t.target_year),
                severity=severity,
                meta={"target_id": t.target_id, "role": "value"},
                description=f"{t.target_id}: {t.describe()} — “{t.source_quote}”",
                **_bounds(t.comparator, t.target_value, t.target_value_high),
            )
        )
        for year in check_years(t, years):
            milestone = t.milestone(year)
            if milestone is None:
                continue
            expectations.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column="value",
                    row_condition=_row_condition(t, year),
                    severity="warning",
                    meta={"target_id": t.target_id, "role": f"milestone:{year}"},
                    description=f"{t.target_id}: milestone {year} {t.comparator} {milestone:.2f}",
                    **_bounds(t.comparator, milestone),
                )
            )
    # Built complete and then added once: adding expectations one by one to a suite the context
    # already holds re-serialises the whole suite each time (minutes for a few hundred).
    return context.suites.add(gx.ExpectationSuite(name=SUITE_NAME, expectations=expectations))


def with_previous_year(mart: pd.DataFrame) -> pd.DataFrame:
    """The mart with each row's value a year earlier (`previous`), for year-on-year checks."""
    prev = mart[["region_code", "indicator_id", "year", "value"]].copy()
    prev["year"] = prev["year"] + 1
    prev = prev.rename(columns={"value": "previous"})
    return mart.merge(prev, on=["region_code", "indicator_id", "year"], how="left")


def validate_targets(
    mart: pd.DataFrame, targets: list[Target], docs_dir: Path | None = None
) -> list[TargetResult]:
    """Validate the indicator mart (a DataFrame of MART_COLUMNS) against every target; with
    `docs_dir`, also write the Data Docs of the validation there (static, offline)."""
    import great_expectations as gx

    data = with_previous_year(mart[MART_COLUMNS])
    years = sorted(int(y) for y in data["year"].unique())
    context = _ephemeral_context()
    asset = context.data_sources.add_pandas("warehouse").add_dataframe_asset("indicator_values")
    batch = asset.add_batch_definition_whole_dataframe("all_rows")
    suite = build_suite(targets, years, context)
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name="plan_targets", data=batch, suite=suite)
    )
    outcome = validation.run(batch_parameters={"dataframe": data})
    if docs_dir is not None:
        from expectations.data_docs import build

        build(context, docs_dir)

    by_target: dict[str, dict[str, bool]] = {}
    for r in outcome.results:
        meta = r.expectation_config.meta
        by_target.setdefault(meta["target_id"], {})[meta["role"]] = bool(r.success)
    values = data.set_index(["region_code", "year", "indicator_id"])
    return [_result(t, by_target.get(t.target_id, {}), values, years) for t in targets]


def _value(values: pd.DataFrame, key, column: str = "value") -> float | None:
    if key not in values.index:
        return None
    v = values.at[key, column]
    return None if pd.isna(v) else float(v)


def _result(t: Target, roles: dict[str, bool], values, years: list[int]) -> TargetResult:
    """The target's status from its expectations: met / missed in the target year; before it,
    on_track or at_risk against the milestone; no_data without a value."""
    checked = [
        y
        for y in check_years(t, years)
        if _value(values, (t.region_code, y, t.indicator_id)) is not None
    ]
    if t.is_trend:
        failures = tuple(
            f"{y}: {_value(values, (t.region_code, y, t.indicator_id)):,.2f} "
            f"{'fell below' if t.comparator == 'non_decreasing' else 'rose above'} "
            f"{y - 1}'s {_value(values, (t.region_code, y, t.indicator_id), 'previous'):,.2f}"
            for y in checked
            if roles.get(f"trend:{y}") is False
        )
        compared = [
            y
            for y in checked
            if _value(values, (t.region_code, y, t.indicator_id), "previous") is not None
        ]
        if not compared:
            return TargetResult(t, "no_data", None)
        last = max(compared)
        actual = _value(values, (t.region_code, last, t.indicator_id))
        status = "missed" if failures else "met" if last == t.target_year else "on_track"
        return TargetResult(t, status, actual, last, failures=failures)
    key = (t.region_code, t.target_year, t.indicator_id)
    actual = _value(values, key)
    if actual is not None:
        if not roles.get("presence", False):
            return TargetResult(
                t, "no_data", actual, t.target_year, failures=("not every county reported",)
            )
        status = "met" if roles.get("value") else "missed"
        failures = (
            () if status == "met" else (f"{t.target_year}: {actual:,.2f}, target {t.describe()}",)
        )
        return TargetResult(t, status, actual, t.target_year, failures=failures)
    earlier = [y for y in checked if y < t.target_year]
    if not earlier:
        return TargetResult(t, "no_data", None)
    last = max(earlier)
    actual = _value(values, (t.region_code, last, t.indicator_id))
    milestone = t.milestone(last)
    behind = roles.get(f"milestone:{last}") is False
    failures = (
        (f"{last}: {actual:,.2f}, milestone {t.comparator} {milestone:,.2f}",) if behind else ()
    )
    return TargetResult(t, "at_risk" if behind else "on_track", actual, last, milestone, failures)
