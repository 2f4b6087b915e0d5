"""The suite generated from the catalogue decides met / missed / no_data on rows whose right
answer is known."""

import dataclasses

import pandas as pd
import pytest

from expectations.catalogue import enforceable_targets
from expectations.suite import build_suite, validate_targets

GER, SHARE = (
    next(t for t in enforceable_targets() if t.indicator_id == i)
    for i in ("preschool_gross_enrolment_rate", "public_kindergarten_share")
)


def mart(rows):
    return pd.DataFrame(
        rows, columns=["region_code", "year", "indicator_id", "value", "is_complete_coverage"]
    )


def test_suite_has_presence_value_and_milestone_expectations_per_target():
    suite = build_suite([GER, SHARE], years=[2020, 2021, 2025])
    roles = sorted((e.meta["target_id"], e.meta["role"]) for e in suite.expectations)
    expected = [
        (t.target_id, r) for t in (GER, SHARE) for r in ("presence", "value", "milestone:2021")
    ]
    assert roles == sorted(expected)


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
