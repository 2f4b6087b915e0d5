"""The target catalogue cites the plans exactly: a quote that is not in its file at its line is a
citation nobody can check. The same holds for every published baseline."""

import csv
from functools import cache

import pytest

from expectations.catalogue import (
    SUPPORTED_COMPARATORS,
    TREND_COMPARATORS,
    computed_indicators,
    enforcement,
    load_baselines,
    load_targets,
)
from tests.conftest import PLANS_DIR, PROJECT_DIR

TARGETS = load_targets()
BASELINES = load_baselines()


@cache
def plan_lines(name: str) -> list[str]:
    # numbered as an editor numbers them: by newline characters only
    return (PLANS_DIR / name).read_text(encoding="utf-8").split("\n")


@cache
def indicators() -> dict[str, dict]:
    """Computed indicators and those defined only for the catalogue."""
    found = {}
    for seed in ("indicators.csv", "plan_indicators.csv"):
        with (PROJECT_DIR / "seeds" / seed).open(encoding="utf-8") as fh:
            found.update({row["indicator_id"]: row for row in csv.DictReader(fh)})
    return found


def test_catalogue_covers_the_five_documents_and_ids_are_unique():
    ids = [t.target_id for t in TARGETS]
    assert len(ids) == len(set(ids))
    assert {t.source_file[:3] for t in TARGETS} == {"000", "001", "002", "003", "004"}
    assert len({b.baseline_id for b in BASELINES}) == len(BASELINES)


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.target_id)
def test_quote_is_verbatim_at_its_line(target):
    line = plan_lines(target.source_file)[target.source_line - 1]
    assert target.source_quote and target.source_quote in line, (
        f"{target.target_id}: quote not found at {target.source_file}:{target.source_line}"
    )


@pytest.mark.parametrize("baseline", BASELINES, ids=lambda b: b.baseline_id)
def test_baseline_quote_is_verbatim_and_its_indicator_exists(baseline):
    line = plan_lines(baseline.source_file)[baseline.source_line - 1]
    assert baseline.source_quote and baseline.source_quote in line
    assert baseline.indicator_id in indicators()


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.target_id)
def test_indicator_exists_and_values_fit_the_comparator(target):
    assert target.indicator_id in indicators()
    assert target.binding in {"binding", "expected"}
    assert 2000 <= target.target_year <= 2035
    if target.measurable == "true":
        assert target.comparator in SUPPORTED_COMPARATORS
        assert target.region_code.isdigit() and len(target.region_code) == 6
        if target.comparator not in TREND_COMPARATORS:
            assert target.target_value is not None
        if target.comparator == "between":
            assert target.target_value_high is not None
            assert target.target_value_high > target.target_value
    else:
        assert target.measurable.strip(), "a non-measurable target must say why"
        assert enforcement(target) is not True


def test_every_measurable_target_on_a_computed_indicator_is_enforced():
    computed = set(computed_indicators())
    for t in TARGETS:
        if t.measurable == "true" and t.indicator_id in computed:
            assert enforcement(t) is True, t.target_id
