"""The reporting form `eduwh template` writes (orchestration/ingest/forms.py): the contract's
Chinese headers, only the cells to fill in unlocked, Excel's own range check on 填报值, and a
form filled in part loads as it is (rows left empty are not reported)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from expectations.catalogue import load_targets, report_lines
from orchestration.ingest.contracts import CONTRACTS
from orchestration.ingest.forms import form_name, write_form
from orchestration.ingest.loaders import load_landing

REGION = "411303"


@pytest.fixture(scope="module")
def lines():
    found = report_lines(load_targets(), REGION, [2025])
    assert found, "卧龙区's plan has 2025 targets on reported figures"
    return found


def _form(tmp_path: Path, lines, values=None) -> Path:
    return write_form(
        tmp_path / "indicator_reports" / form_name(REGION, 2025),
        lines,
        title="卧龙区教育规划指标填报表",
        reporting_unit="卧龙区教育体育局",
        values=values,
    )


def test_form_has_the_contract_headers_and_only_the_fill_in_cells_unlocked(tmp_path, lines):
    ws = openpyxl.load_workbook(_form(tmp_path, lines)).active
    head = [c.value for c in ws[2]]
    for column in CONTRACTS["indicator_reports"].columns:
        assert column.label_zh in head, column.name
    assert ws.protection.sheet
    unlocked = {head[c.column - 1] for c in ws[3] if not c.protection.locked}
    assert unlocked == {"填报值", "佐证材料", "填报单位", "填报日期"}
    assert ws.max_row == 2 + len(lines)
    # 填报值 of a share is held to 0–100 by Excel itself; a count to whole numbers
    value_col = openpyxl.utils.get_column_letter(head.index("填报值") + 1)
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    for i, line in enumerate(lines):
        dv = rules[f"{value_col}{i + 3}"]
        assert dv.type == ("whole" if line.is_integer else "decimal")
        if line.unit == "%" and line.max_value == 100:
            assert (dv.operator, dv.formula1, dv.formula2) == ("between", "0", "100")
    assert any(line.unit == "%" and line.max_value == 100 for line in lines)


def test_a_form_filled_in_part_loads_and_the_empty_rows_are_not_reported(tmp_path, lines):
    date = dt.date(2026, 1, 10)
    filled = {0: (1.0 if lines[0].is_integer else 1.5, "文号", "卧龙区教育体育局", date)}
    landing = tmp_path / "landing"
    _form(landing, lines, values=filled)
    run = load_landing(tmp_path / "w.duckdb", landing, b"k")
    (result,) = run.files
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 1, 1)
    assert result.blank_rows == len(lines) - 1
