"""The run summary an operator reads after `make demo` or a nightly run, a screen long: rows per
extract, only the files with quarantined rows or refusals, models built and dbt tests, the plan
targets per region and the worst misses, and where to read the rest (`eduwh audit` for every
file, the plan-progress report for every target)."""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from expectations.catalogue import load_targets
from expectations.progress import STATUSES, miss_rank
from orchestration.ingest.loaders import FileLoadResult, LoadRun, render_load_report

# The files with quarantined rows or refusals and the worst misses shown; `eduwh audit` and the
# plan-progress report list them all.
SHOWN_FILES = 10
SHOWN_MISSES = 15
# how a catalogue row is covered (expectations.progress.COVERAGE), as the table heads it
COVERAGE_COLUMNS = (
    ("computed", "computed"),
    ("reported", "reported"),
    ("awaiting report", "awaiting"),
    ("qualitative", "qualitat."),
    ("not enforced", "not enf."),
)


@dataclass
class RunSummary:
    success: bool
    extracts: dict[str, dict[str, Any]] = field(default_factory=dict)
    # files loaded or refused by this run (unchanged files are only counted)
    files: list[FileLoadResult] = field(default_factory=list)
    models_built: int = 0
    dbt_tests_passed: int = 0
    dbt_tests_failed: list[str] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)
    published: str | None = None  # the serving path, when this run published
    outputs: dict[str, str] = field(default_factory=dict)  # e.g. the report: where to find it
    reconciliation: dict[str, Any] = field(default_factory=dict)
    # region → computed / reported / awaiting report / qualitative / not enforced → rows
    coverage: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def targets_failed(self) -> list[dict[str, Any]]:
        return [t for t in self.targets if not t["passed"]]

    def render(self) -> str:
        lines = [f"Run {'succeeded' if self.success else 'FAILED'}"]
        lines.append(
            f"Published to {self.published}"
            if self.published
            else "NOT published: the serving warehouse is unchanged (a blocking check or the "
            "dbt build failed, see above and the run log)"
        )
        lines += [f"{name}: {where}" for name, where in self.outputs.items()]
        lines += ["", "Rows per extract:"]
        lines.append(
            f"  {'extract':<11}{'files':>6}{'unchanged':>10}{'read':>11}{'loaded':>11}"
            f"{'quarantined':>13}{'refused files':>15}{'in warehouse':>14}"
        )
        for name, m in sorted(self.extracts.items()):
            lines.append(
                f"  {name:<11}{m['files']:>6}{m['files_unchanged']:>10}{m['rows_read']:>11,}"
                f"{m['rows_loaded']:>11,}{m['rows_quarantined']:>13,}{m['files_refused']:>15}"
                f"{m['rows_in_warehouse']:>14,}"
            )
        lines += self._files()
        lines += [
            "",
            f"dbt models and seeds built: {self.models_built}; dbt data tests: "
            f"{self.dbt_tests_passed} passed, {len(self.dbt_tests_failed)} failed",
        ]
        lines += [f"  FAILED {name}" for name in self.dbt_tests_failed]
        counts = Counter(t["status"] for t in self.targets)
        catalogue = (
            sum(sum(kinds.values()) for kinds in self.coverage.values())
            if self.coverage
            else len(load_targets())
        )
        lines += [
            "",
            f"Plan targets: {len(self.targets)} enforced of {catalogue} in the catalogue — "
            + ", ".join(f"{s.replace('_', ' ')} {counts[s]}" for s in STATUSES)
            + " (no data: the year is not in the extracts, or the figure awaits its report)",
        ]
        lines += self._by_region()
        lines += self._worst_misses()
        if self.reconciliation:
            r = self.reconciliation
            lines += [
                "",
                f"Published baselines: {r['match']} match the warehouse, {r['mismatch']} do not "
                f"(ERROR), {r['no_data']} have no extracts, {r['not_reconciled']} are figures "
                "the warehouse does not compute",
            ]
            if r["mismatch"]:
                lines += [f"  MISMATCH {m}" for m in str(r["mismatches"]).splitlines()]
        report = self.outputs.get("Plan progress report", "`eduwh report`")
        lines += [
            "",
            "The rest: `eduwh audit` lists every file loaded, refused or quarantined (with example "
            f"rows); the plan-progress report, {report}, every target with its values and the "
            "plan's words.",
        ]
        return "\n".join(lines)

    def _files(self) -> list[str]:
        """The files of this run that lost rows to the quarantine or were refused; the others
        are only counted."""
        troubled = [f for f in self.files if f.status == "refused" or f.rows_quarantined]
        lines = [
            "",
            f"Files with quarantined rows or refused: {len(troubled)} of the {len(self.files)} "
            "this run loaded or refused (the others loaded whole)",
        ]
        if troubled:
            lines.append(render_load_report(LoadRun(troubled[:SHOWN_FILES], {})))
            if len(troubled) > SHOWN_FILES:
                lines.append(f"  … and {len(troubled) - SHOWN_FILES} more: `eduwh audit`")
        return lines

    def _by_region(self) -> list[str]:
        """Per region: the verdicts of the enforced targets (met / on track / at risk / missed /
        no data), and how every catalogue row is covered (computed from the extracts, reported
        by the bureau, awaiting its report, qualitative, or not enforced)."""
        counts: dict[str, Counter] = {}
        for t in self.targets:
            counts.setdefault(t["region"], Counter())[t["status"]] += 1
        for region, kinds in self.coverage.items():
            counts.setdefault(region, Counter()).update(
                {f"cov:{kind}": n for kind, n in kinds.items()}
            )
        columns = [(s, s.replace("_", " "), 9) for s in STATUSES] + [
            (f"cov:{kind}", label, 10) for kind, label in COVERAGE_COLUMNS
        ]
        header = "".join(f"{label:>{w}}" for _, label, w in columns)
        lines = [
            "",
            "Plan targets by region: verdicts of the enforced targets | how every catalogue row "
            "is covered",
            "  " + _pad("region", 26) + header,
        ]
        for region, c in sorted(counts.items()):
            lines.append(
                "  " + _pad(region, 26) + "".join(f"{c[key]:>{w}}" for key, _, w in columns)
            )
        return lines

    def _worst_misses(self, n: int = SHOWN_MISSES) -> list[str]:
        """The worst misses, ranked as the report ranks them (expectations.progress.miss_rank),
        each with its actual value, the target and the plan's words."""
        missed = [t for t in self.targets if t["status"] in ("missed", "at_risk")]
        if not missed:
            return []

        def rank(t):
            gap, due = (v if isinstance(v, float) else None for v in (t.get("gap"), t.get("due")))
            return miss_rank(t["status"], t.get("binding") or "", gap, due, t["check"])

        shown = sorted(missed, key=rank)[:n]
        lines = ["", f"Worst misses ({len(shown)} of {len(missed)}; ERROR = a binding target):"]
        for t in shown:
            line = (
                f"  {t['severity']:<5} {t['region']} · {t['indicator']} · {t['year']}: "
                f"actual {t['actual']} vs target {t['target']} ({t['status']})"
            )
            # what failed, unless it only says the actual value and the target again
            restated = f"{t['year']}: {t['actual']}, target {t['target']}"
            if t["failures"] and t["failures"] not in ("none", restated):
                line += f"; {t['failures']}"
            lines.append(f"{line} — “{t['quote']}”")
        return lines


def _pad(text: str, width: int) -> str:
    """Left-align text whose Chinese characters take two columns in a terminal."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - shown, 1)


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


def summarise(result) -> RunSummary:
    """Build the summary from a Dagster ExecuteInProcessResult."""
    summary = RunSummary(success=result.success)
    built = set()
    for event in result.get_asset_materialization_events():
        mat = event.materialization
        path = mat.asset_key.path
        if path == ["warehouse", "published"]:
            summary.published = str(_plain(mat.metadata["serving_path"]))
        elif path == ["reports", "plan_progress"]:
            summary.outputs["Plan progress report"] = str(_plain(mat.metadata["path"]))
        elif path == ["warehouse", "parquet_exports"]:
            summary.outputs["Parquet exports"] = str(_plain(mat.metadata["path"]))
        elif path == ["marts", "mart_plan_progress"]:
            docs = _plain(mat.metadata.get("data_docs"))
            summary.outputs["Great Expectations Data Docs"] = str(docs)
            summary.coverage = _plain(mat.metadata.get("coverage_by_region")) or {}
        elif path[0] == "raw" and len(path) == 2:
            meta = {k: _plain(v) for k, v in mat.metadata.items()}
            for key in ("files_without_extract", "file_results"):
                summary.files += [FileLoadResult(**f) for f in meta.pop(key, [])]
            summary.extracts[path[1]] = meta
        else:
            built.add(mat.asset_key)
    summary.models_built = len(built)
    for ev in result.get_asset_check_evaluations():
        if ev.check_name == "baselines_reconcile":
            summary.reconciliation = {k: _plain(v) for k, v in ev.metadata.items()}
        elif ev.asset_key.path == ["marts", "mart_plan_progress"]:
            # every other check of the plan-progress asset is one plan target
            meta = {k: _plain(v) for k, v in ev.metadata.items()}
            actual = meta.get("actual")
            summary.targets.append(
                {
                    "check": ev.check_name,
                    "passed": ev.passed,
                    "severity": ev.severity.value,
                    "region": meta.get("region"),
                    "indicator": meta.get("indicator"),
                    "year": meta.get("year"),
                    "actual": f"{actual:.2f}" if isinstance(actual, float) else actual,
                    "actual_value": actual,
                    "target": meta.get("target"),
                    "status": meta.get("status"),
                    "quote": meta.get("quote"),
                    "gap": meta.get("gap"),
                    "due": meta.get("value_due"),
                    "failures": meta.get("failures"),
                    "binding": meta.get("binding"),
                }
            )
        elif ev.passed:
            summary.dbt_tests_passed += 1
        else:
            summary.dbt_tests_failed.append(f"{ev.asset_key.to_user_string()}:{ev.check_name}")
    return summary
