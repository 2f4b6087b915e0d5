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


def test_suite_has_a_presence_and_a_value_expectation_per_target():
    suite = build_suite([GER, SHARE])
    roles = sorted((e.meta["target_id"], e.meta["role"]) for e in suite.expectations)
    assert roles == sorted((t.target_id, r) for t in (GER, SHARE) for r in ("presence", "value"))


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


def test_a_target_year_without_data_is_no_data_not_met():
    rows = [("410300", 2024, GER.indicator_id, 99.0, True)]
    (result,) = validate_targets(mart(rows), [GER])
    assert result.status == "no_data"
    assert not result.passed


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
