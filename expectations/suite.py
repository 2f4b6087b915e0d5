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

from expectations.catalogue import Target, value_source
from orchestration.failpoints import failpoint

SUITE_NAME = "plan_targets"
MART_COLUMNS = [
    "region_code",
    "year",
    "indicator_id",
    "value",
    "is_complete_coverage",
    "value_flag",
]
# Why a flagged value (mart_indicator_values.value_flag) is not a value of its indicator: a
# target on it is no_data, never met or missed.
FLAG_REASONS = {
    "above_upper_bound": (
        "above the most the indicator can be (a cohort rate above 100 %: pupils who "
        "transferred in outnumber the cohort's losses), so it is not a value of the indicator"
    ),
}
# marts.mart_standard_units for the regions with school-level targets: one row per class, school
# or region checked, under the target's region (a prefecture's row for each school of its
# counties); `indicator_id` is the unit's standard_id.
STANDARDS_SUITE_NAME = "school_standards"
STANDARD_COLUMNS = ["region_code", "year", "indicator_id", "stage", "unit_kind", "unit_id", "value"]
UNITS = {"class": "classes", "school": "schools", "region": "regions"}


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
    condition = (
        (Column("region_code") == target.region_code)
        & (Column("year") == year)
        & (Column("indicator_id") == target.indicator_id)
    )
    # A school-level standard names its stage (primary 45, junior 50): its rows carry it.
    return condition & (Column("stage") == target.stage) if target.is_school_standard else condition


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


def build_suite(targets: list[Target], years: list[int], context=None, name: str = SUITE_NAME):
    """The expectations of every target, generated from the catalogue:

    - the target year: the value row exists (every county of the region reporting) and meets
      the comparator; severity critical for binding (约束性) targets, warning otherwise. A GX
      expectation whose row filter matches nothing passes, so without the presence check a
      target with no data would look met;
    - each interim year with data: the milestone on a straight line from the published
      baseline (warning);
    - non_decreasing / non_increasing targets: every year's change on the year before;
    - school-level standards (on marts.mart_standard_units rows): at least one class, school or
      region to check, and every one of them within the target (or its milestone).

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
        if t.is_school_standard:
            presence = gxe.ExpectTableRowCountToBeBetween(
                min_value=1,
                row_condition=_row_condition(t, t.target_year),
                severity=severity,
                meta={"target_id": t.target_id, "role": "presence"},
                description=f"{t.target_id}: there are {t.stage} units to check",
            )
        else:
            presence = gxe.ExpectTableRowCountToEqual(
                value=1,
                row_condition=_row_condition(t, t.target_year)
                & (Column("is_complete_coverage") == True),  # noqa: E712
                severity=severity,
                meta={"target_id": t.target_id, "role": "presence"},
                description=f"{t.target_id}: a value exists, with every county reporting",
            )
        expectations.append(presence)
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
    return context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))


def with_previous_year(mart: pd.DataFrame) -> pd.DataFrame:
    """The mart with each row's value a year earlier (`previous`), for year-on-year checks."""
    prev = mart[["region_code", "indicator_id", "year", "value"]].copy()
    prev["year"] = prev["year"] + 1
    prev = prev.rename(columns={"value": "previous"})
    return mart.merge(prev, on=["region_code", "indicator_id", "year"], how="left")


def validate_targets(
    mart: pd.DataFrame,
    targets: list[Target],
    docs_dir: Path | None = None,
    standards: pd.DataFrame | None = None,
) -> list[TargetResult]:
    """Validate the indicator mart (a DataFrame of MART_COLUMNS) against every target, and the
    school-level standards against `standards` (STANDARD_COLUMNS); with `docs_dir`, also write
    the Data Docs of the validations there (static, offline)."""
    import great_expectations as gx

    data = with_previous_year(mart[MART_COLUMNS])
    if standards is None:
        standards = pd.DataFrame(columns=STANDARD_COLUMNS)
    units = standards[STANDARD_COLUMNS]
    years = sorted({int(y) for y in data["year"].unique()} | {int(y) for y in units["year"]})
    context = _ephemeral_context()
    source = context.data_sources.add_pandas("warehouse")
    runs = [
        (SUITE_NAME, "indicator_values", data, [t for t in targets if not t.is_school_standard]),
        (
            STANDARDS_SUITE_NAME,
            "standard_units",
            units,
            [t for t in targets if t.is_school_standard],
        ),
    ]
    by_target: dict[str, dict[str, bool]] = {}
    counts: dict[tuple[str, str], tuple[int, int]] = {}
    for name, asset_name, frame, group in runs:
        if not group:
            continue
        batch = source.add_dataframe_asset(asset_name).add_batch_definition_whole_dataframe("all")
        suite = build_suite(group, years, context, name=name)
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch, suite=suite)
        )
        outcome = validation.run(batch_parameters={"dataframe": frame})
        failpoint("expectations.validated")  # the kill tests' crash point mid-validation
        for r in outcome.results:
            meta = r.expectation_config.meta
            by_target.setdefault(meta["target_id"], {})[meta["role"]] = bool(r.success)
            if "unexpected_count" in r.result:
                counts[meta["target_id"], meta["role"]] = (
                    int(r.result["unexpected_count"]),
                    int(r.result["element_count"]),
                )
    if docs_dir is not None:
        from expectations.data_docs import build

        build(context, docs_dir)

    values = data.set_index(["region_code", "year", "indicator_id"])
    worst = _worst_units(units)
    results = []
    for t in targets:
        roles = by_target.get(t.target_id, {})
        if t.is_school_standard:
            results.append(_standard_result(t, roles, counts, worst, years))
        else:
            results.append(_result(t, roles, values, years))
    return results


def _value(values: pd.DataFrame, key, column: str = "value") -> float | None:
    if key not in values.index:
        return None
    v = values.at[key, column]
    return None if pd.isna(v) else float(v)


def _result(t: Target, roles: dict[str, bool], values, years: list[int]) -> TargetResult:
    """The target's status from its expectations: met / missed in the target year; before it,
    on_track or at_risk against the milestone; no_data without a value."""

    def value_at(year: int) -> float | None:
        return _value(values, (t.region_code, year, t.indicator_id))

    def flag_at(year: int) -> str | None:
        key = (t.region_code, year, t.indicator_id)
        flag = values.at[key, "value_flag"] if key in values.index else None
        return None if pd.isna(flag) else str(flag)

    if not t.is_trend:

        def explain(year: int, actual: float, due: float, role: str) -> str:
            bound = t.describe() if role == "value" else f"{t.comparator} {due:,.2f}"
            return f"{year}: {actual:,.2f}, {'target' if role == 'value' else 'milestone'} {bound}"

        return _value_result(t, roles, years, value_at, explain, flag_at)
    checked = [y for y in check_years(t, years) if value_at(y) is not None]
    failures = tuple(
        f"{y}: {value_at(y):,.2f} "
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
    status = "missed" if failures else "met" if last == t.target_year else "on_track"
    return TargetResult(t, status, value_at(last), last, failures=failures)


def _value_result(
    t: Target, roles: dict[str, bool], years: list[int], value_at, explain, flag_at=None
):
    """Met / missed in the target year, else on_track / at_risk on the latest milestone, else
    no_data; `explain(year, actual, due, role)` words a failure. A value `flag_at(year)` flags
    (mart_indicator_values.value_flag) is not a value of the indicator: in the target year the
    target is no_data with the reason, and an earlier year's flagged value is no milestone."""

    def flagged(year: int) -> str | None:
        return flag_at(year) if flag_at is not None else None

    actual = value_at(t.target_year)
    if actual is not None and (flag := flagged(t.target_year)):
        reason = f"{t.target_year}: {actual:,.2f} is {FLAG_REASONS.get(flag, flag)}"
        return TargetResult(t, "no_data", actual, t.target_year, failures=(reason,))
    if actual is not None:
        if not roles.get("presence", False):
            return TargetResult(
                t, "no_data", actual, t.target_year, failures=("not every county reported",)
            )
        if roles.get("value"):
            return TargetResult(t, "met", actual, t.target_year)
        failure = explain(t.target_year, actual, t.target_value, "value")
        return TargetResult(t, "missed", actual, t.target_year, failures=(failure,))
    earlier = [
        y
        for y in check_years(t, years)
        if y < t.target_year and value_at(y) is not None and not flagged(y)
    ]
    if not earlier:
        if value_source(t) == "reported":
            reason = f"awaiting report: no figure reported for {t.target_year} or before"
            return TargetResult(t, "no_data", None, failures=(reason,))
        return TargetResult(t, "no_data", None)
    last = max(earlier)
    actual, milestone = value_at(last), t.milestone(last)
    behind = roles.get(f"milestone:{last}") is False
    failures = (explain(last, actual, milestone, f"milestone:{last}"),) if behind else ()
    return TargetResult(t, "at_risk" if behind else "on_track", actual, last, milestone, failures)


def _worst_units(units: pd.DataFrame) -> pd.DataFrame:
    """Per region, year, standard and stage: the lowest and the highest unit value, the worst
    one for a floor and for a cap."""
    keys = ["region_code", "year", "indicator_id", "stage"]
    if units.empty:
        return pd.DataFrame(
            columns=["low", "high", "unit_kind"], index=pd.MultiIndex.from_tuples([], names=keys)
        )
    grouped = units.groupby(keys)
    return pd.DataFrame(
        {
            "low": grouped["value"].min(),
            "high": grouped["value"].max(),
            "unit_kind": grouped["unit_kind"].first(),
        }
    )


def _standard_result(
    t: Target,
    roles: dict[str, bool],
    counts: dict[tuple[str, str], tuple[int, int]],
    worst: pd.DataFrame,
    years: list[int],
) -> TargetResult:
    """A school-level standard's status, with the worst class, school or region as the actual
    value and, in a failure, how many of them are outside the standard."""
    floor = t.comparator in (">=", ">")

    def value_at(year: int) -> float | None:
        key = (t.region_code, year, t.indicator_id, t.stage)
        return _value(worst, key, "low" if floor else "high")

    def explain(year: int, actual: float, due: float, role: str) -> str:
        key = (t.region_code, year, t.indicator_id, t.stage)
        units = UNITS[worst.at[key, "unit_kind"]]
        outside, total = counts.get((t.target_id, role), (0, 0))
        bound = f"target {t.describe()}" if role == "value" else f"milestone {t.comparator} {due:g}"
        extreme = "lowest" if floor else "highest"
        return (
            f"{year}: {outside} of {total} {t.stage} {units} fail the {bound} "
            f"({extreme} {actual:,.2f})"
        )

    return _value_result(t, roles, years, value_at, explain)
