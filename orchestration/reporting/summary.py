"""The run summary an operator reads after `make demo` or a nightly run: rows per extract,
models built, dbt tests and plan targets, with every failing target spelled out."""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from expectations.catalogue import enforceable_targets, load_targets
from expectations.progress import STATUSES, miss_rank
from orchestration.ingest.loaders import FileLoadResult, LoadRun, render_load_report


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
        if self.files:
            lines += ["", "Files loaded or refused in this run:"]
            lines.append(render_load_report(LoadRun(self.files, {})))
        lines += [
            "",
            f"dbt models and seeds built: {self.models_built}",
            f"dbt data tests: {self.dbt_tests_passed} passed, {len(self.dbt_tests_failed)} failed",
        ]
        lines += [f"  FAILED {name}" for name in self.dbt_tests_failed]
        counts = Counter(t["status"] for t in self.targets)
        lines += [
            "",
            f"Plan targets: {len(self.targets)} enforced of {len(load_targets())} in the "
            "catalogue — "
            + ", ".join(f"{s.replace('_', ' ')} {counts[s]}" for s in STATUSES)
            + " (no data: the region or year is not in the extracts)",
        ]
        lines += self._by_region()
        lines += ["", "Targets with data (pass / WARN / ERROR = a missed binding target):"]
        for t in (t for t in self.targets if t["status"] != "no_data"):
            verdict = "pass " if t["passed"] else t["severity"]
            line = (
                f"  {verdict:<5} {t['region']} · {t['indicator']} · {t['year']}: "
                f"actual {t['actual']} vs target {t['target']} ({t['status']})"
            )
            if not t["passed"]:
                line += f" — “{t['quote']}”"
            lines.append(line)
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
        return "\n".join(lines)

    def _by_region(self) -> list[str]:
        """Per region: targets met / on track / at risk / missed / no data, and catalogue rows
        that are not measurable (not enforced)."""
        counts: dict[str, Counter] = {}
        for t in self.targets:
            counts.setdefault(t["region"], Counter())[t["status"]] += 1
        for t in load_targets():
            if not t.enforceable:
                name = f"{t.region_name} ({t.region_code})" if t.region_code else t.region_name
                counts.setdefault(name, Counter())["not_measurable"] += 1
        columns = (*STATUSES, "not_measurable")
        lines = ["", "Plan targets by region:", "  " + _pad("region", 30) + "".join(
            f"{c.replace('_', ' '):>15}" for c in columns
        )]  # fmt: skip
        for region, c in sorted(counts.items()):
            lines.append("  " + _pad(region, 30) + "".join(f"{c[col]:>15}" for col in columns))
        return lines

    def _worst_misses(self, n: int = 5) -> list[str]:
        """The worst misses, ranked as the report ranks them (expectations.progress.miss_rank),
        with the plan's words."""
        missed = [t for t in self.targets if t["status"] in ("missed", "at_risk")]
        if not missed:
            return []

        def rank(t):
            gap, due = (v if isinstance(v, float) else None for v in (t.get("gap"), t.get("due")))
            return miss_rank(t["status"], t.get("binding") or "", gap, due, t["check"])

        lines = ["", f"Worst misses (of {len(missed)}):"]
        for t in sorted(missed, key=rank)[:n]:
            lines.append(
                f"  {t['region']} · {t['indicator']} · {t['year']}: {t['status']}, "
                f"{t['failures']} — “{t['quote']}”"
            )
        return lines


def _pad(text: str, width: int) -> str:
    """Left-align text whose Chinese characters take two columns in a terminal."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - shown, 1)


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


def summarise(result) -> RunSummary:
    """Build the summary from a Dagster ExecuteInProcessResult."""
    target_ids = {t.target_id for t in enforceable_targets()}
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
        elif ev.check_name in target_ids:
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
