"""How much of the target catalogue the extractor finds: recall and precision on the five plan
documents, with the catalogue (`seeds/plan_targets.csv`, `seeds/plan_baselines.csv`) as the
answer key.

    python -m orchestration.plans.measure            # print the figures
    python -m orchestration.plans.measure --write    # and rewrite docs/plan_extraction.md

**The matching rule.** A catalogue row is *found* when the extractor proposes a candidate with

- the same document and the same source line (a catalogue row cites a line; a candidate's line
  is the line its quote is on),
- the same kind (a target row needs a target candidate, a baseline row a baseline),
- the same year (target year, or baseline year),
- the same comparator (targets only; baselines have none),
- the same value after unit conversion: both sides in the base unit (4.85 万人 = 48 500,
  69.09 亿元 = 6 909 000 000), equal to within a relative 1e-9; a trend target
  (non_decreasing) has no value on either side.

Two comparators are the same target when the value is at the end of its scale: `>= 100 %` is
`= 100 %` (a share cannot exceed 100 %) and `<= 0` is `= 0` (a count cannot fall below 0); the
catalogue writes both. Nothing else is tolerated: not a neighbouring line, not `>` for `>=`.

One candidate may find several catalogue rows: "消除大班额" on one line is one proposed
statement (= 0 by 2025) which the catalogue records once per district and indicator. So
recall counts catalogue rows, precision counts candidates: **recall** = catalogue rows found /
catalogue rows with a figure; **precision** = candidates that find at least one catalogue row /
candidates proposed. Rows whose `measurable` starts with `qualitative` have no figure (一批,
a 2035 vision, 配齐 without a number) and are left out of recall, and counted separately.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.plans.documents import read_document
from orchestration.plans.extract import BASELINE, TARGET, Candidate, extract_candidates
from orchestration.plans.figures import base_value
from orchestration.plans.indicators import SEEDS_DIR
from orchestration.plans.manifest import PlanManifest, manifest_path, parse_manifest
from orchestration.settings import PROJECT_DIR, get_settings

DOC_PATH = PROJECT_DIR / "docs" / "plan_extraction.md"
REL_TOLERANCE = 1e-9

# The five documents arrive without manifests; these are what their manifests would say (the
# title, region, period and issue date each document states; 004 compiles seven regions' 2024
# work plans, filed under the first region it names). A manifest beside a document wins.
KNOWN_PLANS: dict[str, dict] = {
    "000_f9a1169e2701243a.txt": {
        "title": "南阳市卧龙区教育体育事业发展“十四五”规划",
        "region_code": "411303",
        "kind": "five_year",
        "period_start": 2021,
        "period_end": 2025,
        "issue_date": "2021-03-26",
    },
    "001_a06619f67622513c.txt": {
        "title": "洛阳市“十四五”教育事业发展规划(征求意见稿)",
        "region_code": "410300",
        "kind": "five_year",
        "period_start": 2021,
        "period_end": 2025,
        "issue_date": "2022-02-10",
    },
    "002_8ce397d9036d1a9f.txt": {
        "title": "重庆市巴南区教育事业发展“十四五”规划(2021-2025年)",
        "region_code": "500113",
        "kind": "five_year",
        "period_start": 2021,
        "period_end": 2025,
        "issue_date": "2021-12-08",
    },
    "003_59a37f879a074739.txt": {
        "title": "泸西县教育高质量发展三年行动实施方案(2023—2025年)",
        "region_code": "532527",
        "kind": "three_year",
        "period_start": 2023,
        "period_end": 2025,
        "issue_date": "2023-10-31",
    },
    "004_3227ec60a49dc19a.txt": {
        "title": "2024年教育工作要点(七个地区汇编)",
        "region_code": "232700",
        "kind": "annual",
        "period_start": 2024,
        "period_end": 2024,
        "issue_date": "2024-01-01",
    },
}


@dataclass(frozen=True)
class KeyRow:
    """A catalogue row as the answer key sees it."""

    row_id: str
    kind: str
    source_file: str
    line: int
    year: int
    comparator: str | None
    value: float | None
    unit: str
    quote: str
    indicator_id: str


def _float(text: str) -> float | None:
    text = (text or "").strip()
    return float(text) if text else None


def load_key(seeds_dir: Path = SEEDS_DIR) -> tuple[list[KeyRow], int]:
    """Catalogue rows with a figure, and the number of qualitative rows left out."""
    rows, qualitative = [], 0
    with (seeds_dir / "plan_targets.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if (r.get("measurable") or "").startswith("qualitative"):
                qualitative += 1
                continue
            comparator = r["comparator"] or None
            value = _float(r["target_value"])
            rows.append(
                KeyRow(
                    r["target_id"],
                    TARGET,
                    r["source_file"],
                    int(r["source_line"]),
                    int(r["target_year"]),
                    comparator,
                    value,
                    r["unit"],
                    r["source_quote"],
                    r["indicator_id"],
                )  # fmt: skip
            )
    with (seeds_dir / "plan_baselines.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            rows.append(
                KeyRow(
                    r["baseline_id"],
                    BASELINE,
                    r["source_file"],
                    int(r["source_line"]),
                    int(r["year"]),
                    None,
                    _float(r["value"]),
                    r["unit"],
                    r["source_quote"],
                    r["indicator_id"],
                )  # fmt: skip
            )
    return rows, qualitative


def _canonical(kind: str, comparator: str | None, value: float | None, unit: str):
    if kind == BASELINE:
        return None
    if comparator in (">=", "=") and value == 100 and unit == "%":
        return "="
    if comparator in ("<=", "=") and value == 0:
        return "="
    return comparator


def _same_value(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= REL_TOLERANCE * max(abs(a), abs(b), 1.0)


def matches(row: KeyRow, c: Candidate) -> bool:
    if c.line != row.line or c.kind != row.kind or c.year != row.year:
        return False
    if _canonical(row.kind, row.comparator, row.value, row.unit) != _canonical(
        c.kind, c.comparator, c.value, c.unit
    ):
        return False
    return _same_value(base_value(row.value, row.unit), base_value(c.value, c.unit))


@dataclass
class DocumentResult:
    source_file: str
    key_rows: int = 0
    found: int = 0
    candidates: int = 0
    useful: int = 0  # candidates finding at least one row
    qualitative: int = 0
    missed: list[KeyRow] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def recall(self) -> float:
        return self.found / self.key_rows if self.key_rows else 1.0

    @property
    def precision(self) -> float:
        return self.useful / self.candidates if self.candidates else 0.0


def manifest_for(document: Path) -> PlanManifest:
    path = manifest_path(document)
    if path.is_file():
        return parse_manifest(json.loads(path.read_text(encoding="utf-8")), path.name)
    return parse_manifest(KNOWN_PLANS[document.name], f"{document.name} (built in)")


def measure(plans_dir: Path, seeds_dir: Path = SEEDS_DIR) -> list[DocumentResult]:
    key, _ = load_key(seeds_dir)
    qualitative = _qualitative_by_file(seeds_dir)
    by_file: dict[str, list[KeyRow]] = defaultdict(list)
    for row in key:
        by_file[row.source_file].append(row)
    results = []
    for name in sorted(set(by_file) | set(KNOWN_PLANS)):
        path = plans_dir / name
        if not path.is_file():
            continue
        started = time.perf_counter()
        candidates = extract_candidates(read_document(path), manifest_for(path), seeds_dir)
        by_line: dict[int, list[Candidate]] = defaultdict(list)
        for c in candidates:
            by_line[c.line].append(c)
        result = DocumentResult(name, candidates=len(candidates))
        result.qualitative = qualitative.get(name, 0)
        useful: set[str] = set()
        for row in by_file.get(name, []):
            result.key_rows += 1
            hits = [c for c in by_line.get(row.line, []) if matches(row, c)]
            if hits:
                result.found += 1
                useful.update(c.candidate_id for c in hits)
            else:
                result.missed.append(row)
        result.useful = len(useful)
        result.seconds = time.perf_counter() - started
        results.append(result)
    return results


def _qualitative_by_file(seeds_dir: Path) -> Counter:
    counts: Counter = Counter()
    with (seeds_dir / "plan_targets.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if (r.get("measurable") or "").startswith("qualitative"):
                counts[r["source_file"]] += 1
    return counts


def totals(results: list[DocumentResult]) -> DocumentResult:
    total = DocumentResult("all")
    for r in results:
        total.key_rows += r.key_rows
        total.found += r.found
        total.candidates += r.candidates
        total.useful += r.useful
        total.qualitative += r.qualitative
        total.missed += r.missed
        total.seconds += r.seconds
    return total


def table(results: list[DocumentResult]) -> str:
    lines = [
        "| document | catalogue rows with a figure | found | recall | candidates | matching "
        "a row | precision | qualitative rows (left out) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in [*results, totals(results)]:
        name = r.source_file if r.source_file != "all" else "**all five**"
        lines.append(
            f"| {name} | {r.key_rows} | {r.found} | {r.recall:.1%} | {r.candidates} | "
            f"{r.useful} | {r.precision:.1%} | {r.qualitative} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - exercised by the command in the docs
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plans-dir", type=Path, default=get_settings().plans_dir)
    parser.add_argument("--seeds-dir", type=Path, default=SEEDS_DIR)
    parser.add_argument("--write", action="store_true", help="rewrite docs/plan_extraction.md")
    parser.add_argument("--missed", action="store_true", help="list every row not found")
    args = parser.parse_args()
    if not args.plans_dir.is_dir():
        sys.exit(f"The plan documents are not at {args.plans_dir}: set EDUWH_PLANS_DIR.")
    res = measure(args.plans_dir, args.seeds_dir)
    print(table(res))
    if args.missed:
        for r in totals(res).missed:
            print(r.source_file[:3], r.line, r.kind, r.year, r.comparator, r.value, r.unit, "|",
                  r.quote[:60])  # fmt: skip
    if args.write:
        from orchestration.plans.report import write_report

        write_report(res, DOC_PATH, dt.date.today())
