"""The plan-progress report (orchestration/reporting/report.py), built from a small hand-made
warehouse whose rows say what must appear: a missed binding target and its quote at the top of
the worst misses, heat-map cells of known status, a region without data, a 只增不减 target that
fell."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from expectations.progress import STATUSES
from orchestration.reporting.report import (
    SEVERITY,
    STATUS_COLOURS,
    build_report,
    fmt_number,
    worst_status,
)

LUOYANG, DAXINGANLING = "410300", "232700"
MISSED_QUOTE = "到2025年，学前三年毛入园率达到94%"
# markup characters in a quote must come out as text
TREND_QUOTE = "一般公共预算教育支出<只增不减> & 'guaranteed'"

INDICATORS = [
    ("preschool_gross_enrolment_rate", "学前三年毛入园率", "Preschool gross enrolment rate", "%"),
    ("public_kindergarten_share", "公办园在园幼儿占比", "Public kindergarten share", "%"),
    ("large_classes", "大班额班级数", "Large classes", "count"),
    ("edu_general_budget", "一般公共预算教育支出", "General public budget for education", "yuan"),
    ("compulsory_consolidation_rate", "九年义务教育巩固率", "Consolidation rate", "%"),
    ("super_large_classes", "超大班额班级数", "Super-large classes", "count"),
]
# (indicator, {year: value}) for 洛阳市; 大兴安岭地区 has no values at all
VALUES = {
    "preschool_gross_enrolment_rate": {
        2019: 87.0,
        2020: 88.0,
        2021: None,  # a year without a value breaks the line
        2022: 89.5,
        2023: 90.1,
        2024: 91.0,
        2025: 91.5,
    },
    "public_kindergarten_share": {2020: 40.0, 2021: 42.0, 2022: 44.0, 2023: 45.0},
    "large_classes": {2020: 12.0, 2021: 8.0, 2022: 3.0, 2023: 0.0, 2024: 0.0, 2025: 0.0},
    "edu_general_budget": {2020: 5.0e9, 2021: 5.4e9, 2022: 5.6e9, 2023: 5.5e9, 2024: 5.9e9},
    "super_large_classes": {2023: 6.0, 2024: 5.0, 2025: 4.0},
}

PLAN, LATER_PLAN = "410300_five_year_2021_2025", "410300_five_year_2026_2030"
AWAITING_QUOTE = "新建公办幼儿园10所"
# reported targets: one reported (its verdict is in the progress mart), two awaiting the
# bureau's report, one of them in the later plan
COVERAGE_EXTRA = [
    ("R1", PLAN, LUOYANG, "kindergartens_built", 2025, True, "awaiting report", AWAITING_QUOTE),
    ("R2", LATER_PLAN, LUOYANG, "schools_built", 2030, True, "awaiting report", "新建学校5所"),
]

PROGRESS_COLUMNS = (
    "target_id, region_code, region_name, indicator_id, target_year, comparator, target_value, "
    "target_value_high, unit, binding, status, actual_value, actual_year, value_due, gap, "
    "failures, baseline_year, baseline_value, source_file, source_line, source_quote"
)
PROGRESS = [
    # missed binding target: must head the worst misses with its quote
    ("T1", LUOYANG, "洛阳市", "preschool_gross_enrolment_rate", 2025, ">=", 94.0, None, "%",
     "binding", "missed", 91.5, 2025, 94.0, -2.5, "2025: 91.50, target >= 94 %",
     2020, 88.0, "001_plan.txt", 42, MISSED_QUOTE),
    # met in the same cell as T1: the cell shows the worst, missed
    ("T2", LUOYANG, "洛阳市", "preschool_gross_enrolment_rate", 2022, "between", 85.0, 90.0,
     "%", "expected", "met", 89.5, 2022, 85.0, 0.5, None, 2020, None, "001_plan.txt", 40,
     "学前三年毛入园率保持在85%至90%之间"),
    ("T3", LUOYANG, "洛阳市", "public_kindergarten_share", 2025, ">=", 50.0, None, "%",
     "expected", "at_risk", 45.0, 2023, 46.0, -1.0, "2023: 45.00, milestone >= 46.00",
     2020, 40.0, "001_plan.txt", 44, "公办园在园幼儿占比达到50%以上"),
    ("T4", LUOYANG, "洛阳市", "large_classes", 2025, "=", 0.0, None, "count", "expected",
     "met", 0.0, 2025, 0.0, 0.0, None, 2020, None, "001_plan.txt", 50, "全面消除大班额"),
    ("T5", LUOYANG, "洛阳市", "edu_general_budget", 2025, "non_decreasing", None, None, "yuan",
     "expected", "missed", 5.9e9, 2024, None, None, "2023: 5,500,000,000.00 fell below 2022's "
     "5,600,000,000.00", 2020, None, "001_plan.txt", 60, TREND_QUOTE),
    # expected and wholly missed: a larger shortfall than T1's, listed after it (binding first)
    ("T8", LUOYANG, "洛阳市", "super_large_classes", 2025, "=", 0.0, None, "count", "expected",
     "missed", 4.0, 2025, 0.0, -4.0, "2025: 4.00, target = 0 count", 2020, None,
     "001_plan.txt", 52, "消除超大班额"),
    # an indicator without values in a region that has others
    ("T7", LUOYANG, "洛阳市", "compulsory_consolidation_rate", 2025, ">=", 97.0, None, "%",
     "binding", "no_data", None, None, 97.0, None, None, 2020, None, "001_plan.txt", 70, "97"),
    # a region whose extracts never arrived
    ("T6", DAXINGANLING, "大兴安岭地区", "public_kindergarten_share", 2025, ">=", 50.0, None,
     "%", "expected", "no_data", None, None, 50.0, None, None, 2020, None, "004_compilation.txt",
     7, "大兴安岭地区公办园在园幼儿占比达到50%"),
]  # fmt: skip


def make_warehouse(
    path: Path, progress: list[tuple] = PROGRESS, extra: list[tuple] = COVERAGE_EXTRA
) -> Path:
    """A DuckDB file with only the tables and columns the report reads."""
    names = {LUOYANG: "洛阳市", DAXINGANLING: "大兴安岭地区"}
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.dim_indicator (indicator_id varchar, indicator_name_zh varchar, "
            "indicator_name_en varchar, unit varchar)"
        )
        con.executemany("insert into marts.dim_indicator values (?, ?, ?, ?)", INDICATORS)
        con.execute(
            "create table marts.mart_indicator_values (region_code varchar, region_name varchar, "
            "region_level varchar, year integer, indicator_id varchar, value double)"
        )
        con.executemany(
            "insert into marts.mart_indicator_values values (?, '洛阳市', 'prefecture', ?, ?, ?)",
            [
                (LUOYANG, year, indicator, value)
                for indicator, series in VALUES.items()
                for year, value in series.items()
            ],
        )
        con.execute(
            "create table marts.mart_plan_progress (target_id varchar, region_code varchar, "
            "region_name varchar, indicator_id varchar, target_year integer, comparator varchar, "
            "target_value double, target_value_high double, unit varchar, binding varchar, "
            "status varchar, actual_value double, actual_year integer, value_due double, "
            "gap double, failures varchar, baseline_year integer, baseline_value double, "
            "source_file varchar, source_line integer, source_quote varchar, "
            f"plan_id varchar default '{PLAN}')"
        )
        if progress:
            con.executemany(
                f"insert into marts.mart_plan_progress ({PROGRESS_COLUMNS}) "
                f"values ({', '.join('?' * 21)})",
                progress,
            )
        con.execute(
            "create table marts.mart_target_coverage (target_id varchar, plan_id varchar, "
            "region_code varchar, indicator_id varchar, target_year integer, "
            "is_enforced boolean, coverage varchar, source_quote varchar, region_name varchar)"
        )
        con.executemany(
            "insert into marts.mart_target_coverage values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (*row, names[row[2]])
                for row in [
                    (r[0], PLAN, r[1], r[3], r[4], True, "computed", r[20]) for r in progress
                ]
                + [
                    ("X1", PLAN, LUOYANG, "training_hours", 2025, False, "qualitative", "q"),
                    ("X2", PLAN, LUOYANG, "appropriation", 2025, False, "not enforced", "n"),
                    *extra,
                ]
            ],
        )
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> str:
    tmp = tmp_path_factory.mktemp("report")
    page = build_report(make_warehouse(tmp / "warehouse.duckdb"), tmp / "out")
    assert page == tmp / "out" / "index.html"
    return page.read_text(encoding="utf-8")


def heat_cell(page: str, region: str, indicator: str) -> re.Match | None:
    return re.search(
        rf'<td class="cell s-\w+" data-region="{region}" data-indicator="{indicator}" '
        r'data-status="(?P<status>\w+)" style="background:(?P<colour>#\w+)',
        page,
    )


def region_section(page: str, region: str) -> str:
    match = re.search(rf'<section class="region" id="r-{region}".*?</section>', page, re.S)
    assert match, f"no section for region {region}"
    return match.group(0)


def card(page: str, region: str, indicator: str) -> str:
    match = re.search(
        rf'<article class="card"[^>]*data-indicator="{indicator}">.*?</article>',
        region_section(page, region),
        re.S,
    )
    assert match, f"no card for {indicator} in {region}"
    return match.group(0)


def test_report_statuses_are_those_of_the_progress_mart():
    assert set(SEVERITY) == set(STATUSES) == set(STATUS_COLOURS)
    assert worst_status(["met", "missed", "on_track"]) == "missed"
    assert worst_status(["met", "no_data"]) == "no_data"
    assert worst_status(["on_track", "met"]) == "on_track"


def test_heat_map_cell_shows_the_worst_status_of_its_targets(report):
    missed = heat_cell(report, LUOYANG, "preschool_gross_enrolment_rate")
    assert missed and missed["status"] == "missed"  # T1 missed beats T2 met
    assert missed["colour"] == STATUS_COLOURS["missed"][0]
    at_risk = heat_cell(report, LUOYANG, "public_kindergarten_share")
    assert at_risk and at_risk["status"] == "at_risk"
    assert at_risk["colour"] == STATUS_COLOURS["at_risk"][0]
    met = heat_cell(report, LUOYANG, "large_classes")
    assert met and met["status"] == "met"
    no_data = heat_cell(report, DAXINGANLING, "public_kindergarten_share")
    assert no_data and no_data["status"] == "no_data"
    # no target there: an empty cell, not a status
    assert heat_cell(report, DAXINGANLING, "preschool_gross_enrolment_rate") is None
    # Chinese label with English alongside, and a legend naming every status
    assert "学前三年毛入园率" in report and "Preschool gross enrolment rate" in report
    assert all(f'<span class="badge s-{s}">' in report.split("<table")[0] for s in STATUSES)


def test_worst_misses_start_with_the_missed_binding_target_and_its_quote(report):
    table = re.search(r'<table class="misses">.*?</table>', report, re.S)
    assert table
    rows = re.findall(r'<tr data-target="(\w+)">(.*?)</tr>', table.group(0), re.S)
    # missed before at risk, binding before expected; met and no-data targets are not misses
    assert [target for target, _ in rows] == ["T1", "T8", "T5", "T3"]
    first = rows[0][1]
    assert f"「{MISSED_QUOTE}」" in first
    assert "001_plan.txt:42" in first
    assert "约束性 binding" in first
    assert "-2.50" in first and "91.5 (2025)" in first and "2.7%" in first


def test_text_is_escaped(report):
    assert TREND_QUOTE not in report
    assert "一般公共预算教育支出&lt;只增不减&gt; &amp; &#x27;guaranteed&#x27;" in report


def test_chart_draws_target_baseline_and_the_catalogues_milestones(report):
    chart = card(report, LUOYANG, "preschool_gross_enrolment_rate")
    assert chart.count("<svg") == 1
    # the straight line from the 2020 baseline 88 to 94 in 2025 (Target.milestone)
    for year, due in [(2021, "89.2"), (2022, "90.4"), (2023, "91.6"), (2024, "92.8")]:
        assert f"<title>{year} milestone &gt;= {due}</title>" in chart
    assert "<title>baseline 2020: 88</title>" in chart
    assert 'class="target"' in chart and 'class="band"' in chart  # T1's line, T2's range
    # the missing 2021 value splits the line in two and draws no point
    assert chart.count('<polyline class="series"') == 2
    assert "<title>2021:" not in chart
    assert "<title>2025: 91.5 %</title>" in chart


def test_non_decreasing_target_marks_the_fall_and_draws_no_target_line(report):
    chart = card(report, LUOYANG, "edu_general_budget")
    assert 'class="target"' not in chart and 'class="milestone"' not in chart
    falls = re.findall(r'<path class="fall".*?<title>(.*?)</title>', chart)
    assert falls == ["2023: 5,500,000,000, fell from 5,600,000,000"]
    assert "55亿" in chart or "56亿" in chart  # axis in 亿 for large sums


def test_region_without_data_says_so(report):
    section = region_section(report, DAXINGANLING)
    assert "no indicator values for this region" in section
    assert "<svg" not in section and 'class="card"' not in section
    # its targets are still listed, with the plan's words
    assert "「大兴安岭地区公办园在园幼儿占比达到50%」" in section
    assert "no indicator values" not in region_section(report, LUOYANG)


def test_indicator_without_values_says_so(report):
    empty = card(report, LUOYANG, "compulsory_consolidation_rate")
    assert "<svg" not in empty
    assert "no value of this indicator for this region" in empty


def test_page_is_self_contained(report):
    assert "<script" not in report
    assert "@import" not in report and "url(" not in report
    links = re.findall(r"""(?:src|href)=["']([^"']+)""", report)
    assert links and all(link.startswith("#") for link in links)
    # the only absolute address is the SVG namespace, which is never fetched
    assert set(re.findall(r"https?://[^\s\"'<]+", report)) == {"http://www.w3.org/2000/svg"}


def test_header_counts_targets_by_status(report):
    header = report.split("</header>")[0]
    counts = dict(re.findall(r'<span class="badge s-(\w+)">.*?</span></span> (\d+)', header))
    assert counts == {"met": "2", "on_track": "0", "at_risk": "1", "missed": "3", "no_data": "2"}
    assert "10 of 12 catalogue targets" in header


def test_warehouse_without_targets_still_renders(tmp_path):
    page = build_report(
        make_warehouse(tmp_path / "w.duckdb", progress=[], extra=[]), tmp_path / "out"
    )
    text = page.read_text(encoding="utf-8")
    assert "The warehouse enforces no target." in text
    assert "No target is missed or at risk." in text


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "—"), (94.0, "94"), (91.567, "91.57"), (-0.001, "0"), (1234567.8, "1,234,568")],
)
def test_fmt_number(value, text):
    assert fmt_number(value) == text


def test_each_region_shows_how_its_catalogue_rows_are_covered_and_what_awaits_a_report(report):
    section = region_section(report, LUOYANG)
    covered = dict(re.findall(r'data-coverage="([^"]+)">[^<]*?(\d+)</span>', section))
    assert covered == {
        "computed": "7",
        "reported": "0",
        "awaiting report": "2",
        "qualitative": "1",
        "not enforced": "1",
    }
    awaiting = re.findall(r'data-awaiting="(\w+)"', section)
    assert awaiting == ["R1", "R2"]
    assert AWAITING_QUOTE in section and "eduwh template --region 410300" in section
    assert "data-awaiting" not in region_section(report, DAXINGANLING)


def test_the_report_of_one_plan_shows_only_its_targets(tmp_path):
    page = build_report(make_warehouse(tmp_path / "w.duckdb"), tmp_path / "out", LATER_PLAN)
    text = page.read_text(encoding="utf-8")
    assert f"plan {LATER_PLAN} only" in text
    assert MISSED_QUOTE not in text  # a target of the other plan
    section = region_section(text, LUOYANG)
    assert re.findall(r'data-awaiting="(\w+)"', section) == ["R2"]
