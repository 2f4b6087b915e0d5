"""The extractor measured on the five plan documents with the target catalogue as the answer
key (orchestration/plans/measure.py says how a row counts as found): it prints recall and
precision per document and fails below 90 % recall overall. Skipped, saying why, where the
documents are not (EDUWH_PLANS_DIR)."""

from __future__ import annotations

from orchestration.plans.extract import BASELINE, TARGET, Candidate
from orchestration.plans.measure import KeyRow, matches, measure, table, totals
from tests.conftest import PLANS_DIR, requires_plans


def key(kind=TARGET, year=2025, comparator=">=", value=94.0, unit="%", line=10) -> KeyRow:
    return KeyRow("row", kind, "plan.txt", line, year, comparator, value, unit, "q", "x")


def cand(kind=TARGET, year=2025, comparator=">=", value=94.0, unit="%", line=10) -> Candidate:
    return Candidate(
        "C0001", kind, "q", line, value, None, unit, year, comparator, "expected", None
    )


def test_a_row_is_found_by_line_kind_year_comparator_and_value_in_base_units():
    assert matches(key(), cand())
    assert matches(key(value=48500.0, unit="count"), cand(value=4.85, unit="万人"))
    assert matches(key(value=342900.0, unit="万元"), cand(value=34.29, unit="亿元"))
    # the ends of a scale: >= 100 % is = 100 %, <= 0 is = 0, done = 1 is at least one
    assert matches(key(comparator="=", value=100.0), cand(comparator=">=", value=100.0))
    assert matches(key(comparator="=", value=0.0, unit="count"), cand(comparator="<=", value=0.0))
    assert matches(key(value=1.0, unit="count"), cand(comparator="=", value=1.0, unit="flag"))
    assert matches(key(kind=BASELINE, comparator=None), cand(kind=BASELINE, comparator=None))
    assert matches(key(comparator="non_decreasing", value=None), cand("target", 2025,
                   "non_decreasing", None, ""))  # fmt: skip
    # and nothing else
    assert not matches(key(), cand(line=11))
    assert not matches(key(), cand(year=2024))
    assert not matches(key(), cand(comparator=">"))
    assert not matches(key(), cand(value=94.5))
    assert not matches(key(), cand(kind=BASELINE, comparator=None))
    assert not matches(key(comparator="=", value=99.0), cand(comparator=">=", value=99.0))


@requires_plans
def test_recall_on_the_five_plans_is_at_least_90_percent():
    results = measure(PLANS_DIR)
    print("\n" + table(results))
    total = totals(results)
    assert len(results) == 5
    assert total.key_rows > 0 and total.candidates > 0
    assert total.recall >= 0.90, f"recall {total.recall:.1%} of {total.key_rows} catalogue rows"


@requires_plans
def test_every_candidate_of_the_five_plans_quotes_its_line_verbatim():
    from orchestration.plans import extract_candidates, read_document
    from orchestration.plans.measure import KNOWN_PLANS, manifest_for

    misquoted = []
    for name in KNOWN_PLANS:
        path = PLANS_DIR / name
        document = read_document(path)
        for c in extract_candidates(document, manifest_for(path)):
            if not (c.quote and c.quote in document.lines[c.line - 1]):
                misquoted.append(f"{name}:{c.line} {c.quote!r}")
    assert misquoted == []
