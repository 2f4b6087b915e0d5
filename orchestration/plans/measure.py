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
    """Comparators that allow the same values at the end of a scale read as one: a share at
    most 100 %, a count at least 0, a done-flag at most 1 (= 1 done is >= 1 done), 24 hours a
    day."""
    if kind == BASELINE:
        return None
    if comparator in (">=", "=") and value == 100 and unit == "%":
        return "="
    if comparator in ("<=", "=") and value == 0:
        return "="
    if comparator in (">=", "=") and value == 1 and unit == "flag":
        return ">="
    if comparator in (">=", "=") and value == 24 and unit.startswith("hours"):
        return "="  # round the clock: a day has no more hours
    return comparator


def _same_value(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= REL_TOLERANCE * max(abs(a), abs(b), 1.0)


def matches(row: KeyRow, c: Candidate) -> bool:
    if c.line != row.line or c.kind != row.kind or c.year != row.year:
        return False
    ours = _canonical(c.kind, c.comparator, c.value, c.unit)
    theirs = _canonical(row.kind, row.comparator, row.value, row.unit)
    if c.unit == "flag" or row.unit == "flag":
        # a done-flag is the same statement as "at least one": 建成一个中心 = 1 done
        ours = ">=" if ours == "=" and c.value == 1 else ours
        theirs = ">=" if theirs == "=" and row.value == 1 else theirs
    if ours != theirs:
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


def why_missed(row: KeyRow, candidates: list[Candidate]) -> str:
    """The first reason, in matching order, that no candidate on the row's line matches."""
    on_line = [c for c in candidates if c.line == row.line]
    if not on_line:
        return "nothing proposed on the line"
    same_value = [
        c
        for c in on_line
        if _same_value(base_value(row.value, row.unit), base_value(c.value, c.unit))
    ]
    if not same_value:
        return "no figure with this value on the line (implied, or written another way)"
    if not any(c.kind == row.kind for c in same_value):
        return "proposed as the other kind (target / baseline)"
    same_kind = [c for c in same_value if c.kind == row.kind]
    if not any(c.year == row.year for c in same_kind):
        return "another year proposed"
    return "another comparator proposed"


def _shown(path: Path) -> str:
    return str(path.relative_to(PROJECT_DIR)) if path.is_relative_to(PROJECT_DIR) else str(path)


def write_report(results: list[DocumentResult], path: Path, seeds_dir: Path) -> None:
    total = totals(results)
    plans_dir = get_settings().plans_dir
    reasons: dict[str, Counter] = defaultdict(Counter)
    examples: dict[tuple[str, str], list[KeyRow]] = defaultdict(list)
    for r in results:
        candidates = extract_candidates(
            read_document(plans_dir / r.source_file), manifest_for(plans_dir / r.source_file),
            seeds_dir,
        )  # fmt: skip
        for row in r.missed:
            why = why_missed(row, candidates)
            reasons[r.source_file][why] += 1
            examples[(r.source_file, why)].append(row)
    all_reasons = sorted({w for c in reasons.values() for w in c})
    out = [
        "# Plan extraction: recall and precision on the five plan documents",
        "",
        "Generated by `python -m orchestration.plans.measure --write` (do not edit by hand);",
        "`tests/plans/test_measure.py` prints the same table and fails below 90 % recall.",
        f"Answer key: `{_shown(seeds_dir)}/plan_targets.csv` and `plan_baselines.csv` as they "
        "stood when this page was written "
        f"({total.key_rows} rows with a figure, {total.qualitative} qualitative rows left out).",
        "",
        "## How a catalogue row counts as found",
        "",
        __doc__.split("**The matching rule.**", 1)[1].strip(),
        "",
        "## Figures per document",
        "",
        table(results),
        "",
        f"Extraction of all five took {total.seconds:.1f} s.",
        "",
        "## What the extractor misses, and why",
        "",
        "Each row not found, by the first reason in matching order (line → value → kind → year "
        "→ comparator):",
        "",
        "| reason | " + " | ".join(r.source_file[:3] for r in results) + " | all |",
        "|---|" + "---:|" * (len(results) + 1),
    ]
    for why in all_reasons:
        counts = [reasons[r.source_file][why] for r in results]
        out.append(f"| {why} | " + " | ".join(map(str, counts)) + f" | {sum(counts)} |")
    out += ["", MISSES_TEXT.strip(), "", "### Examples (up to five per document and reason)", ""]
    for r in results:
        for why in all_reasons:
            rows = examples.get((r.source_file, why), [])[:5]
            for row in rows:
                shown = "" if row.value is None else f"{row.value:g} {row.unit}"
                out.append(
                    f"- `{r.source_file[:3]}:{row.line}` {why}: {row.kind} {row.year} "
                    f"{row.comparator or ''} {shown} — “{row.quote[:60]}”"
                )
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


MISSES_TEXT = """
The classes behind those numbers:

- **Figures the plan implies but does not write.** A requirement named instead of stated
  (落实“两教一保” → 2 teachers per class; 教师工资不低于公务员 → a ratio of 100 %; the national
  优质均衡 thresholds are found, from seeds/balance_standards.csv, because the warehouse keeps
  them), a cumulative figure (46 new in 2024 on top of 9 in 2023 → ≥ 55), a code
  (“1530”安全教育 → 15 and 30 minutes), a level (良好(三级)), names counted where the plan
  separates them by nothing the extractor reads (新建蜊江中学教学楼和餐厅体育馆综合楼).
- **Damaged text.** OCR and web-scrape damage the plans carry (预计新增学位1.07个 lost its
  万, 20239月前 lost a 年), words split across wrapped lines in 000's project table.
- **Another reading of the same words.** Where the catalogue's authors read a sentence one
  way and the extractor another: 规划总投资34.29亿元 is a size (=) in one plan and a floor (>=)
  in another; 每月调整一次 is 1 a month in one and 12 a year in another (the extractor proposes
  both); 2020年建设 600 套 in a 十四五 project table is a target of 2020 in the catalogue and a
  baseline by the extractor's rule (a year before the period).
- **Baselines named in passing in an annual plan**: 发挥 / 依托 / 巩固 (make use of what
  exists) mark some (在8所省级STEM教育实验校 is found); 发挥百名家庭教育讲师团 writes its figure
  as a word (百名), 用好24小时热线 is a service's hours.

Precision is low by design: a reviewer rejects a wrong candidate in one click, but a figure
that is never proposed has to be found by reading the whole plan. Every candidate says what it
is unsure of, so the reviewer knows where to look.
"""


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
        write_report(res, DOC_PATH, args.seeds_dir)
        print(f"wrote {DOC_PATH.relative_to(PROJECT_DIR)}")
