"""The suite generated from the catalogue decides met / missed / no_data on rows whose right
answer is known."""

import dataclasses

import pandas as pd
import pytest

from expectations.catalogue import enforceable_targets, load_targets
from expectations.suite import (
    STANDARD_COLUMNS,
    check_rows,
    validate_targets,
    with_previous_year,
)

GER, SHARE = (
    next(t for t in enforceable_targets() if t.indicator_id == i)
    for i in ("preschool_gross_enrolment_rate", "public_kindergarten_share")
)


def mart(rows):
    """Rows of (region, year, indicator, value, complete[, value_flag[, breakdown]])."""
    return pd.DataFrame(
        [(*r, None, "")[:7] if len(r) == 5 else (*r, "")[:7] for r in rows],
        columns=[
            "region_code",
            "year",
            "indicator_id",
            "value",
            "is_complete_coverage",
            "value_flag",
            "breakdown",
        ],
    )


def test_every_target_has_presence_value_and_milestone_checks():
    """The check frame the suite validates: per target a presence row, its target-year value and
    a milestone for each interim year with a milestone, with the comparator's bounds."""
    data = with_previous_year(
        mart(
            [
                ("410300", 2021, GER.indicator_id, 93.0, True),
                ("410300", 2025, GER.indicator_id, 95.0, True),
            ]
        )
    )
    checks = check_rows(
        [GER, SHARE], data, pd.DataFrame(columns=STANDARD_COLUMNS), [2020, 2021, 2025]
    )
    roles = sorted(checks[["target_id", "role"]].itertuples(index=False, name=None))
    expected = [
        (t.target_id, r) for t in (GER, SHARE) for r in ("presence", "value", "milestone:2021")
    ]
    assert roles == sorted(expected)
    ger = checks[checks["target_id"] == GER.target_id].set_index("role")
    assert ger.at["presence", "present"] == 1  # 2025 exists, complete
    assert (ger.at["value", "value"], ger.at["value", "low"]) == (95.0, 94.0)  # binding >= 94
    assert ger.at["milestone:2021", "low"] == pytest.approx(GER.milestone(2021))
    assert not ger["low_strict"].any()
    share = checks[checks["target_id"] == SHARE.target_id].set_index("role")
    assert pd.isna(share.at["presence", "present"])  # no value: the presence check fails


def test_met_missed_and_the_reported_gap():
    rows = [
        ("410300", 2025, GER.indicator_id, 93.5, True),  # binding >= 94: missed by 0.5
        ("410300", 2025, SHARE.indicator_id, 50.0, True),  # >= 50: met exactly at the bound
        # the same indicator for another region and year must not be picked up
        ("410302", 2025, GER.indicator_id, 99.0, True),
        ("410300", 2024, GER.indicator_id, 99.0, True),
    ]
    results = {r.target.target_id: r for r in validate_targets(mart(rows), [GER, SHARE])}
    assert results[GER.target_id].status == "missed"
    assert results[GER.target_id].actual == 93.5
    assert results[GER.target_id].gap == pytest.approx(-0.5)
    assert results[SHARE.target_id].status == "met"
    assert results[SHARE.target_id].gap == pytest.approx(0.0)


def test_a_target_year_without_data_is_never_met():
    (result,) = validate_targets(mart([("410302", 2025, GER.indicator_id, 99.0, True)]), [GER])
    assert result.status == "no_data"
    assert not result.passed


def test_before_the_target_year_progress_is_judged_against_the_straight_line_milestone():
    flat = dataclasses.replace(GER, target_id="flat")
    base = GER.baseline
    assert base is not None and base.year == 2020  # published in the plan's indicator table
    due_2023 = GER.milestone(2023)
    assert due_2023 == pytest.approx(base.value + (94 - base.value) * 3 / 5)
    ahead = [("410300", 2023, GER.indicator_id, due_2023 + 0.1, True)]
    behind = [("410300", 2023, GER.indicator_id, due_2023 - 0.1, True)]
    (r,) = validate_targets(mart(ahead), [flat])
    assert (r.status, r.actual_year, r.passed) == ("on_track", 2023, True)
    (r,) = validate_targets(mart(behind), [flat])
    assert (r.status, r.passed) == ("at_risk", False)
    assert r.gap == pytest.approx(-0.1)
    assert "2023" in r.failures[0]


def test_a_non_decreasing_target_names_the_year_it_fell():
    never_less = dataclasses.replace(
        GER, target_id="never_less", comparator="non_decreasing", target_value=None
    )
    values = {2020: 10.0, 2021: 11.0, 2022: 12.0, 2023: 11.5, 2024: 13.0, 2025: 14.0}
    rows = [("410300", y, GER.indicator_id, v, True) for y, v in values.items()]
    (r,) = validate_targets(mart(rows), [never_less])
    assert r.status == "missed"
    assert len(r.failures) == 1 and r.failures[0].startswith("2023: 11.50 fell below 2022")
    rows = [(c, y, i, 12.5 if y == 2023 else v, ok) for c, y, i, v, ok in rows]
    (r,) = validate_targets(mart(rows), [never_less])
    assert (r.status, r.failures) == ("met", ())


def test_a_city_value_built_from_part_of_its_counties_is_no_data():
    rows = [("410300", 2025, GER.indicator_id, 99.0, False)]
    (result,) = validate_targets(mart(rows), [GER])
    assert result.status == "no_data"
    assert result.actual == 99.0


def test_upper_bound_and_between_comparators():
    cap = dataclasses.replace(GER, target_id="cap", comparator="<=", target_value=45.0)
    band = dataclasses.replace(
        GER, target_id="band", comparator="between", target_value=90.0, target_value_high=95.0
    )
    rows = [("410300", 2025, GER.indicator_id, 96.0, True)]
    results = {r.target.target_id: r.status for r in validate_targets(mart(rows), [cap, band])}
    assert results == {"cap": "missed", "band": "missed"}
    rows = [("410300", 2025, GER.indicator_id, 44.0, True)]
    results = {r.target.target_id: r.status for r in validate_targets(mart(rows), [cap, band])}
    assert results == {"cap": "met", "band": "missed"}


# School-level standards of 泸西县's action plan, checked on every class, school or county.
TARGETS_BY_ID = {t.target_id: t for t in enforceable_targets()}
CLASS_CAP_PRIMARY = TARGETS_BY_ID["luxi_2025_max_class_size_primary"]  # <= 45
CLASS_CAP_JUNIOR = TARGETS_BY_ID["luxi_2025_max_class_size_junior"]  # <= 50
FLOOR_AREA = TARGETS_BY_ID["luxi_2025_floor_area_per_pupil_primary"]  # >= 4.5 m² every school
FLOOR_AREA_CV = TARGETS_BY_ID["luxi_2025_floor_area_per_pupil_cv_primary"]  # < 0.5
STANDARDS = [CLASS_CAP_PRIMARY, CLASS_CAP_JUNIOR, FLOOR_AREA, FLOOR_AREA_CV]


def units(rows):
    return pd.DataFrame(rows, columns=STANDARD_COLUMNS)


def check_standards(rows, targets=STANDARDS):
    results = validate_targets(mart([]), targets, standards=units(rows))
    return {r.target.target_id: r for r in results}


def test_a_class_cap_counts_the_classes_above_it_in_its_stage_and_region():
    rows = [
        ("532527", 2025, "max_class_size", "primary", "class", f"s1:{i}", size)
        for i, size in enumerate([40, 45, 47, 52])
    ] + [
        ("532527", 2025, "max_class_size", "junior", "class", "s2:1", 48.0),  # junior cap 50
        ("411303", 2025, "max_class_size", "primary", "class", "s3:1", 70.0),  # another county
    ]
    r = check_standards(rows, [CLASS_CAP_PRIMARY, CLASS_CAP_JUNIOR])
    primary, junior = r[CLASS_CAP_PRIMARY.target_id], r[CLASS_CAP_JUNIOR.target_id]
    assert (primary.status, primary.actual, primary.gap) == ("missed", 52.0, -7.0)
    assert primary.failures == (
        "2025: 2 of 4 primary classes fail the target <= 45 pupils (highest 52.00)",
    )
    assert (junior.status, junior.actual) == ("met", 48.0)


def test_a_school_threshold_must_hold_in_every_school_and_is_judged_early_on_its_milestone():
    in_2025 = [
        ("532527", 2025, FLOOR_AREA.indicator_id, "primary", "school", "s1", 5.0),
        ("532527", 2025, FLOOR_AREA.indicator_id, "primary", "school", "s2", 4.4),
    ]
    r = check_standards(in_2025, [FLOOR_AREA])[FLOOR_AREA.target_id]
    assert (r.status, r.actual) == ("missed", 4.4)
    assert r.gap == pytest.approx(-0.1)
    assert r.failures[0].startswith("2025: 1 of 2 primary schools fail the target >= 4.5")
    # before the target year, with no published baseline the milestone is the standard itself
    in_2024 = [(c, 2024, i, st, k, u, v) for c, _, i, st, k, u, v in in_2025]
    r = check_standards(in_2024, [FLOOR_AREA])[FLOOR_AREA.target_id]
    assert (r.status, r.actual_year, r.milestone) == ("at_risk", 2024, 4.5)
    ok_2024 = [row[:-1] + (4.6,) for row in in_2024]
    assert check_standards(ok_2024, [FLOOR_AREA])[FLOOR_AREA.target_id].status == "on_track"


def test_a_coefficient_of_variation_cap_is_strict_and_a_region_without_units_has_no_data():
    at_cap = [("532527", 2025, FLOOR_AREA_CV.indicator_id, "primary", "region", "532527", 0.5)]
    r = check_standards(at_cap)
    assert r[FLOOR_AREA_CV.target_id].status == "missed"  # 小学均小于 0.5: 0.5 is not less
    assert r[CLASS_CAP_PRIMARY.target_id].status == "no_data"
    below = [row[:-1] + (0.49,) for row in at_cap]
    assert check_standards(below)[FLOOR_AREA_CV.target_id].status == "met"


def test_the_progress_tables_keep_their_column_types_even_when_a_column_is_all_null(tmp_path):
    import duckdb

    from expectations.catalogue import load_targets
    from expectations.progress import COVERAGE_COLUMNS, PROGRESS_COLUMNS, write_progress

    # GER has no upper bound: target_value_high is null in every row, as in a real night
    results = validate_targets(mart([("410300", 2025, GER.indicator_id, 95.0, True)]), [GER])
    warehouse = tmp_path / "w.duckdb"
    write_progress(warehouse, results, load_targets())
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table, columns in (
            ("mart_plan_progress", PROGRESS_COLUMNS),
            ("mart_target_coverage", COVERAGE_COLUMNS),
        ):
            described = con.execute(f"describe marts.{table}").fetchall()
            assert [(c, t.lower()) for c, t, *_ in described] == list(columns.items())
        row = con.execute(
            "select status, actual_year, target_value_high from marts.mart_plan_progress"
        ).fetchone()
    assert row == ("met", 2025, None)


def test_a_flagged_cohort_rate_is_never_met_and_is_no_milestone():
    """泸西县's 初中三年巩固率 target (>= 97.5 in 2025): a 2025 value of 104 flagged above its
    upper bound (transfers in) is no_data with the reason, not met; a flagged 2024 value is no
    milestone either, so the latest trustworthy year (2023) decides on_track / at_risk."""
    retention = next(
        t for t in enforceable_targets() if t.target_id == "luxi_2025_junior_retention_rate"
    )
    flagged_target_year = validate_targets(
        mart([("532527", 2025, retention.indicator_id, 104.0, True, "above_upper_bound")]),
        [retention],
    )[0]
    assert flagged_target_year.status == "no_data"
    assert flagged_target_year.actual == 104.0
    assert "transferred in" in flagged_target_year.failures[0]

    earlier = validate_targets(
        mart(
            [
                ("532527", 2023, retention.indicator_id, 90.0, True),
                ("532527", 2024, retention.indicator_id, 101.0, True, "above_upper_bound"),
            ]
        ),
        [retention],
    )[0]
    assert earlier.actual_year == 2023
    assert earlier.actual == 90.0


def test_a_coefficient_of_variation_target_above_county_level_is_not_enforced():
    """The 差异系数 maximum is a county standard: the same target set for a prefecture is not
    enforced, and says why."""
    from expectations.catalogue import enforcement

    cv = next(t for t in enforceable_targets() if t.indicator_id.endswith("_cv"))
    city = dataclasses.replace(cv, region_code="532500", region_name="红河州")
    assert enforcement(cv) is True
    assert "county standard" in enforcement(city)
    assert "prefecture" in enforcement(city)


def test_a_target_on_a_reported_figure_awaits_its_report_and_is_then_judged():
    """A target on a figure no extract gives (a reported indicator): without a report it is
    no_data, "awaiting report", and covered as `awaiting report`; with the bureau's figure it is
    met or missed like any other, and covered as `reported`."""
    from expectations.catalogue import reported_indicators, value_source
    from expectations.progress import coverage, coverage_frame

    indicator = next(i for i, r in reported_indicators().items() if r["unit"] == "count")
    target = dataclasses.replace(
        GER,
        target_id="test_reported_count",
        indicator_id=indicator,
        comparator=">=",
        target_value=5.0,
        unit="count",
        plan_unit="count",
        binding="expected",
    )
    assert value_source(target) == "reported"
    awaiting = validate_targets(mart([]), [target])[0]
    assert (awaiting.status, awaiting.failures[0][:16]) == ("no_data", "awaiting report:")
    assert coverage(target, awaiting) == "awaiting report"
    met, missed = (
        validate_targets(mart([("410300", 2025, indicator, value, True)]), [target])[0]
        for value in (6.0, 4.0)
    )
    assert (met.status, missed.status) == ("met", "missed")
    assert coverage(target, met) == "reported"
    frame = coverage_frame([target, GER], [met])
    assert list(frame["coverage"]) == ["reported", "computed"]
    assert list(frame["value_source"]) == ["reported", "computed"]


def test_a_target_on_a_running_sum_counts_the_years_since_the_baseline():
    """巴南区's 新建中小学20所 (2021–2025) is on the new schools of the plan's years together:
    3 + 5 + 4 + 4 + 4 = 20 by 2025 is met, one school fewer is missed; with 2023 missing the sums
    of 2023–2025 are unknown, never partial, so the target is judged on 2022's 8 against the
    straight line from 0 (8 due: on track); in 2023 a sum of 8 is behind it (12 due: at risk)."""
    target = next(t for t in load_targets() if t.target_id == "banan_2025_new_schools_built")
    assert target.accumulation == "since_baseline" and target.target_value == 20
    yearly = {2021: 3, 2022: 5, 2023: 4, 2024: 4, 2025: 4}

    def run(values):
        rows = [("500113", y, target.indicator_id, float(v), True) for y, v in values.items()]
        return validate_targets(mart(rows), [target])[0]

    met = run(yearly)
    assert (met.status, met.actual, met.target.indicator_id) == ("met", 20.0, target.indicator_id)
    assert run(yearly | {2025: 3}).status == "missed"
    gap = run({y: v for y, v in yearly.items() if y != 2023})
    assert (gap.status, gap.actual, gap.actual_year) == ("on_track", 8.0, 2022)
    early = run({2021: 3, 2022: 3, 2023: 2})
    assert (early.status, early.actual, early.actual_year) == ("at_risk", 8.0, 2023)
