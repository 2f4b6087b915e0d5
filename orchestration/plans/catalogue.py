"""Plans a bureau adds: accepted review workbooks become part of the target catalogue.

`eduwh plan accept` validates a reviewed workbook against its document (the quote verbatim at
its place, a known indicator, a valid comparator and value, a year inside the plan period) and
files it as `<landing>/plans/accepted/<plan_id>.xlsx`, replacing the earlier review of the same
plan. Each run then reads every accepted workbook (validated again, against the document still
in the landing folder), adds its targets to the built-in catalogue (seeds/plan_targets.csv),
and stores documents, targets and baselines in the warehouse (raw.plan_documents,
raw.plan_targets, raw.plan_baselines, each with its `_history`): a re-reviewed workbook
supersedes the earlier one, whose rows stay in the history.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from expectations.catalogue import (
    Baseline,
    Target,
    baseline_from_row,
    target_from_row,
)
from orchestration.plans.documents import PlanRefused, read_document
from orchestration.plans.manifest import PlanManifest, read_manifest
from orchestration.plans.review import (
    AcceptedBaseline,
    AcceptedTarget,
    read_review_workbook,
    validate_reviewed,
)

PLANS_FOLDER = "plans"
ACCEPTED_FOLDER = "accepted"

_TARGET_COLUMNS = {
    "plan_id": "varchar", "target_id": "varchar", "region_code": "varchar",
    "region_name": "varchar", "indicator_id": "varchar", "stage": "varchar",
    "subgroup": "varchar", "target_year": "integer", "comparator": "varchar",
    "target_value": "double", "target_value_high": "double", "unit": "varchar",
    "binding": "varchar", "source_file": "varchar", "source_line": "integer",
    "source_quote": "varchar", "measurable": "varchar", "notes": "varchar",
    "source_table": "integer", "source_row": "integer", "source_column": "integer",
}  # fmt: skip
_BASELINE_COLUMNS = {
    "plan_id": "varchar", "baseline_id": "varchar", "region_code": "varchar",
    "region_name": "varchar", "indicator_id": "varchar", "stage": "varchar",
    "subgroup": "varchar", "year": "integer", "value": "double", "unit": "varchar",
    "source_file": "varchar", "source_line": "integer", "source_quote": "varchar",
    "notes": "varchar", "source_table": "integer", "source_row": "integer",
    "source_column": "integer",
}  # fmt: skip
_DOCUMENT_COLUMNS = {
    "plan_id": "varchar", "title": "varchar", "region_code": "varchar", "kind": "varchar",
    "period_start": "integer", "period_end": "integer", "baseline_year": "integer",
    "issue_date": "date", "document": "varchar", "document_sha256": "varchar",
}  # fmt: skip
_LINEAGE = {"workbook": "varchar", "workbook_sha256": "varchar", "loaded_at": "timestamp"}


@dataclass
class LandedPlan:
    """One accepted plan: its manifest, document, workbook and rows."""

    manifest: PlanManifest
    document: str
    document_sha256: str
    workbook: str
    workbook_sha256: str
    targets: list[AcceptedTarget]
    baselines: list[AcceptedBaseline]


@dataclass
class LandedCatalogue:
    plans: list[LandedPlan] = field(default_factory=list)
    # one sentence per accepted workbook that no longer validates (its document gone or changed)
    refusals: list[str] = field(default_factory=list)

    def targets(self) -> list[Target]:
        """The accepted targets as catalogue Targets: milestones run from each plan's own
        baseline year and published baselines."""
        out = []
        for p in self.plans:
            baselines = tuple(_baseline(b) for b in p.baselines)
            for t in p.targets:
                out.append(target_from_row(asdict(t), p.manifest.baseline_year, baselines))
        return out

    def baselines(self) -> list[Baseline]:
        return [_baseline(b) for p in self.plans for b in p.baselines]


def _baseline(b: AcceptedBaseline) -> Baseline:
    return baseline_from_row(asdict(b))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def plans_dir(landing_dir: Path) -> Path:
    return landing_dir / PLANS_FOLDER


def _validate(workbook_path: Path, landing_dir: Path) -> LandedPlan:
    """The accepted plan of a review workbook, or PlanRefused with the sentences that say why
    it cannot be accepted."""
    workbook = read_review_workbook(workbook_path)
    name = workbook.plan.get("document", "")
    document_path = landing_dir / name if name else None
    if document_path is None or not document_path.is_file():
        raise PlanRefused(
            f"{workbook_path.name}: its plan document {name or '(not named)'} is not in the "
            f"landing folder; put the document and its manifest in {PLANS_FOLDER}/ first."
        )
    document = read_document(document_path, landing_dir)
    manifest = read_manifest(document_path, landing_dir)
    if workbook.plan.get("document_sha256") not in (None, "", document.sha256):
        raise PlanRefused(
            f"{workbook_path.name} was reviewed on another version of {document.name}: run "
            f"`eduwh plan extract` on the document again and review the new workbook."
        )
    result = validate_reviewed(workbook, document, manifest)
    if not result.ok:
        raise PlanRefused(
            f"{workbook_path.name} cannot be accepted: "
            + " ".join(result.errors[:20])
            + (f" ({len(result.errors) - 20} more)" if len(result.errors) > 20 else "")
        )
    return LandedPlan(
        manifest=manifest,
        document=document.name,
        document_sha256=document.sha256,
        workbook=workbook_path.name,
        workbook_sha256=_sha256(workbook_path),
        targets=result.targets,
        baselines=result.baselines,
    )


def accept(workbook_path: Path, landing_dir: Path) -> LandedPlan:
    """Validate a reviewed workbook and file it as the plan's accepted catalogue (replacing an
    earlier review of the same plan). Raises PlanRefused with the reasons."""
    plan = _validate(workbook_path, landing_dir)
    accepted = plans_dir(landing_dir) / ACCEPTED_FOLDER
    accepted.mkdir(parents=True, exist_ok=True)
    final = accepted / f"{plan.manifest.plan_id}.xlsx"
    partial = final.with_suffix(".xlsx.part")
    shutil.copyfile(workbook_path, partial)
    partial.replace(final)  # atomic: a run sees the old review or the new one
    plan.workbook = final.name
    return plan


def landed_catalogue(landing_dir: Path) -> LandedCatalogue:
    """Every accepted plan of the landing folder, validated against its document."""
    catalogue = LandedCatalogue()
    folder = plans_dir(landing_dir) / ACCEPTED_FOLDER
    for path in sorted(folder.glob("*.xlsx")) if folder.is_dir() else []:
        try:
            catalogue.plans.append(_validate(path, landing_dir))
        except PlanRefused as e:
            catalogue.refusals.append(str(e))
    return catalogue


def ensure_plan_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    for table, columns in (
        ("plan_documents", _DOCUMENT_COLUMNS),
        ("plan_targets", _TARGET_COLUMNS),
        ("plan_baselines", _BASELINE_COLUMNS),
    ):
        cols = ", ".join(f"{c} {t}" for c, t in {**columns, **_LINEAGE}.items())
        con.execute(f"create table if not exists raw.{table}_history ({cols}, is_current boolean)")
        con.execute(
            f"create or replace view raw.{table} as select * exclude (is_current) "
            f"from raw.{table}_history where is_current"
        )


def store(warehouse_path: Path, catalogue: LandedCatalogue) -> dict[str, int]:
    """Write the accepted plans into the warehouse in one transaction: a plan whose workbook
    changed replaces its current rows (the earlier ones stay in the history); a plan no longer
    accepted keeps its last rows. Returns counts of plans stored, unchanged and current rows."""
    now = datetime.now(UTC).replace(tzinfo=None)
    stored = unchanged = 0
    with duckdb.connect(str(warehouse_path)) as con:
        ensure_plan_tables(con)
        con.execute("begin transaction")
        for p in catalogue.plans:
            seen = con.execute(
                "select count(*) from raw.plan_documents_history "
                "where plan_id = ? and workbook_sha256 = ? and is_current",
                [p.manifest.plan_id, p.workbook_sha256],
            ).fetchone()[0]
            if seen:
                unchanged += 1
                continue
            stored += 1
            lineage = [p.workbook, p.workbook_sha256, now]
            for table in ("plan_documents", "plan_targets", "plan_baselines"):
                con.execute(
                    f"update raw.{table}_history set is_current = false "
                    "where plan_id = ? and is_current",
                    [p.manifest.plan_id],
                )
            m = p.manifest
            _insert(
                con,
                "plan_documents",
                _DOCUMENT_COLUMNS,
                [
                    [
                        m.plan_id,
                        m.title,
                        m.region_code,
                        m.kind,
                        m.period_start,
                        m.period_end,
                        m.baseline_year,
                        m.issue_date,
                        p.document,
                        p.document_sha256,
                    ]
                ],  # fmt: skip
                lineage,
            )
            _insert(
                con,
                "plan_targets",
                _TARGET_COLUMNS,
                [[asdict(t)[c] for c in _TARGET_COLUMNS] for t in p.targets],
                lineage,
            )
            _insert(
                con,
                "plan_baselines",
                _BASELINE_COLUMNS,
                [[asdict(b)[c] for c in _BASELINE_COLUMNS] for b in p.baselines],
                lineage,
            )
        con.execute("commit")
        current = con.execute("select count(*) from raw.plan_targets").fetchone()[0]
    return {"plans_stored": stored, "plans_unchanged": unchanged, "targets_current": current}


def _insert(con, table: str, columns: dict, rows: list[list], lineage: list) -> None:
    if not rows:
        return
    marks = ", ".join("?" * (len(columns) + len(_LINEAGE) + 1))
    con.executemany(
        f"insert into raw.{table}_history values ({marks})",
        [[*r, *lineage, True] for r in rows],
    )
