"""The plan-target catalogue (`seeds/plan_targets.csv`) and the published baselines
(`seeds/plan_baselines.csv`), read without importing Great Expectations so that Dagster can
declare one asset check per target at load time cheaply. Values are converted to the unit of
their indicator (seeds/units.csv: 4.85 万人 → 48 500 pupils); the plan's own figure is kept.

Which targets are enforced is decided here, once: `enforcement()` gives each catalogue row
either True or the reason it is not enforced; the target-coverage mart shows the same answer.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
CATALOGUE_PATH = SEEDS / "plan_targets.csv"
BASELINES_PATH = SEEDS / "plan_baselines.csv"
INDICATORS_PATH = SEEDS / "indicators.csv"
BALANCE_STANDARDS_PATH = SEEDS / "balance_standards.csv"
REGIONS_PATH = SEEDS / "regions.csv"
# Class and school-size standards checked on every class or school (besides the 优质均衡
# measures): the class-size cap ("所有班级学生数不超过 45 人"), classes and pupils per school.
SCHOOL_STANDARDS_PATH = SEEDS / "school_standards.csv"
# What plans target beyond the computed indicators: values bureaus report (指标填报).
PLAN_INDICATORS_PATH = SEEDS / "plan_indicators.csv"
UNITS_PATH = SEEDS / "units.csv"
PLANS_PATH = SEEDS / "plans.csv"
CV_SUFFIX = "_cv"

# Comparators on one region-year value, and comparators on the change between years.
VALUE_COMPARATORS = frozenset({">=", ">", "<=", "<", "=", "between"})
TREND_COMPARATORS = frozenset({"non_decreasing", "non_increasing"})
SUPPORTED_COMPARATORS = VALUE_COMPARATORS | TREND_COMPARATORS
# A plan's baseline year when the catalogue has no published baseline for the target (十四五).
DEFAULT_BASELINE_YEAR = 2020
ACCUMULATE_SINCE_BASELINE = "since_baseline"


@dataclass(frozen=True)
class Baseline:
    baseline_id: str
    region_code: str
    indicator_id: str
    stage: str
    subgroup: str
    year: int
    value: float
    source_file: str
    source_line: int
    source_quote: str
    # as the plan states it, before conversion to the indicator's unit (万人 → pupils)
    plan_value: float | None = None
    plan_unit: str = ""
    plan_id: str = ""


@dataclass(frozen=True)
class Target:
    target_id: str
    region_code: str
    region_name: str
    indicator_id: str
    target_year: int
    comparator: str
    target_value: float | None
    target_value_high: float | None
    unit: str
    binding: str
    source_file: str
    source_line: int
    source_quote: str
    measurable: str
    notes: str
    stage: str = ""
    subgroup: str = ""
    # as the plan states it, before conversion to the indicator's unit (4.85 万人 → 48 500)
    plan_value: float | None = None
    plan_unit: str = ""
    # `since_baseline`: the target is on the sum of the yearly values after the plan's baseline
    # year ("新建中小学20所" over the five years of the plan), not on one year's value
    accumulation: str = ""
    # which figure of a reported indicator the target is on, when a region reports several in a
    # year (by stage, subgroup or project: "primary", "no17_complete_school"); '' otherwise
    breakdown: str = ""
    # the plan the target belongs to (seeds/plans.csv, or a plan a bureau added) and the year
    # before its period, from which milestones run when it publishes no baseline
    plan_id: str = ""
    plan_baseline_year: int | None = None
    # the baselines the plan publishes; None: the catalogue's (seeds/plan_baselines.csv)
    plan_baselines: tuple[Baseline, ...] | None = field(default=None, repr=False, compare=False)

    @property
    def is_binding(self) -> bool:
        return self.binding == "binding"

    @property
    def enforceable(self) -> bool:
        return enforcement(self) is True

    @property
    def is_school_standard(self) -> bool:
        """Checked on every class, every school or the region's 差异系数
        (marts.mart_standard_units) rather than on one region-year value."""
        return self.indicator_id in school_standards()

    @property
    def is_trend(self) -> bool:
        return self.comparator in TREND_COMPARATORS

    def describe(self) -> str:
        """The target as a person reads it, e.g. '>= 94 %'."""
        if self.comparator == "between":
            return f"between {self.target_value:g} and {self.target_value_high:g} {self.unit}"
        if self.is_trend:
            return self.comparator.replace("_", "-") + " every year"
        return f"{self.comparator} {self.target_value:g} {self.unit}"

    @property
    def baseline(self) -> Baseline | None:
        """The baseline the target's own plan publishes for the same region, indicator, stage
        and subgroup: the latest one before the target year (a 十五五 target never runs from a
        十四五 plan's figure)."""
        published = load_baselines() if self.plan_baselines is None else self.plan_baselines
        found = [
            b
            for b in published
            if (b.region_code, b.indicator_id, b.stage, b.subgroup)
            == (self.region_code, self.indicator_id, self.stage, self.subgroup)
            and b.year < self.target_year
            and (not self.plan_id or not b.plan_id or b.plan_id == self.plan_id)
        ]
        return max(found, key=lambda b: b.year) if found else None

    @property
    def baseline_year(self) -> int:
        """The published baseline's year, else the year before the plan's period (2020 for a
        十四五 plan, 2022 for 泸西县's 2023–2025 plan, 2023 for a 2024 work plan)."""
        b = self.baseline
        if b:
            return b.year
        start = self.plan_baseline_year if self.plan_baseline_year else DEFAULT_BASELINE_YEAR
        return min(start, self.target_year - 1)

    def milestone(self, year: int) -> float | None:
        """The value due in an interim year: on a straight line from the published baseline to
        the target, or the target itself when no baseline is published. None outside the
        plan's years and for comparators other than >=, >, <=, <."""
        if self.comparator not in (">=", ">", "<=", "<") or self.target_value is None:
            return None
        if not self.baseline_year < year < self.target_year:
            return None
        if self.accumulation:
            # a running sum starts from nothing in the baseline year
            share = (year - self.baseline_year) / (self.target_year - self.baseline_year)
            return self.target_value * share
        b = self.baseline
        if b is None:
            return self.target_value
        share = (year - b.year) / (self.target_year - b.year)
        return b.value + (self.target_value - b.value) * share


def _float(value: str) -> float | None:
    return float(value) if value.strip() else None


@cache
def computed_indicators(path: Path = INDICATORS_PATH) -> frozenset[str]:
    """Indicators the warehouse computes (seeds/indicators.csv). What plans target beyond them
    is defined in seeds/plan_indicators.csv, so the catalogue can name it."""
    with path.open(encoding="utf-8", newline="") as fh:
        return frozenset(r["indicator_id"] for r in csv.DictReader(fh))


@cache
def reported_indicators(path: Path = PLAN_INDICATORS_PATH) -> dict[str, dict[str, str]]:
    """Indicators no extract gives, whose values bureaus report (the indicator_reports extract):
    indicator_id -> its row of seeds/plan_indicators.csv (unit, range, aggregation). The
    class and school standards defined there too are checked on every class or school from
    the extracts, not reported."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = {r["indicator_id"]: r for r in csv.DictReader(fh)}
    return {i: r for i, r in rows.items() if i not in school_standards()}


@cache
def indicator_units() -> dict[str, str]:
    """The unit every indicator's values are in, computed or reported."""
    with INDICATORS_PATH.open(encoding="utf-8", newline="") as fh:
        units = {r["indicator_id"]: r["unit"] for r in csv.DictReader(fh)}
    return units | {i: r["unit"] for i, r in reported_indicators().items()}


@cache
def unit_factors(path: Path = UNITS_PATH) -> dict[str, tuple[str, float]]:
    """unit -> (base unit, factor to the base unit): 万人 -> (count, 10000)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["unit"]: (r["base_unit"], float(r["factor"])) for r in csv.DictReader(fh)}


def conversion(from_unit: str, to_unit: str) -> float | None:
    """The factor that turns a value in from_unit into to_unit, or None if they measure
    different things (or either is unknown and they differ)."""
    if from_unit == to_unit:
        return 1.0
    units = unit_factors()
    if from_unit in units and to_unit in units and units[from_unit][0] == units[to_unit][0]:
        return units[from_unit][1] / units[to_unit][1]
    return None


def value_source(target: Target) -> str | None:
    """computed (from the extracts, or checked on every class or school), reported (by the
    bureau, indicator_reports), or None when the warehouse has no such indicator."""
    if target.indicator_id in computed_indicators() | school_standards():
        return "computed"
    if target.indicator_id in reported_indicators():
        return "reported"
    return None


@cache
def school_standards(
    path: Path = BALANCE_STANDARDS_PATH, others: Path = SCHOOL_STANDARDS_PATH
) -> frozenset[str]:
    """The standard ids of marts.mart_standard_units: each 优质均衡 measure
    (seeds/balance_standards.csv) and its coefficient of variation (`<measure>_cv`), and the
    class and school-size standards of seeds/school_standards.csv (the class-size cap, classes
    and pupils per school, multimedia classrooms per class)."""
    with path.open(encoding="utf-8", newline="") as fh:
        measures = {r["measure_id"] for r in csv.DictReader(fh)}
    with others.open(encoding="utf-8", newline="") as fh:
        sizes = {r["standard_id"] for r in csv.DictReader(fh)}
    return frozenset(sizes | measures | {m + CV_SUFFIX for m in measures})


@cache
def region_levels(path: Path = REGIONS_PATH) -> dict[str, str]:
    """Region code -> province / prefecture / county (seeds/regions.csv)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["region_code"]: r["region_level"] for r in csv.DictReader(fh)}


def enforcement(target: Target) -> bool | str:
    """True, or the reason the target is not enforced."""
    if target.measurable != "true":
        return target.measurable or "not measurable"
    if target.comparator not in SUPPORTED_COMPARATORS:
        return f"comparator '{target.comparator}' is not supported"
    if value_source(target) is None:
        return f"indicator {target.indicator_id} is defined neither as computed nor as reported"
    unit = indicator_units().get(target.indicator_id)
    if (
        target.plan_unit
        and unit is not None
        and not target.is_school_standard
        and not target.is_trend
        and conversion(target.plan_unit, unit) is None
    ):
        return (
            f"the target is in {target.plan_unit} and the indicator {target.indicator_id} in "
            f"{unit}: the two cannot be compared"
        )
    if target.is_school_standard and (target.is_trend or not target.stage):
        return "a school-level standard needs a stage and a value"
    level = region_levels().get(target.region_code)
    if target.indicator_id.endswith(CV_SUFFIX) and level != "county":
        return (
            f"a 差异系数 maximum is a county standard (教督〔2017〕6号); "
            f"{target.region_name} ({target.region_code}) is a {level or 'unknown region'}"
        )
    if not target.is_trend and target.target_value is None:
        return "no target value"
    if target.accumulation not in ("", ACCUMULATE_SINCE_BASELINE):
        return f"accumulation '{target.accumulation}' is not supported"
    if target.accumulation and (target.is_trend or target.is_school_standard):
        return "only a value target on a region's indicator can accumulate over the years"
    return True


def _in_indicator_unit(indicator_id: str, value: float | None, unit: str):
    """(value, unit) converted to the unit the indicator's values are in (万人 → pupils), or as
    given when there is no conversion (enforcement() then says why)."""
    target_unit = indicator_units().get(indicator_id)
    factor = conversion(unit, target_unit) if target_unit else None
    if value is None or factor is None:
        return value, (target_unit if factor is not None else unit)
    return value * factor, target_unit


@cache
def load_plans(path: Path = PLANS_PATH) -> dict[str, dict[str, str]]:
    """The plans of the built-in catalogue (seeds/plans.csv): plan_id -> its row (region,
    title, kind, period, baseline year, issue date, document hash)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["plan_id"]: r for r in csv.DictReader(fh)}


def load_targets(path: Path = CATALOGUE_PATH) -> list[Target]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    plans = load_plans()
    return [
        target_from_row(
            row,
            int(plans[row["plan_id"]]["baseline_year"]) if row.get("plan_id") in plans else None,
        )
        for row in rows
    ]


def target_from_row(
    row: dict, plan_baseline_year: int | None, plan_baselines: tuple[Baseline, ...] | None = None
) -> Target:
    """A catalogue row (the columns of seeds/plan_targets.csv, as text or values) as a Target,
    its values in the indicator's unit; `plan_baselines` for a plan a bureau added (None: the
    built-in catalogue's)."""

    def number(key: str) -> float | None:
        v = row.get(key)
        return v if isinstance(v, int | float) else _float(str(v or ""))

    value, unit = _in_indicator_unit(row["indicator_id"], number("target_value"), row["unit"])
    high, _ = _in_indicator_unit(row["indicator_id"], number("target_value_high"), row["unit"])
    return Target(
        target_id=row["target_id"],
        region_code=row["region_code"],
        region_name=row["region_name"],
        indicator_id=row["indicator_id"],
        target_year=int(row["target_year"]),
        comparator=row["comparator"],
        target_value=value,
        target_value_high=high,
        unit=unit,
        binding=row["binding"],
        source_file=row["source_file"],
        source_line=int(row["source_line"] or 0),
        source_quote=row["source_quote"],
        measurable=row["measurable"],
        notes=row.get("notes") or "",
        stage=row.get("stage") or "",
        subgroup=row.get("subgroup") or "",
        accumulation=row.get("accumulation") or "",
        breakdown=row.get("breakdown") or "",
        plan_id=row.get("plan_id") or "",
        plan_baseline_year=plan_baseline_year,
        plan_baselines=plan_baselines,
        plan_value=number("target_value"),
        plan_unit=row["unit"],
    )


def baseline_from_row(row: dict) -> Baseline:
    """A baseline row (the columns of seeds/plan_baselines.csv) as a Baseline, its value in
    the indicator's unit."""
    value = float(row["value"])
    return Baseline(
        baseline_id=row["baseline_id"],
        region_code=row["region_code"],
        indicator_id=row["indicator_id"],
        stage=row.get("stage") or "",
        subgroup=row.get("subgroup") or "",
        year=int(row["year"]),
        value=_in_indicator_unit(row["indicator_id"], value, row["unit"])[0],
        source_file=row["source_file"],
        source_line=int(row["source_line"] or 0),
        source_quote=row["source_quote"],
        plan_value=value,
        plan_unit=row["unit"],
        plan_id=row.get("plan_id") or "",
    )


@cache
def load_baselines(path: Path = BASELINES_PATH) -> tuple[Baseline, ...]:
    if not path.exists():
        return ()
    with path.open(encoding="utf-8", newline="") as fh:
        return tuple(baseline_from_row(r) for r in csv.DictReader(fh) if r["value"].strip())


def enforceable_targets(path: Path = CATALOGUE_PATH) -> list[Target]:
    return [t for t in load_targets(path) if t.enforceable]


@dataclass(frozen=True)
class ReportLine:
    """One figure a region must report for its plan targets: a row of the form `eduwh template`
    writes (indicator × breakdown × year), with what the bureau needs to fill it in."""

    region_code: str
    region_name: str
    year: int
    indicator_id: str
    indicator_name_zh: str
    breakdown: str
    unit: str
    min_value: float | None
    max_value: float | None
    is_integer: bool
    targets: tuple[Target, ...]

    @property
    def target_text(self) -> str:
        """The targets as the plans state them, e.g. '2025: >= 360 hours'."""
        return "; ".join(
            f"{t.target_year}: {t.describe()}"
            + (" (sum since the baseline year)" if t.accumulation else "")
            for t in self.targets
        )

    @property
    def quote(self) -> str:
        return " / ".join(dict.fromkeys(t.source_quote for t in self.targets))


def target_years(target: Target) -> list[int]:
    """The years whose reported value a target's verdict reads: its target year; every year of
    its plan for a trend (只增不减 compares each year with the year before) or a running sum
    since the baseline."""
    if target.is_trend or target.accumulation:
        first = target.baseline_year + (1 if target.accumulation else 0)
        return list(range(first, target.target_year + 1))
    return [target.target_year]


def report_lines(
    targets: list[Target], region_code: str, years: list[int] | None = None
) -> list[ReportLine]:
    """The figures `region_code` must report for its enforceable targets on reported
    indicators, one per indicator × breakdown × year (restricted to `years` when given), in
    indicator order."""
    indicators = reported_indicators()
    wanted: dict[tuple[str, str, int], list[Target]] = {}
    for t in targets:
        if t.region_code != region_code or value_source(t) != "reported":
            continue
        if enforcement(t) is not True:
            continue
        for year in target_years(t):
            if years is None or year in years:
                wanted.setdefault((t.indicator_id, t.breakdown, year), []).append(t)
    lines = []
    for (indicator_id, breakdown, year), found in sorted(wanted.items()):
        row = indicators[indicator_id]
        lines.append(
            ReportLine(
                region_code=region_code,
                region_name=found[0].region_name,
                year=year,
                indicator_id=indicator_id,
                indicator_name_zh=row["indicator_name_zh"],
                breakdown=breakdown,
                unit=row["unit"],
                min_value=_float(row.get("min_value") or ""),
                max_value=_float(row.get("max_value") or ""),
                is_integer=(row.get("is_integer") or "").strip().lower() == "true",
                targets=tuple(found),
            )
        )
    return lines
