"""The demo's filled-in reporting forms (orchestration/demo/reports.py): they cover at least
90 % of the catalogue's quantitative targets together with the computed ones, mix met, missed
and unreported figures, and stay inside each indicator's range."""

from __future__ import annotations

from collections import Counter

import openpyxl
import pytest

from expectations.catalogue import enforcement, load_targets, value_source
from orchestration.demo.reports import outcome, write_demo_reports


@pytest.fixture(scope="module")
def forms(tmp_path_factory):
    landing = tmp_path_factory.mktemp("landing")
    return landing, write_demo_reports(landing)


def _reported_keys(landing, files) -> set[tuple]:
    keys = set()
    for f in files:
        ws = openpyxl.load_workbook(landing / f["path"]).active
        head = {c.value: c.column - 1 for c in ws[2]}
        for row in ws.iter_rows(min_row=3, values_only=True):
            if row[head["填报值"]] is not None:
                keys.add(
                    (row[head["行政区划代码"]], row[head["指标代码"]], row[head["分项"]] or "",
                     row[head["年份"]])
                )  # fmt: skip
    return keys


def test_reported_and_computed_figures_cover_nine_in_ten_quantitative_targets(forms):
    landing, files = forms
    reported = _reported_keys(landing, files)
    quantitative = [t for t in load_targets() if not str(enforcement(t)).startswith("qualitative")]
    covered = Counter()
    for t in quantitative:
        source = value_source(t) if enforcement(t) is True else None
        has_value = (t.region_code, t.indicator_id, t.breakdown, t.target_year) in reported
        covered[source == "computed" or (source == "reported" and has_value)] += 1
    share = covered[True] / len(quantitative)
    assert share >= 0.90, f"{share:.1%} of {len(quantitative)} quantitative targets"
    assert covered[False] > 0  # some stay awaiting report, as in a real year


def test_outcomes_are_mixed_and_fixed_by_the_seed():
    reported = [t for t in load_targets() if value_source(t) == "reported" and t.enforceable]
    outcomes = Counter(outcome(t, 1) for t in reported)
    assert set(outcomes) == {"met", "missed", "unreported"}
    assert outcomes["met"] > outcomes["missed"] > outcomes["unreported"]
    assert [outcome(t, 1) for t in reported] == [outcome(t, 1) for t in reported]


def test_one_form_carries_the_bad_rows(forms):
    _, files = forms
    bad = [f for f in files if f["region_code"] == "130400"]
    assert len(bad) == 1 and len(files) > 10
