"""The review workbook: candidates out to a reviewer, reviewed rows back, validated.

`write_review_workbook` writes one row per candidate on sheet 候选 (Chinese headers): the
decision (接受 / 修改 / 拒绝), the editable fields, the verbatim quote and its place. Dropdowns
(Excel data validation) offer the known indicators, the comparators, target/baseline and the
binding type; the fields a candidate is unsure of are filled orange and listed in 待核字段.
Sheet 计划 records the plan and the document's hash; sheet 选项 holds the dropdown lists.

`read_review_workbook` reads the rows back as the reviewer left them; `validate_reviewed`
checks every accepted (接受 or 修改) row against the document and the plan — the quote is
verbatim at its line or cell, the indicator exists, the comparator and value make a target
(`between` needs a higher upper end), the year is inside the plan's period (a baseline's at or
before its start) — and returns the accepted rows as `AcceptedTarget` / `AcceptedBaseline`
(the columns of seeds/plan_targets.csv and seeds/plan_baselines.csv, plus plan_id) with one
sentence per error naming the workbook row and column. A row left without a decision is not
accepted and is counted, not an error: a reviewer may stop half way.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from orchestration.plans.documents import Document, PlanRefused
from orchestration.plans.extract import BASELINE, BINDING, COMPARATORS, EXPECTED, TARGET, Candidate
from orchestration.plans.indicators import SEEDS_DIR, load_indicators
from orchestration.plans.manifest import PlanManifest

SHEET, PLAN_SHEET, LISTS_SHEET = "候选", "计划", "选项"
ACCEPT, EDIT, REJECT = "接受", "修改", "拒绝"
DECISIONS = (ACCEPT, EDIT, REJECT)
KIND_LABELS = {TARGET: "目标", BASELINE: "基线"}
BINDING_LABELS = {BINDING: "约束性", EXPECTED: "预期性"}
COMPARATOR_LABELS = {
    ">=": "不低于 (>=)",
    ">": "高于 (>)",
    "<=": "不高于 (<=)",
    "<": "低于 (<)",
    "=": "等于 (=)",
    "between": "区间 (between)",
    "non_decreasing": "只增不减 (non_decreasing)",
    "non_increasing": "只减不增 (non_increasing)",
}
UNSURE_FILL = PatternFill("solid", start_color="FFF4B183", end_color="FFF4B183")
HEADER_FILL = PatternFill("solid", start_color="FFD9E1F2", end_color="FFD9E1F2")

# (key, Chinese header, width); the order of the sheet's columns
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("candidate_id", "编号", 8),
    ("decision", "决定", 8),
    ("kind", "类型", 7),
    ("indicator", "指标", 36),
    ("stage", "学段", 10),
    ("subgroup", "子群体", 10),
    ("year", "年份", 7),
    ("comparator", "比较", 16),
    ("value", "数值", 10),
    ("value_high", "上限", 8),
    ("unit", "单位", 10),
    ("binding", "约束性", 8),
    ("quote", "原文", 50),
    ("line", "行号", 7),
    ("table", "表", 5),
    ("row", "表行", 5),
    ("column", "表列", 5),
    ("unsure", "待核字段", 16),
    ("notes", "备注", 30),
    ("reason", "提取依据", 18),
)
HEADERS = {key: header for key, header, _ in COLUMNS}
COL = {key: i for i, (key, _, _) in enumerate(COLUMNS, start=1)}
# which column shows each field a candidate may be unsure of
UNSURE_COLUMN = {
    "kind": "kind",
    "indicator_id": "indicator",
    "year": "year",
    "comparator": "comparator",
    "value": "value",
    "unit": "unit",
    "binding": "binding",
}


def indicator_label(indicator_id: str, seeds_dir: Path = SEEDS_DIR) -> str:
    ind = load_indicators(seeds_dir).get(indicator_id)
    return f"{ind.name_zh} [{indicator_id}]" if ind else indicator_id


def write_review_workbook(
    candidates: list[Candidate],
    document: Document,
    plan: PlanManifest,
    path: str | Path,
    seeds_dir: Path = SEEDS_DIR,
) -> Path:
    path = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    for key, header, width in COLUMNS:
        cell = ws.cell(row=1, column=COL[key], value=header)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        ws.column_dimensions[get_column_letter(COL[key])].width = width
    ws.freeze_panes = "C2"
    for r, c in enumerate(candidates, start=2):
        values = {
            "candidate_id": c.candidate_id,
            "kind": KIND_LABELS[c.kind],
            "indicator": indicator_label(c.indicator_id, seeds_dir) if c.indicator_id else None,
            "stage": c.stage or None,
            "year": c.year,
            "comparator": COMPARATOR_LABELS.get(c.comparator) if c.comparator else None,
            "value": c.value,
            "value_high": c.value_high,
            "unit": c.unit or None,
            "binding": BINDING_LABELS[c.binding],
            "quote": c.quote,
            "line": c.line if c.table is None else None,
            "table": c.table,
            "row": c.row,
            "column": c.column,
            "unsure": "、".join(HEADERS[UNSURE_COLUMN[f]] for f in sorted(c.unsure)) or None,
            "reason": c.reason,
        }
        for key, value in values.items():
            ws.cell(row=r, column=COL[key], value=value)
        ws.cell(row=r, column=COL["quote"]).alignment = Alignment(wrap_text=True)
        for f in c.unsure:
            ws.cell(row=r, column=COL[UNSURE_COLUMN[f]]).fill = UNSURE_FILL
    last = max(len(candidates) + 1, 2)
    _lists_and_validation(wb, ws, last, seeds_dir)
    meta = wb.create_sheet(PLAN_SHEET)
    for key, value in (
        ("plan_id", plan.plan_id),
        ("title", plan.title),
        ("region_code", plan.region_code),
        ("kind", plan.kind),
        ("period_start", plan.period_start),
        ("period_end", plan.period_end),
        ("issue_date", plan.issue_date.isoformat()),
        ("document", document.name),
        ("document_sha256", document.sha256),
    ):
        meta.append([key, value])
    meta.column_dimensions["B"].width = 60
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _lists_and_validation(wb: Workbook, ws, last: int, seeds_dir: Path) -> None:
    lists = wb.create_sheet(LISTS_SHEET)
    options = {
        "decision": list(DECISIONS),
        "kind": list(KIND_LABELS.values()),
        "comparator": list(COMPARATOR_LABELS.values()),
        "binding": list(BINDING_LABELS.values()),
        "indicator": sorted(indicator_label(i, seeds_dir) for i in load_indicators(seeds_dir)),
    }
    for n, (key, values) in enumerate(options.items(), start=1):
        letter = get_column_letter(n)
        lists.cell(row=1, column=n, value=HEADERS[key])
        for r, v in enumerate(values, start=2):
            lists.cell(row=r, column=n, value=v)
        # a list longer than 255 characters must be a range, so every list is one
        dv = DataValidation(
            type="list",
            formula1=f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=True,
            showErrorMessage=key != "indicator",  # a new indicator id may be typed
            errorTitle="不在选项中",
            error=f"请从下拉列表选择{HEADERS[key]}。",
        )
        ws.add_data_validation(dv)
        col = get_column_letter(COL[key])
        dv.add(f"{col}2:{col}{last}")
    lists.sheet_state = "hidden"


# --- reading back ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewedRow:
    """One workbook row as the reviewer left it (cells as read, not yet checked)."""

    sheet_row: int
    values: dict[str, object]

    def get(self, key: str) -> object:
        return self.values.get(key)


@dataclass(frozen=True)
class ReviewWorkbook:
    plan: dict[str, str]
    rows: tuple[ReviewedRow, ...]
    path: Path


def read_review_workbook(path: str | Path) -> ReviewWorkbook:
    path = Path(path)
    try:
        wb = load_workbook(path, data_only=True)
    except Exception:  # openpyxl and zipfile raise many types; none is for the user
        raise PlanRefused(f"{path.name} is not a readable review workbook (.xlsx).") from None
    if SHEET not in wb.sheetnames or PLAN_SHEET not in wb.sheetnames:
        raise PlanRefused(
            f"{path.name} has no sheets {SHEET} and {PLAN_SHEET}: not a review workbook."
        )
    ws = wb[SHEET]
    header = [str(c.value).strip() if c.value is not None else "" for c in ws[1]]
    by_header = {h: i for i, h in enumerate(header)}
    missing = [h for _, h, _ in COLUMNS if h not in by_header and h != HEADERS["reason"]]
    if missing:
        raise PlanRefused(f"{path.name} has no column {missing[0]} on sheet {SHEET}.")
    rows = []
    for r, cells in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        if all(v is None or str(v).strip() == "" for v in cells):
            continue
        values = {
            key: cells[by_header[h]] if by_header.get(h) is not None and by_header[h] < len(cells)
            else None
            for key, h, _ in COLUMNS
        }  # fmt: skip
        rows.append(ReviewedRow(r, values))
    plan = {
        str(k): "" if v is None else str(v)
        for k, v in wb[PLAN_SHEET].iter_rows(min_row=1, max_col=2, values_only=True)
        if k is not None
    }
    return ReviewWorkbook(plan, tuple(rows), path)


# --- validation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AcceptedTarget:
    """A reviewed target: the columns of seeds/plan_targets.csv, plus plan_id and the place
    of a quote in a .docx table."""

    plan_id: str
    target_id: str
    region_code: str
    region_name: str
    indicator_id: str
    stage: str
    subgroup: str
    target_year: int
    comparator: str
    target_value: float | None
    target_value_high: float | None
    unit: str
    binding: str
    source_file: str
    source_line: int | None
    source_quote: str
    measurable: str
    notes: str
    source_table: int | None = None
    source_row: int | None = None
    source_column: int | None = None


@dataclass(frozen=True)
class AcceptedBaseline:
    """A reviewed baseline: the columns of seeds/plan_baselines.csv, plus plan_id and the
    place of a quote in a .docx table."""

    plan_id: str
    baseline_id: str
    region_code: str
    region_name: str
    indicator_id: str
    stage: str
    subgroup: str
    year: int
    value: float
    unit: str
    source_file: str
    source_line: int | None
    source_quote: str
    notes: str
    source_table: int | None = None
    source_row: int | None = None
    source_column: int | None = None


@dataclass
class ValidationResult:
    targets: list[AcceptedTarget] = field(default_factory=list)
    baselines: list[AcceptedBaseline] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rejected: int = 0
    undecided: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class _RowError(Exception):
    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key, self.message = key, message


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _int(row: ReviewedRow, key: str, required: bool) -> int | None:
    raw = row.get(key)
    if raw is None or _text(raw) == "":
        if required:
            raise _RowError(key, "is empty")
        return None
    try:
        number = float(str(raw).strip())
    except ValueError:
        raise _RowError(key, f"has {raw!r}, not a whole number") from None
    if number != int(number):
        raise _RowError(key, f"has {raw!r}, not a whole number")
    return int(number)


def _float(row: ReviewedRow, key: str) -> float | None:
    raw = row.get(key)
    if raw is None or _text(raw) == "":
        return None
    if isinstance(raw, bool):
        raise _RowError(key, f"has {raw!r}, not a number")
    try:
        return float(str(raw).strip().replace(",", ""))
    except ValueError:
        raise _RowError(key, f"has {raw!r}, not a number") from None


def _from_label(value: str, labels: dict[str, str]) -> str | None:
    """The code of a dropdown label, or the code itself typed in."""
    for code, label in labels.items():
        if value in (code, label):
            return code
    return None


def _indicator_id(value: str) -> str:
    if value.endswith("]") and "[" in value:
        return value.rsplit("[", 1)[1].rstrip("]").strip()
    return value


def _region_names(seeds_dir: Path) -> dict[str, str]:
    path = seeds_dir / "regions.csv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["region_code"]: r["region_name"] for r in csv.DictReader(fh)}


def validate_reviewed(
    workbook: ReviewWorkbook,
    document: Document,
    plan: PlanManifest,
    seeds_dir: Path = SEEDS_DIR,
) -> ValidationResult:
    result = ValidationResult()
    wb_plan = workbook.plan.get("plan_id", "")
    if wb_plan and wb_plan != plan.plan_id:
        result.errors.append(
            f"{workbook.path.name} was made for plan {wb_plan}, not for {plan.plan_id} of "
            f"{document.name}."
        )
        return result
    indicators = load_indicators(seeds_dir)
    region_name = _region_names(seeds_dir).get(plan.region_code, "")
    ids: dict[str, int] = {}
    for row in workbook.rows:
        decision = _text(row.get("decision"))
        if decision == "":
            result.undecided += 1
            continue
        if decision == REJECT:
            result.rejected += 1
            continue
        if decision not in (ACCEPT, EDIT):
            result.errors.append(
                f"Row {row.sheet_row}, column {HEADERS['decision']}: {decision!r} is not "
                f"{ACCEPT}, {EDIT} or {REJECT}."
            )
            continue
        try:
            accepted = _accepted(row, document, plan, indicators, region_name)
        except _RowError as e:
            result.errors.append(f"Row {row.sheet_row}, column {HEADERS[e.key]}: {e.message}.")
            continue
        base = accepted["id_base"]
        n = ids[base] = ids.get(base, 0) + 1
        row_id = base if n == 1 else f"{base}_{n}"
        if accepted["kind"] == TARGET:
            result.targets.append(AcceptedTarget(target_id=row_id, **accepted["fields"]))
        else:
            result.baselines.append(AcceptedBaseline(baseline_id=row_id, **accepted["fields"]))
    return result


def _accepted(row: ReviewedRow, document, plan, indicators, region_name) -> dict:
    kind = _from_label(_text(row.get("kind")), KIND_LABELS)
    if kind is None:
        raise _RowError("kind", f"has {_text(row.get('kind'))!r}: choose 目标 or 基线")
    indicator = _indicator_id(_text(row.get("indicator")))
    if not indicator:
        raise _RowError("indicator", "is empty: choose the indicator the figure measures")
    if indicator not in indicators:
        raise _RowError("indicator", f"names {indicator!r}, which is no known indicator")
    quote = _text(row.get("quote"))
    if not quote:
        raise _RowError("quote", "is empty: the quote must be the plan's own words")
    table = _int(row, "table", False)
    if table is not None:
        r, c = _int(row, "row", True), _int(row, "column", True)
        cell = document.cell(table, r, c)
        if cell is None:
            raise _RowError("table", f"{document.name} has no table {table} row {r} column {c}")
        if quote not in cell.text:
            raise _RowError(
                "quote", f"is not verbatim in {document.name} table {table} row {r} column {c}"
            )
        line = None
    else:
        line = _int(row, "line", True)
        text = document.line(line)
        if text is None:
            raise _RowError("line", f"{document.name} has no line {line}")
        if quote not in text:
            raise _RowError("quote", f"is not verbatim on line {line} of {document.name}")
    year = _int(row, "year", True)
    unit = _text(row.get("unit"))
    value = _float(row, "value")
    high = _float(row, "value_high")
    binding_text = _text(row.get("binding"))
    binding = _from_label(binding_text, BINDING_LABELS) if binding_text else EXPECTED
    if binding is None:
        raise _RowError("binding", f"has {binding_text!r}: choose 约束性 or 预期性")
    place = {
        "source_file": document.name,
        "source_line": line,
        "source_quote": quote,
        "source_table": table,
        "source_row": _int(row, "row", False) if table is not None else None,
        "source_column": _int(row, "column", False) if table is not None else None,
    }
    common = {
        "plan_id": plan.plan_id,
        "region_code": plan.region_code,
        "region_name": region_name,
        "indicator_id": indicator,
        "stage": _text(row.get("stage")),
        "subgroup": _text(row.get("subgroup")),
        "unit": unit,
        **place,
    }
    notes = _text(row.get("notes"))
    if kind == BASELINE:
        if year > plan.period_start:
            raise _RowError(
                "year", f"is {year}: a baseline is for {plan.period_start} or an earlier year"
            )
        if value is None:
            raise _RowError("value", "is empty: a baseline is a figure")
        if not unit:
            raise _RowError("unit", "is empty")
        fields = {**common, "year": year, "value": value, "notes": notes}
        return {"kind": kind, "fields": fields,
                "id_base": f"{plan.plan_id}_{indicator}_{year}_baseline"}  # fmt: skip
    if not plan.period_start <= year <= plan.period_end:
        raise _RowError(
            "year",
            f"is {year}, outside the plan's period {plan.period_start}–{plan.period_end}",
        )
    comparator_text = _text(row.get("comparator"))
    comparator = _from_label(comparator_text, COMPARATOR_LABELS)
    if comparator is None:
        raise _RowError(
            "comparator", f"has {comparator_text!r}: choose one of the dropdown's comparators"
        )
    if comparator in ("non_decreasing", "non_increasing"):
        if high is not None:
            raise _RowError("value_high", f"must be empty for {comparator}")
    else:
        if value is None:
            raise _RowError("value", f"is empty: comparator {comparator} needs a figure")
        if not unit:
            raise _RowError("unit", "is empty")
        if comparator == "between":
            if high is None or high <= value:
                raise _RowError(
                    "value_high", "must be greater than the value for a range (between)"
                )
        elif high is not None:
            raise _RowError("value_high", "must be empty unless the comparator is between")
    fields = {
        **common,
        "target_year": year,
        "comparator": comparator,
        "target_value": value,
        "target_value_high": high,
        "binding": binding,
        "measurable": "true",
        "notes": notes,
    }
    return {"kind": kind, "fields": fields, "id_base": f"{plan.plan_id}_{indicator}_{year}"}


assert set(COMPARATOR_LABELS) == set(COMPARATORS)
