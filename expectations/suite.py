"""Generate the Great Expectations suite from the target catalogue and validate the indicator
mart with it.

Great Expectations' SQL datasource returns empty results on DuckDB here (its pooled connection
is closed before the fetch), so the mart is read with duckdb into a DataFrame and validated with
the pandas datasource. GX is imported inside the functions: the import takes seconds and the
Dagster code location should not pay it at load time.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from expectations.catalogue import ACCUMULATE_SINCE_BASELINE, Target, value_source
from orchestration.failpoints import failpoint

SUITE_NAME = "plan_targets"
MART_COLUMNS = [
    "region_code",
    "year",
    "indicator_id",
    "value",
    "is_complete_coverage",
    "value_flag",
    # which figure of a reported indicator ('' for one figure per region and year)
    "breakdown",
]
KEY = ["region_code", "year", "indicator_id", "breakdown"]
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


# One row per check of every target (the check frame the suite validates): a target's value in
# its target year and each milestone before it, each year's change for a trend target, and for
# a school-level standard every class, school or county checked; plus one presence row per
# target (its value exists with every county reporting, or there are units to check).
CHECK_COLUMNS = [
    "target_id",
    "role",  # presence | value | milestone:<year> | trend:<year>
    "unit_id",  # the class, school or county of a school-level standard; "" otherwise
    "present",
    "value",
    "low",
    "high",
    "low_strict",
    "high_strict",
]
# GX reports the failing rows by these columns (result_format COMPLETE)
RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": ["target_id", "role", "unit_id"],
}


def _limits(comparator: str, value: float | None, high: float | None = None):
    """(low, high, low_strict, high_strict) of a comparator's bound."""
    b = _bounds(comparator, value, high)
    return (
        b.get("min_value"),
        b.get("max_value"),
        bool(b.get("strict_min", False)),
        bool(b.get("strict_max", False)),
    )


def check_rows(
    targets: list[Target], data: pd.DataFrame, units: pd.DataFrame, years: list[int]
) -> pd.DataFrame:
    """The check frame (CHECK_COLUMNS) of every target, generated from the catalogue:

    - presence: the target year's value exists with every county of the region reporting (a
      school-level standard: there are units to check). A check on a missing value passes in
      GX, so without it a target with no data would look met;
    - value: the target year's value (every unit's) within the target's bound;
    - milestone:<year>: each interim year's value within the milestone on a straight line from
      the published baseline;
    - trend:<year>: for non_decreasing / non_increasing, the year's value against the year
      before."""
    values = data.set_index(KEY)
    rows: list[tuple] = []

    def at(key, column):
        if key not in values.index:
            return None
        v = values.at[key, column]
        return None if pd.isna(v) else v

    for t in targets:
        if t.is_trend:
            for y in check_years(t, years):
                key = (t.region_code, y, t.indicator_id, t.breakdown)
                value, previous = at(key, "value"), at(key, "previous")
                rising = t.comparator == "non_decreasing"
                rows.append(
                    (t.target_id, f"trend:{y}", "", None, value,
                     previous if rising else None, None if rising else previous, False, False)
                )  # fmt: skip
            continue
        checks = [
            ("value", t.target_year, _limits(t.comparator, t.target_value, t.target_value_high))
        ]
        for y in check_years(t, years):
            milestone = t.milestone(y)
            if y < t.target_year and milestone is not None:
                checks.append((f"milestone:{y}", y, _limits(t.comparator, milestone)))
        if t.is_school_standard:
            mine = units[
                (units["region_code"] == t.region_code)
                & (units["indicator_id"] == t.indicator_id)
                & (units["stage"] == t.stage)
            ]
            in_year = int((mine["year"] == t.target_year).sum())
            rows.append(
                (t.target_id, "presence", "", in_year or None, None, None, None, False, False)
            )
            for role, year, limits in checks:
                for unit_id, value in mine.loc[
                    mine["year"] == year, ["unit_id", "value"]
                ].itertuples(index=False):
                    rows.append((t.target_id, role, str(unit_id), None, float(value), *limits))
            continue
        complete = at(
            (t.region_code, t.target_year, t.indicator_id, t.breakdown), "is_complete_coverage"
        )
        rows.append(
            (t.target_id, "presence", "", 1 if complete else None, None, None, None, False, False)
        )
        for role, year, limits in checks:
            value = at((t.region_code, year, t.indicator_id, t.breakdown), "value")
            rows.append((t.target_id, role, "", None, value, *limits))
    frame = pd.DataFrame(rows, columns=CHECK_COLUMNS)
    for column in ("present", "value", "low", "high"):
        frame[column] = frame[column].astype("float64")
    return frame


def build_suite(target_ids: list[str], context=None, name: str = SUITE_NAME):
    """The suite: six expectations over the check frame (check_rows), which holds every
    target's checks as rows. Set-based, so its cost does not grow with the catalogue (one
    expectation per target and year took minutes for eight hundred targets); GX reports the
    failing rows by target, role and unit."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    context = context or _ephemeral_context()
    bound = Column("role") != "presence"
    expectations = [
        # names every target of the catalogue in the Data Docs, and checks the frame holds
        # checks of those targets only
        gxe.ExpectColumnDistinctValuesToBeInSet(
            column="target_id",
            value_set=sorted(target_ids),
            description=f"the checks belong to the {len(target_ids)} targets of the catalogue: "
            + ", ".join(sorted(target_ids)),
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="present",
            row_condition=Column("role") == "presence",
            description="every target's value exists in its target year, with every county "
            "of its region reporting (school-level standards: there are units to check)",
        ),
        *(
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=a,
                column_B=b,
                or_equal=not strict,
                ignore_row_if="either_value_is_missing",
                row_condition=bound & (Column(flag) == strict),
                description=description,
            )
            for a, b, flag, strict, description in (
                (
                    "value",
                    "low",
                    "low_strict",
                    False,
                    "values reach their target or milestone (>=)",
                ),
                ("value", "low", "low_strict", True, "values exceed their target or milestone (>)"),
                ("high", "value", "high_strict", False, "values stay within their cap (<=)"),
                ("high", "value", "high_strict", True, "values stay below their cap (<)"),
            )
        ),
    ]
    # Built complete and then added once: adding expectations one by one to a suite the context
    # already holds re-serialises the whole suite each time.
    return context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))


def with_previous_year(mart: pd.DataFrame) -> pd.DataFrame:
    """The mart with each row's value a year earlier (`previous`), for year-on-year checks."""
    prev = mart[KEY + ["value"]].copy()
    prev["year"] = prev["year"] + 1
    prev = prev.rename(columns={"value": "previous"})
    return mart.merge(prev, on=KEY, how="left")


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

    originals = {t.target_id: t for t in targets}
    cumulative, targets = accumulated(mart[MART_COLUMNS], targets)
    data = with_previous_year(pd.concat([mart[MART_COLUMNS], cumulative], ignore_index=True))
    if standards is None:
        standards = pd.DataFrame(columns=STANDARD_COLUMNS)
    units = standards[STANDARD_COLUMNS]
    years = sorted({int(y) for y in data["year"].unique()} | {int(y) for y in units["year"]})
    checks = check_rows(targets, data, units, years)
    context = _ephemeral_context()
    batch = (
        context.data_sources.add_pandas("warehouse")
        .add_dataframe_asset("target_checks")
        .add_batch_definition_whole_dataframe("all")
    )
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(
            name=SUITE_NAME, data=batch, suite=build_suite([t.target_id for t in targets], context)
        )
    )
    outcome = validation.run(batch_parameters={"dataframe": checks}, result_format=RESULT_FORMAT)
    failpoint("expectations.validated")  # the kill tests' crash point mid-validation
    failed = pd.DataFrame(
        [
            (row["target_id"], row["role"], row["unit_id"])
            for r in outcome.results
            for row in r.result.get("unexpected_index_list") or []
        ],
        columns=["target_id", "role", "unit_id"],
    ).drop_duplicates()
    by_target: dict[str, dict[str, bool]] = {}
    for target_id, role in checks[["target_id", "role"]].drop_duplicates().itertuples(index=False):
        by_target.setdefault(target_id, {})[role] = True
    for target_id, role in failed[["target_id", "role"]].drop_duplicates().itertuples(index=False):
        by_target[target_id][role] = False
    # per school-level check: how many units fail of how many checked
    unit_checks = checks[(checks["unit_id"] != "") & checks["value"].notna()]
    totals = unit_checks.groupby(["target_id", "role"]).size()
    failing = failed[failed["unit_id"] != ""].groupby(["target_id", "role"]).size()
    counts = {key: (int(failing.get(key, 0)), int(n)) for key, n in totals.items()}
    if docs_dir is not None:
        from expectations.data_docs import build

        build(context, docs_dir)

    values = data.set_index(KEY)
    worst = _worst_units(units)
    results = []
    for t in targets:
        roles = by_target.get(t.target_id, {})
        if t.is_school_standard:
            result = _standard_result(t, roles, counts, worst, years)
        else:
            result = _result(t, roles, values, years)
        # a target on accumulated values is reported under its own indicator
        results.append(dataclasses.replace(result, target=originals[t.target_id]))
    return results


def accumulated(mart: pd.DataFrame, targets: list[Target]) -> tuple[pd.DataFrame, list[Target]]:
    """For targets on the sum of the yearly values since the plan's baseline year
    (accumulation since_baseline): rows of that running sum under an indicator of their own
    (`<indicator>@since<baseline year>`), and the targets pointed at it. A year's sum exists
    only when every year since the baseline has a value, and is complete only when all of
    them are."""
    rows, out = [], []
    for t in targets:
        if t.accumulation != ACCUMULATE_SINCE_BASELINE:
            out.append(t)
            continue
        derived = f"{t.indicator_id}@since{t.baseline_year}"
        out.append(dataclasses.replace(t, indicator_id=derived))
        series = mart[
            (mart["region_code"] == t.region_code)
            & (mart["indicator_id"] == t.indicator_id)
            & (mart["breakdown"] == t.breakdown)
        ].set_index("year")
        total, complete = 0.0, True
        last = int(series.index.max()) if len(series) else t.baseline_year
        for year in range(t.baseline_year + 1, last + 1):
            if year not in series.index or pd.isna(series.at[year, "value"]):
                break
            total += float(series.at[year, "value"])
            complete = complete and bool(series.at[year, "is_complete_coverage"])
            rows.append((t.region_code, year, derived, total, complete, None, t.breakdown))
    frame = pd.DataFrame(rows, columns=MART_COLUMNS)
    return frame.drop_duplicates(KEY), out


def _value(values: pd.DataFrame, key, column: str = "value") -> float | None:
    if key not in values.index:
        return None
    v = values.at[key, column]
    return None if pd.isna(v) else float(v)


def _result(t: Target, roles: dict[str, bool], values, years: list[int]) -> TargetResult:
    """The target's status from its expectations: met / missed in the target year; before it,
    on_track or at_risk against the milestone; no_data without a value."""

    def value_at(year: int) -> float | None:
        return _value(values, (t.region_code, year, t.indicator_id, t.breakdown))

    def flag_at(year: int) -> str | None:
        key = (t.region_code, year, t.indicator_id, t.breakdown)
        flag = values.at[key, "value_flag"] if key in values.index else None
        return None if pd.isna(flag) else str(flag)

    if not t.is_trend:

        def explain(year: int, actual: float, due: float, role: str) -> str:
            bound = t.describe() if role == "value" else f"{t.comparator} {due:,.2f}"
            return f"{year}: {actual:,.2f}, {'target' if role == 'value' else 'milestone'} {bound}"

        return _value_result(t, roles, years, value_at, explain, flag_at)

    def previous_at(year: int) -> float | None:
        return _value(values, (t.region_code, year, t.indicator_id, t.breakdown), "previous")

    checked = [y for y in check_years(t, years) if value_at(y) is not None]
    failures = tuple(
        f"{y}: {value_at(y):,.2f} "
        f"{'fell below' if t.comparator == 'non_decreasing' else 'rose above'} "
        f"{y - 1}'s {previous_at(y):,.2f}"
        for y in checked
        if roles.get(f"trend:{y}") is False
    )
    compared = [y for y in checked if previous_at(y) is not None]
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
