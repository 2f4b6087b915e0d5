"""The extractor proposes the figures a reviewer would pick out of a plan: targets and
baselines from sentences, from indicator tables (flattened one cell per line in a .txt, real
tables in a .docx, one row per line in a .pdf), with value, unit, year, comparator, binding
type and a suggested indicator, and it says which of those it is unsure of."""

from __future__ import annotations

import pytest

from orchestration.plans import extract_candidates, parse_manifest, read_document, read_manifest
from orchestration.plans.documents import Document
from orchestration.plans.figures import base_value
from tests.plans.plan_files import MANIFEST, write_docx, write_pdf, write_txt


def plan(**changes):
    return parse_manifest({**MANIFEST, **changes})


def candidates_of(lines: list[str], **changes):
    document = Document(path=None, name="plan.txt", format="txt", lines=tuple(lines))
    return extract_candidates(document, plan(**changes))


def summary(c):
    place = (c.table, c.row, c.column) if c.table else c.line
    return (place, c.kind, c.year, c.comparator, c.value, c.value_high, c.unit, c.binding)


def test_a_txt_plan_gives_its_sentences_and_its_flattened_indicator_table(tmp_path):
    path = write_txt(tmp_path / "plan.txt", "gb18030")
    found = extract_candidates(read_document(path), read_manifest(path))
    by = {summary(c): c for c in found}
    expected = [
        # a section about the present: baselines of the year before the period
        (3, "baseline", 2025, None, 120.0, None, "count", "expected"),
        (3, "baseline", 2025, None, 92.5, None, "%", "expected"),
        # targets in sentences
        (5, "target", 2030, ">=", 95.0, None, "%", "expected"),
        (5, "target", 2030, ">=", 90.0, None, "%", "expected"),
        (6, "target", 2030, "=", 0.0, None, "count", "expected"),  # 全面消除
        (7, "target", 2030, "between", 3.0, 5.0, "count", "expected"),  # 3-5 所
        (7, "target", 2030, ">=", 1.2, None, "万个", "expected"),  # 1.2 万个
        (8, "target", 2030, "non_decreasing", None, None, "", "expected"),  # 只增不减
        (9, "target", 2030, ">=", 20.0, None, "persons", "expected"),  # 二十名
        # the table: 2025 is a baseline, 2030 a target, with the row's binding type
        (18, "baseline", 2025, None, 92.5, None, "%", "binding"),
        (19, "target", 2030, ">=", 95.0, None, "%", "binding"),
        (23, "baseline", 2025, None, 93.0, None, "%", "expected"),
        (24, "target", 2030, ">=", 96.0, None, "%", "expected"),
    ]
    assert sorted(by, key=str) == sorted(expected, key=str)
    # indicators: sure where the plan names one, unsure where it is a guess
    assert by[expected[2]].indicator_id == "preschool_gross_enrolment_rate"
    assert "indicator_id" not in by[expected[2]].unsure
    assert by[expected[3]].indicator_id == "inclusive_kindergarten_coverage"
    assert by[expected[11]].indicator_id == "senior_gross_enrolment_rate"
    assert base_value(by[expected[6]].value, by[expected[6]].unit) == 12000
    # the year of a 每年 sentence, and a table cell's comparator, are defaults to confirm
    assert "year" in by[expected[8]].unsure and "year" not in by[expected[2]].unsure
    assert "comparator" in by[expected[10]].unsure and "comparator" not in by[expected[2]].unsure
    # every quote is verbatim on its line
    lines = read_document(path).lines
    assert all(c.quote and c.quote in lines[c.line - 1] for c in found)
    assert [c.candidate_id for c in found] == [f"C{i:04d}" for i in range(1, len(found) + 1)]


def test_a_docx_table_gives_one_candidate_per_cell_with_its_position(tmp_path):
    path = write_docx(tmp_path / "plan.docx")
    found = {summary(c): c for c in extract_candidates(read_document(path), read_manifest(path))}
    assert set(found) == {
        (3, "target", 2030, ">=", 96.0, None, "%", "expected"),
        ((1, 2, 3), "baseline", 2025, None, 92.5, None, "%", "binding"),
        ((1, 2, 4), "target", 2030, ">=", 95.0, None, "%", "binding"),
        ((1, 3, 3), "baseline", 2025, None, 85.0, None, "%", "expected"),
        ((1, 3, 4), "target", 2030, ">=", 90.0, None, "%", "expected"),
    }
    cell = found[((1, 2, 4), "target", 2030, ">=", 95.0, None, "%", "binding")]
    assert (cell.quote, cell.line, cell.indicator_id) == (
        "95",
        None,
        "preschool_gross_enrolment_rate",
    )


def test_a_pdf_table_row_on_one_line_gives_a_candidate_per_year_column(tmp_path):
    path = write_pdf(tmp_path / "plan.pdf")
    found = {summary(c) for c in extract_candidates(read_document(path), read_manifest(path))}
    assert found == {
        (2, "target", 2030, ">=", 95.0, None, "%", "expected"),
        (4, "baseline", 2025, None, 85.0, None, "%", "expected"),
        (4, "target", 2030, ">=", 90.0, None, "%", "expected"),
    }


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # comparators from the plans' words
        ("到2030年，公办园在园幼儿占比保持在50%以上。", (2030, ">=", 50.0, None, "%")),
        ("到2028年，大班额比例控制在5%以内。", (2028, "<=", 5.0, None, "%")),
        ("小学班额不超过45人。", (2030, "<=", 45.0, None, "persons")),
        ("双师型教师占比超过60%。", (2030, ">", 60.0, None, "%")),
        ("校际差异系数小于0.5。", (2030, "<", 0.5, None, "")),
        ("新建幼儿园 3—5 所。", (2030, "between", 3.0, 5.0, "count")),
        ("投入资金约 2000 万元。", (2030, "=", 2000.0, None, "万元")),
        ("教育支出达到69.09億元。", (2030, ">=", 69.09, None, "亿元")),  # traditional 億
        ("师生比达到1:13.5。", (2030, ">=", 13.5, None, "ratio")),
        # years
        ("“十五五”初期建成两所学校。", (2027, ">=", 2.0, None, "count")),
        ("未来3年培训教师300人。", (2028, ">=", 300.0, None, "persons")),
        ("到 2029\n年建成12个基地。", (2029, ">=", 12.0, None, "count")),
        ("新建农村寄宿制学校400余所。", (2030, ">=", 400.0, None, "count")),  # 余: more than
        ("参训教师达20余万人次。", (2030, ">=", 20.0, None, "万人次")),
        ("高中综合指标进入全州前 3 位。", (2030, "<=", 3.0, None, "rank")),
        ("校长原则上每2年交流一次。", (2030, "<=", 2.0, None, "years")),  # an interval
        ("实施三年一次全员竞聘。", (2030, "<=", 3.0, None, "years")),
        ("构建15分钟健身圈。", (2030, "<=", 15.0, None, "minutes")),
        ("7 项指标中，3 项达标 97 所。", (2030, "=", 97.0, None, "count")),  # a stated count
        ("持续开展家庭教育百场讲座。", (2030, ">=", 100.0, None, "count")),
        # words without a number
        ("实现随迁子女应入尽入。", (2030, ">=", 100.0, None, "%")),
        ("辍学学生动态清零。", (2030, "=", 0.0, None, "count")),
        ("到2028年通过义务教育优质均衡发展国家督导评估。", (2028, ">=", 100.0, None, "%")),
        ("各校按规定开设法治教育课。", (2030, ">=", 100.0, None, "%")),
        ("持续化解大班额。", (2030, "non_increasing", None, None, "")),
        ("打造“一校一品”体育特色。", (2030, ">=", 1.0, None, "count per school")),
        ("“二圣茶文化”被评为重庆市社区教育特色课程。", (2030, ">=", 1.0, None, "count")),
        # names listed: the count of them
        ("新建实验中学、新乐小学和东城幼儿园。", (2030, ">=", 3.0, None, "count")),
        ("办好“创新实验班”“宏志班”“科技班”。", (2030, ">=", 3.0, None, "count")),
        ("组织开展篮球、足球、排球等六大联赛。", (2030, ">=", 6.0, None, "count")),
    ],
)
def test_one_sentence_gives_its_figure(sentence, expected):
    found = candidates_of(["二、主要目标", *sentence.split("\n")])
    got = {(c.year, c.comparator, c.value, c.value_high, c.unit) for c in found}
    assert expected in got, got


def test_a_named_balance_standard_gives_the_thresholds_of_the_measures_it_names():
    found = candidates_of(
        ["二、主要目标", "使生均教学仪器设备值、网络多媒体教室达到优质均衡评估标准。"]
    )
    got = {(c.indicator_id, c.stage, c.comparator, c.value, c.unit) for c in found
           if c.reason.startswith("优质均衡")}  # fmt: skip
    # the thresholds come from seeds/balance_standards.csv, per stage
    assert got == {
        ("equipment_value_per_pupil", "primary", ">=", 2000.0, "yuan"),
        ("equipment_value_per_pupil", "junior", ">=", 2500.0, "yuan"),
        ("multimedia_classrooms_per_100", "primary", ">=", 2.3, "per 100 pupils"),
        ("multimedia_classrooms_per_100", "junior", ">=", 2.4, "per 100 pupils"),
    }


def test_a_work_plan_names_what_exists_as_baselines_of_the_year_before():
    found = candidates_of(
        ["一、重点工作", "充分发挥8所省级实验校的引领作用，新建3所幼儿园。"],
        kind="annual",
        period_start=2027,
        period_end=2027,
    )
    got = {(c.kind, c.year, c.value) for c in found if c.unit == "count"}
    assert ("baseline", 2026, 8.0) in got and ("target", 2027, 3.0) in got


def test_codes_dates_ordinals_and_titles_are_no_figures():
    found = candidates_of(
        [
            "二、主要目标",
            "根据《中国教育现代化2035》和宛教〔2021〕55号文件，举办第五届运动会，3月底前完成。",
        ],
        kind="five_year",
    )
    assert found == []


def test_an_annual_plan_dates_everything_in_its_year_and_counts_deadlines():
    found = candidates_of(
        ["一、重点工作", "召开全区教育工作会议(4月底前完成)。", "每月开展一次安全检查。"],
        kind="annual",
        period_start=2027,
        period_end=2027,
    )
    got = {(c.line, c.year, c.comparator, c.value, c.unit) for c in found}
    assert (2, 2027, "=", 1.0, "flag") in got  # a task with a deadline: done = 1
    assert (3, 2027, ">=", 12.0, "times/year") in got  # 每月: twelve a year
    assert (3, 2027, ">=", 1.0, "times") in got  # and the literal 一次, for the reviewer
