"""The review round trip: extract → workbook → a reviewer accepts, edits and rejects rows in
Excel (here: openpyxl, as a reviewer's Excel would save it) → validation gives the accepted rows
in the catalogue's columns, and names the workbook row and column of every error."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from orchestration.plans import (
    extract_candidates,
    read_document,
    read_manifest,
    read_review_workbook,
    validate_reviewed,
    write_review_workbook,
)
from orchestration.plans.review import COL, COLUMNS, HEADERS, SHEET, UNSURE_FILL
from tests.plans.plan_files import write_docx, write_txt


@pytest.fixture
def reviewed(tmp_path):
    """The txt plan extracted into a workbook; returns (document, plan, workbook path, rows by
    (line, value))."""
    path = write_txt(tmp_path / "plan.txt")
    document, plan = read_document(path), read_manifest(path)
    candidates = extract_candidates(document, plan)
    book = write_review_workbook(candidates, document, plan, tmp_path / "plan.review.xlsx")
    rows = {(c.line, c.value): n for n, c in enumerate(candidates, start=2)}
    return document, plan, book, rows


def fill(book, edits: dict[int, dict[str, object]]):
    wb = load_workbook(book)
    ws = wb[SHEET]
    for row, values in edits.items():
        for key, value in values.items():
            ws.cell(row=row, column=COL[key], value=value)
    wb.save(book)


def test_the_workbook_has_chinese_headers_dropdowns_and_marks_unsure_fields(reviewed):
    _, _, book, rows = reviewed
    ws = load_workbook(book)[SHEET]
    assert [c.value for c in ws[1]] == [header for _, header, _ in COLUMNS]
    validated = {
        str(dv.sqref).split(":")[0][:1]: dv.formula1 for dv in ws.data_validations.dataValidation
    }
    letters = {key: ws.cell(row=1, column=COL[key]).column_letter for key in COL}
    for key in ("decision", "indicator", "comparator", "kind", "binding"):
        assert letters[key] in validated, f"no dropdown on {HEADERS[key]}"
    wb = load_workbook(book)
    indicator_list = [c.value for c in wb["选项"]["E"][1:]]
    assert "学前三年毛入园率 [preschool_gross_enrolment_rate]" in indicator_list
    assert "不低于 (>=)" in [c.value for c in wb["选项"]["C"][1:]]
    # 每年招聘教师二十名: the year is a default (the plan's last year), so it is marked
    r = rows[(9, 20.0)]
    assert ws.cell(row=r, column=COL["year"]).fill.start_color.rgb == UNSURE_FILL.start_color.rgb
    assert "年份" in ws.cell(row=r, column=COL["unsure"]).value
    sure = rows[(5, 95.0)]
    assert ws.cell(row=sure, column=COL["year"]).fill.start_color.rgb != UNSURE_FILL.start_color.rgb
    assert ws.cell(row=sure, column=COL["unsure"]).value is None
    assert ws.cell(row=sure, column=COL["quote"]).value == "学前三年毛入园率达到95%以上"
    assert ws.cell(row=sure, column=COL["line"]).value == 5


def test_accepted_edited_and_rejected_rows_come_back_as_catalogue_rows(reviewed):
    document, plan, book, rows = reviewed
    fill(
        book,
        {
            rows[(5, 95.0)]: {"decision": "接受"},
            rows[(18, 92.5)]: {"decision": "接受"},  # the table's 2025 baseline
            rows[(7, 1.2)]: {  # 新增学位 1.2 万个: the reviewer corrects comparator and year
                "decision": "修改",
                "indicator": "new_school_places",
                "comparator": "等于 (=)",
                "year": 2028,
                "notes": "1.2万 = 12 000 places",
            },
            rows[(3, 120.0)]: {"decision": "拒绝"},
        },
    )
    result = validate_reviewed(read_review_workbook(book), document, plan)
    assert result.errors == []
    assert result.rejected == 1
    assert result.undecided == len(rows) - 4
    targets = {(t.source_line, t.target_value): t for t in result.targets}
    assert set(targets) == {(5, 95.0), (7, 1.2)}
    accepted = targets[(5, 95.0)]
    assert accepted.plan_id == "411303_five_year_2026_2030"
    assert accepted.target_id == "411303_five_year_2026_2030_preschool_gross_enrolment_rate_2030"
    assert (accepted.region_code, accepted.region_name) == ("411303", "卧龙区")
    assert (accepted.indicator_id, accepted.target_year, accepted.comparator) == (
        "preschool_gross_enrolment_rate",
        2030,
        ">=",
    )
    assert (accepted.unit, accepted.binding, accepted.measurable) == ("%", "expected", "true")
    assert accepted.source_file == "plan.txt"
    assert accepted.source_quote == "学前三年毛入园率达到95%以上"
    edited = targets[(7, 1.2)]
    assert (edited.indicator_id, edited.comparator, edited.target_year, edited.unit) == (
        "new_school_places",
        "=",
        2028,
        "万个",
    )
    assert edited.notes == "1.2万 = 12 000 places"
    (baseline,) = result.baselines
    assert (baseline.indicator_id, baseline.year, baseline.value, baseline.source_line) == (
        "preschool_gross_enrolment_rate",
        2025,
        92.5,
        18,
    )


def test_every_error_names_the_workbook_row_and_column(reviewed):
    document, plan, book, rows = reviewed
    bad = {
        rows[(5, 95.0)]: {"decision": "接受", "quote": "学前三年毛入园率达到96%以上"},
        rows[(7, 3.0)]: {"decision": "修改", "value_high": 2},  # between 3 and 2
        rows[(5, 90.0)]: {"decision": "修改", "year": 2035},  # outside 2026–2030
        rows[(9, 20.0)]: {"decision": "接受"},  # no indicator was suggested
        rows[(8, None)]: {"decision": "接受", "indicator": "no_such_indicator"},
        rows[(18, 92.5)]: {"decision": "修改", "year": 2027},  # a baseline after the start
        rows[(19, 95.0)]: {"decision": "修改", "comparator": "大概"},
        rows[(24, 96.0)]: {"decision": "同意"},
    }
    fill(book, bad)
    result = validate_reviewed(read_review_workbook(book), document, plan)
    assert result.targets == [] and result.baselines == []
    expected = {
        rows[(5, 95.0)]: "原文",
        rows[(7, 3.0)]: "上限",
        rows[(5, 90.0)]: "年份",
        rows[(9, 20.0)]: "指标",
        rows[(8, None)]: "指标",
        rows[(18, 92.5)]: "年份",
        rows[(19, 95.0)]: "比较",
        rows[(24, 96.0)]: "决定",
    }
    named = {}
    for error in result.errors:
        m = re.match(r"Row (\d+), column (\S+?): ", error)
        assert m, error
        named[int(m.group(1))] = m.group(2)
        assert error.endswith(".") and "\n" not in error
    assert named == expected
    quote_error = next(e for e in result.errors if "原文" in e)
    assert quote_error == (
        f"Row {rows[(5, 95.0)]}, column 原文: is not verbatim on line 5 of plan.txt."
    )


def test_a_docx_cell_is_checked_at_its_table_row_and_column(tmp_path):
    path = write_docx(tmp_path / "plan.docx")
    document, plan = read_document(path), read_manifest(path)
    candidates = extract_candidates(document, plan)
    book = write_review_workbook(candidates, document, plan, tmp_path / "review.xlsx")
    row = next(n for n, c in enumerate(candidates, 2) if (c.table, c.row, c.column) == (1, 2, 4))
    fill(book, {row: {"decision": "接受"}})
    result = validate_reviewed(read_review_workbook(book), document, plan)
    (target,) = result.targets
    assert (target.source_table, target.source_row, target.source_column) == (1, 2, 4)
    assert (target.source_line, target.binding, target.target_value) == (None, "binding", 95.0)
    fill(book, {row: {"column": 3}})  # the quote 95 is not in column 3 (92.5)
    result = validate_reviewed(read_review_workbook(book), document, plan)
    assert result.errors == [
        f"Row {row}, column 原文: is not verbatim in plan.docx table 1 row 2 column 3."
    ]


def test_a_workbook_of_another_plan_is_refused(reviewed, tmp_path):
    document, plan, book, _ = reviewed
    other = write_txt(tmp_path / "other.txt")
    from tests.plans.plan_files import write_manifest

    write_manifest(other, period_start=2021, period_end=2025)
    result = validate_reviewed(read_review_workbook(book), document, read_manifest(other))
    assert result.errors == [
        "plan.review.xlsx was made for plan 411303_five_year_2026_2030, not for "
        "411303_five_year_2021_2025 of plan.txt."
    ]
