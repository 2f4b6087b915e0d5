"""The reporting form (指标填报表) of the `indicator_reports` extract: one XLSX per region that the
bureau fills in and drops into `<landing>/indicator_reports/` as it is.

The headers are the contract's Chinese headers, so the filled form loads without any mapping;
columns that only help the person filling it in (指标名称, 目标, 规划原文) are ignored by the
loader. Only the cells to fill in are unlocked (填报值, 佐证材料, 填报单位, 填报日期); Excel's data
validation keeps 填报值 inside the indicator's range (whole numbers for counts). A row left
without a value is not reported yet (the contract's `unreported_when_empty`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from orchestration.ingest.contracts import CONTRACTS

EXTRACT = "indicator_reports"
SHEET = "指标填报"
# (field, header, width); a field of the contract takes the contract's Chinese header
LAYOUT: tuple[tuple[str, str | None, int], ...] = (
    ("year", None, 8),
    ("region_code", None, 12),
    ("region_name", "地区", 12),
    ("indicator_id", None, 30),
    ("indicator_name_zh", "指标名称", 30),
    ("breakdown", None, 18),
    ("unit", None, 12),
    ("target_text", "规划目标", 28),
    ("quote", "规划原文", 50),
    ("value", None, 12),
    ("evidence", None, 28),
    ("reporting_unit", None, 24),
    ("report_date", None, 12),
)
EDITABLE = frozenset({"value", "evidence", "reporting_unit", "report_date"})
# A fixed timestamp in the workbook's properties, so one form is one set of bytes.
FIXED_TIME = dt.datetime(2020, 1, 1)


class Line(Protocol):
    """What a form row needs (expectations.catalogue.ReportLine has it)."""

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

    @property
    def target_text(self) -> str: ...

    @property
    def quote(self) -> str: ...


def form_name(region_code: str, year: int) -> str:
    """The file name that tells the loader the form's region and reporting year."""
    return f"{EXTRACT}_{region_code}_{year}.xlsx"


def header(field: str, label: str | None) -> str:
    return label or CONTRACTS[EXTRACT].column(field).label_zh


def write_form(
    path: Path,
    lines: Sequence[Line],
    *,
    title: str,
    reporting_unit: str = "",
    values: dict[int, tuple[float | None, str, str, dt.date | None]] | None = None,
) -> Path:
    """Write the form of `lines` to `path`. `values` (row index → value, evidence, reporting
    unit, report date) fills it in, as the demo and the tests do; a bureau fills it in Excel."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(LAYOUT))
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    ws.append([header(f, label) for f, label, _ in LAYOUT])
    for col, (_field, _, width) in enumerate(LAYOUT, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
        ws.cell(row=2, column=col).font = Font(bold=True)
    editable_fill = PatternFill("solid", fgColor="FFF2CC")
    position = {field: i for i, (field, _, _) in enumerate(LAYOUT, start=1)}
    for i, line in enumerate(lines):
        row = i + 3
        filled = (values or {}).get(i)
        value, evidence, unit_name, date = filled or (None, "", reporting_unit, None)
        cells = {
            "year": line.year,
            "region_code": line.region_code,
            "region_name": line.region_name,
            "indicator_id": line.indicator_id,
            "indicator_name_zh": line.indicator_name_zh,
            "breakdown": line.breakdown or None,
            "unit": line.unit,
            "target_text": line.target_text,
            "quote": line.quote,
            "value": value,
            "evidence": evidence or None,
            "reporting_unit": unit_name or None,
            "report_date": date,
        }
        for field, content in cells.items():
            cell = ws.cell(row=row, column=position[field], value=content)
            if field in EDITABLE:
                cell.protection = Protection(locked=False)
                cell.fill = editable_fill
            if field == "quote":
                cell.alignment = Alignment(wrap_text=False)
            if field == "report_date":
                cell.number_format = "yyyy-mm-dd"
        _validate_value(ws, DataValidation, line, f"{get_column_letter(position['value'])}{row}")
    ws.freeze_panes = "A3"
    # Protected without a password: it keeps the pre-filled cells from being typed over by
    # mistake, it is not a security boundary (the loader checks every row anyway).
    ws.protection.sheet = True
    wb.properties.creator = "eduwh template"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _validate_value(ws, DataValidation, line: Line, ref: str) -> None:
    """Excel's own check of 填报值: the indicator's range, whole numbers for counts."""
    kind = "whole" if line.is_integer else "decimal"
    lo, hi = line.min_value, line.max_value
    if lo is not None and hi is not None:
        dv = DataValidation(type=kind, operator="between", formula1=_num(lo), formula2=_num(hi))
        bounds = f"{_num(lo)}–{_num(hi)}"
    elif lo is not None:
        dv = DataValidation(type=kind, operator="greaterThanOrEqual", formula1=_num(lo))
        bounds = f"≥ {_num(lo)}"
    elif hi is not None:
        dv = DataValidation(type=kind, operator="lessThanOrEqual", formula1=_num(hi))
        bounds = f"≤ {_num(hi)}"
    else:
        dv = DataValidation(type=kind, operator="between", formula1="-1E+15", formula2="1E+15")
        bounds = "any number"
    dv.error = f"{line.indicator_name_zh}: {bounds} {line.unit}" + (
        " (整数)" if line.is_integer else ""
    )
    dv.errorTitle = "填报值超出范围"
    dv.showErrorMessage = True
    dv.allow_blank = True
    ws.add_data_validation(dv)
    dv.add(ref)


def _num(value: float) -> str:
    return f"{value:g}"
