"""A county whose code changed is one county: 漠河县 (232723) became the county-level city 漠河市
(232701) in 2018. Its bureau delivers 2016–2017 under the old code and 2018–2019 under the new
one, and in 2019 still sends its population under the old code. The warehouse must follow the
county across the change (a cohort rate divides 2018's grade 9 by 2016's grade 7), count it once
in 大兴安岭地区's coverage, and sum the city's totals from current counties only; the same
county-year delivered under both codes is refused, never summed.

The expected figures are computed here from the rows this test writes, independently of the
warehouse's SQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.loaders import load_landing
from tests.conftest import PROJECT_DIR

PREFECTURE = "232700"  # 大兴安岭地区
MOHE_OLD, MOHE = "232723", "232701"
OTHERS = ("232721", "232722", "232761", "232762", "232763", "232764")
YEARS = (2016, 2017, 2018, 2019)
MISSING_2019 = "232764"  # 呼中区 sends nothing for 2019

SCHOOLS_HEADER = (
    "year,school_code,school_name,region_code,school_type_code,sponsor,urban_rural_code,"
    "inclusive_kindergarten,classes,teaching_floor_area_m2,sports_ground_area_m2,"
    "equipment_value_yuan,multimedia_classrooms"
)
PUPILS_HEADER = (
    "year,pupil_id,school_code,grade,class_id,birth_year,sex,migrant,left_behind,disabled,status"
)
POPULATION_HEADER = "year,region_code,age,population,disabled_population"


def delivered_code(county: str, year: int, extract: str) -> str | None:
    """The code a county's file is delivered under, or None when it sends nothing."""
    if county == MOHE:
        if year <= 2017 or (year == 2019 and extract == "population"):
            return MOHE_OLD
        return MOHE
    if county == MISSING_2019 and year == 2019:
        return None
    return county


def cohort(county: str, year: int) -> dict[str, tuple[int, int]]:
    """(pupils on the roll, dropouts) per grade for one county and year: distinct sizes per
    county and year so that a wrong join cannot give the right answer by accident."""
    k = (OTHERS + (MOHE,)).index(county) + 1
    base = 10 * k + (year - 2016)
    return {"G7": (base, k % 3), "G9": (base - k, 0)}


def write(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def deliver(landing):
    for county in (MOHE, *OTHERS):
        school = f"{county}0001"  # a school keeps its code when its county is renamed
        for year in YEARS:
            code = delivered_code(county, year, "schools")
            if code is not None:
                write(
                    landing / "schools" / f"schools_{code}_{year}.csv",
                    [
                        SCHOOLS_HEADER,
                        f"{year},{school},示例初级中学{county},{code},311,public,220,0,6,"
                        "2000,3000,600000,6",
                    ],
                )
                rows, n = [PUPILS_HEADER], 0
                for grade, (pupils, dropouts) in cohort(county, year).items():
                    age = 13 if grade == "G7" else 15
                    for i in range(pupils + dropouts):
                        n += 1
                        status = "dropped_out" if i < dropouts else "continuing"
                        rows.append(
                            f"{year},P{county}{year}{n:04d},{school},{grade},{grade}-1,"
                            f"{year - age},{1 + i % 2},0,0,0,{status}"
                        )
                write(landing / "pupils" / f"pupils_{code}_{year}.csv", rows)
            code = delivered_code(county, year, "population")
            if code is not None:
                write(
                    landing / "population" / f"population_{code}_{year}.csv",
                    [POPULATION_HEADER]
                    + [f"{year},{code},{age},{100 + age},0" for age in (15, 16, 17)],
                )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("region_codes")
    landing, wh = root / "landing", root / "warehouse.duckdb"
    deliver(landing)
    run = load_landing(wh, landing, b"test-key")
    refused = [f for f in run.files if f.status == "refused"]
    assert not refused, [f.message for f in refused]
    # dbt in a process of its own: in this one, its DuckDB connection would stay cached and
    # block the read-only connections the tests open
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "build",
            "--select",
            "+mart_indicator_values",
            "--indirect-selection",
            "cautious",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(root / "target"),
            "--log-path",
            str(root / "logs"),
        ],
        env={**os.environ, "EDUWH_WAREHOUSE_PATH": str(wh)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    return wh


def value_row(wh, region, year, indicator):
    with duckdb.connect(str(wh), read_only=True) as con:
        return con.execute(
            "select numerator, denominator, reporting_counties, counties_in_region, "
            "is_complete_coverage from marts.mart_indicator_values "
            "where region_code = ? and year = ? and indicator_id = ?",
            [region, year, indicator],
        ).fetchone()


def test_the_cohort_rate_follows_the_county_across_its_change_of_code(warehouse):
    # 漠河市's grade 9 of 2018 (delivered under 232701) over its grade-7 cohort of 2016
    # (delivered under 232723), dropouts included
    g7_pupils, g7_dropouts = cohort(MOHE, 2016)["G7"]
    g9 = cohort(MOHE, 2018)["G9"][0]
    numerator, denominator, *_ = value_row(warehouse, MOHE, 2018, "junior_retention_rate")
    assert (numerator, denominator) == (g9, g7_pupils + g7_dropouts)
    assert value_row(warehouse, MOHE_OLD, 2018, "junior_retention_rate") is None


def test_the_city_sums_current_counties_and_its_coverage_counts_each_county_once(warehouse):
    # 2018: all seven counties, 漠河 under its new code; its cohort base under the old one
    numerator, denominator, reporting, in_region, complete = value_row(
        warehouse, PREFECTURE, 2018, "junior_retention_rate"
    )
    counties = (MOHE, *OTHERS)
    assert numerator == sum(cohort(c, 2018)["G9"][0] for c in counties)
    assert denominator == sum(sum(cohort(c, 2016)["G7"]) for c in counties)
    assert (reporting, in_region, complete) == (7, 7, True)
    # 2019: 呼中区 sent nothing; 漠河 sent pupils under 232701 and population under 232723,
    # which are one county, not two: 6 of 7 report, the city is not complete
    *_, reporting, in_region, complete = value_row(
        warehouse, PREFECTURE, 2019, "senior_gross_enrolment_rate"
    )
    assert (reporting, in_region, complete) == (6, 7, False)
    _, denominator, *_ = value_row(warehouse, MOHE, 2019, "senior_gross_enrolment_rate")
    assert denominator == sum(100 + age for age in (15, 16, 17))


def test_no_figure_is_kept_under_a_retired_code(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        retired = con.execute(
            "select count(*) from marts.mart_indicator_values where region_code = ?", [MOHE_OLD]
        ).fetchone()[0]
        delivered = con.execute(
            "select distinct delivered_region_code from marts.dim_school "
            "where region_code = ? order by 1",
            [MOHE],
        ).fetchall()
    assert retired == 0
    assert delivered == [(MOHE,), (MOHE_OLD,)]


def test_the_same_county_year_under_both_codes_is_refused_and_every_row_accounted(tmp_path):
    landing, wh = tmp_path / "landing", tmp_path / "w.duckdb"
    rows = [POPULATION_HEADER] + [f"2019,{{code}},{age},100,0" for age in (15, 16, 17)]
    for code in (MOHE, MOHE_OLD):
        write(
            landing / "population" / f"population_{code}_2019.csv",
            [r.replace("{code}", code) for r in rows],
        )
    run = load_landing(wh, landing, b"test-key")
    first, second = sorted(run.for_extract("population"), key=lambda f: f.source_file)
    assert first.status == "loaded"
    assert second.status == "refused"
    assert "already loaded from population/population_232701_2019.csv" in second.message
    assert "count the county twice" in second.message
    assert (second.rows_read, second.rows_loaded, second.rows_quarantined) == (3, 0, 3)
    with duckdb.connect(str(wh), read_only=True) as con:
        reasons = con.execute(
            "select distinct reason_code from raw._quarantine where source_file like ?",
            ["%232723%"],
        ).fetchall()
        current = con.execute("select count(*) from raw.population").fetchone()[0]
    assert reasons == [("delivered_under_another_code",)]
    assert current == 3
