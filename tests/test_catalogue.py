"""The target catalogue cites the plans exactly: a quote that is not in its file at its line is a
citation nobody can check."""

import csv

import pytest

from expectations.catalogue import SUPPORTED_COMPARATORS, load_targets
from tests.conftest import PLANS_DIR, PROJECT_DIR

TARGETS = load_targets()


def test_catalogue_is_not_empty_and_ids_are_unique():
    ids = [t.target_id for t in TARGETS]
    assert len(ids) >= 2
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.target_id)
def test_quote_is_verbatim_at_its_line(target):
    lines = (PLANS_DIR / target.source_file).read_text(encoding="utf-8").splitlines()
    assert target.source_quote in lines[target.source_line - 1], (
        f"{target.target_id}: quote not found at {target.source_file}:{target.source_line}"
    )


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.target_id)
def test_indicator_exists_and_values_fit_the_comparator(target):
    with (PROJECT_DIR / "seeds" / "indicators.csv").open(encoding="utf-8") as fh:
        indicators = {row["indicator_id"] for row in csv.DictReader(fh)}
    assert target.indicator_id in indicators
    assert target.binding in {"binding", "expected"}
    if target.measurable == "true":
        assert target.comparator in SUPPORTED_COMPARATORS
        assert target.target_value is not None
        if target.comparator == "between":
            assert target.target_value_high is not None
            assert target.target_value_high > target.target_value
    else:
        assert target.measurable.strip(), "a non-measurable target must say why"
