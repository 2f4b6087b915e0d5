"""The plan-target catalogue (`seeds/plan_targets.csv`), read without importing Great
Expectations so that Dagster can declare one asset check per target at load time cheaply."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

CATALOGUE_PATH = Path(__file__).resolve().parents[1] / "seeds" / "plan_targets.csv"

# Comparators this version enforces on single region-year values.
SUPPORTED_COMPARATORS = frozenset({">=", ">", "<=", "<", "=", "between"})


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

    @property
    def is_binding(self) -> bool:
        return self.binding == "binding"

    @property
    def enforceable(self) -> bool:
        return self.measurable == "true" and self.comparator in SUPPORTED_COMPARATORS

    def describe(self) -> str:
        """The target as a person reads it, e.g. '>= 94 %'."""
        if self.comparator == "between":
            return f"between {self.target_value:g} and {self.target_value_high:g} {self.unit}"
        return f"{self.comparator} {self.target_value:g} {self.unit}"


def _float(value: str) -> float | None:
    return float(value) if value.strip() else None


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
            )
            for row in csv.DictReader(fh)
        ]


def enforceable_targets(path: Path = CATALOGUE_PATH) -> list[Target]:
    return [t for t in load_targets(path) if t.enforceable]
