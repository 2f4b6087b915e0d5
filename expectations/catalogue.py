"""The plan-target catalogue (`seeds/plan_targets.csv`) and the published baselines
(`seeds/plan_baselines.csv`), read without importing Great Expectations so that Dagster can
declare one asset check per target at load time cheaply.

Which targets are enforced is decided here, once: `enforcement()` gives each catalogue row
either True or the reason it is not enforced; the target-coverage mart shows the same answer.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
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
CV_SUFFIX = "_cv"

# Comparators on one region-year value, and comparators on the change between years.
VALUE_COMPARATORS = frozenset({">=", ">", "<=", "<", "=", "between"})
TREND_COMPARATORS = frozenset({"non_decreasing", "non_increasing"})
SUPPORTED_COMPARATORS = VALUE_COMPARATORS | TREND_COMPARATORS
# A plan's baseline year when the catalogue has no published baseline for the target (十四五).
DEFAULT_BASELINE_YEAR = 2020


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
        """The published baseline of the same region, indicator, stage and subgroup: the latest
        one before the target year."""
        found = [
            b
            for b in load_baselines()
            if (b.region_code, b.indicator_id, b.stage, b.subgroup)
            == (self.region_code, self.indicator_id, self.stage, self.subgroup)
            and b.year < self.target_year
        ]
        return max(found, key=lambda b: b.year) if found else None

    @property
    def baseline_year(self) -> int:
        b = self.baseline
        return b.year if b else min(DEFAULT_BASELINE_YEAR, self.target_year - 1)

    def milestone(self, year: int) -> float | None:
        """The value due in an interim year: on a straight line from the published baseline to
        the target, or the target itself when no baseline is published. None outside the
        plan's years and for comparators other than >=, >, <=, <."""
        if self.comparator not in (">=", ">", "<=", "<") or self.target_value is None:
            return None
        if not self.baseline_year < year < self.target_year:
            return None
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
    if target.indicator_id not in computed_indicators() | school_standards():
        return f"indicator {target.indicator_id} is not computed by the warehouse"
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
    return True


def load_targets(path: Path = CATALOGUE_PATH) -> list[Target]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            Target(
                target_id=row["target_id"],
                region_code=row["region_code"],
                region_name=row["region_name"],
                indicator_id=row["indicator_id"],
                target_year=int(row["target_year"]),
                comparator=row["comparator"],
                target_value=_float(row["target_value"]),
                target_value_high=_float(row["target_value_high"]),
                unit=row["unit"],
                binding=row["binding"],
                source_file=row["source_file"],
                source_line=int(row["source_line"]),
                source_quote=row["source_quote"],
                measurable=row["measurable"],
                notes=row["notes"],
                stage=row.get("stage", ""),
                subgroup=row.get("subgroup", ""),
            )
            for row in csv.DictReader(fh)
        ]


@cache
def load_baselines(path: Path = BASELINES_PATH) -> tuple[Baseline, ...]:
    if not path.exists():
        return ()
    with path.open(encoding="utf-8", newline="") as fh:
        return tuple(
            Baseline(
                baseline_id=row["baseline_id"],
                region_code=row["region_code"],
                indicator_id=row["indicator_id"],
                stage=row["stage"],
                subgroup=row["subgroup"],
                year=int(row["year"]),
                value=float(row["value"]),
                source_file=row["source_file"],
                source_line=int(row["source_line"]),
                source_quote=row["source_quote"],
            )
            for row in csv.DictReader(fh)
            if row["value"].strip()
        )


def enforceable_targets(path: Path = CATALOGUE_PATH) -> list[Target]:
    return [t for t in load_targets(path) if t.enforceable]
