"""The target catalogue cites the plans exactly: a quote that is not in its file at its line is a
citation nobody can check. The same holds for every published baseline.

Each check is one test over every row that names every failing row. The quote checks need the
plan documents (tests.conftest.PLANS_DIR, EDUWH_PLANS_DIR) and are skipped, saying why, without
them; the other checks read only the seeds."""

import csv
import dataclasses
from functools import cache

from expectations.catalogue import (
    SUPPORTED_COMPARATORS,
    TREND_COMPARATORS,
    computed_indicators,
    enforcement,
    load_baselines,
    load_targets,
)
from tests.conftest import PLANS_DIR, PROJECT_DIR, requires_plans

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


def misquoted(rows) -> list[str]:
    """Every row whose quote is empty or not on its line of its plan document, one sentence
    each."""
    problems = []
    for row in rows:
        row_id = getattr(row, "target_id", None) or row.baseline_id
        lines = plan_lines(row.source_file)
        if not 1 <= row.source_line <= len(lines):
            problems.append(f"{row_id}: {row.source_file} has no line {row.source_line}")
        elif not (row.source_quote and row.source_quote in lines[row.source_line - 1]):
            problems.append(
                f"{row_id}: quote not found at {row.source_file}:{row.source_line}: "
                f"{row.source_quote!r}"
            )
    return problems


@requires_plans
def test_every_target_quote_is_verbatim_at_its_line():
    problems = misquoted(TARGETS)
    assert problems == [], f"{len(problems)} of {len(TARGETS)} targets:\n" + "\n".join(problems)


@requires_plans
def test_a_quote_not_on_its_line_is_reported():
    target = TARGETS[0]
    moved = dataclasses.replace(target, source_quote=target.source_quote + "（不在此行）")
    beyond = dataclasses.replace(target, source_line=10**6)
    assert misquoted([target]) == []
    assert [p.split(":")[0] for p in misquoted([moved, beyond])] == [target.target_id] * 2


@requires_plans
def test_every_baseline_quote_is_verbatim_at_its_line():
    problems = misquoted(BASELINES)
    assert problems == [], f"{len(problems)} of {len(BASELINES)} baselines:\n" + "\n".join(problems)


def test_every_baseline_indicator_exists():
    problems = [
        f"{b.baseline_id}: indicator {b.indicator_id} is in neither indicators.csv nor "
        "plan_indicators.csv"
        for b in BASELINES
        if b.indicator_id not in indicators()
    ]
    assert problems == [], "\n".join(problems)


def target_problems(target) -> list[str]:
    """What is wrong with one catalogue row: its indicator, binding and year, and for a
    measurable target a comparator the checks support, a region code and the values the
    comparator needs; a target that is not measurable must say why and is never enforced."""
    t, problems = target, []
    if t.indicator_id not in indicators():
        problems.append(f"indicator {t.indicator_id} is not defined")
    if t.binding not in {"binding", "expected"}:
        problems.append(f"binding {t.binding!r} is neither binding nor expected")
    if not 2000 <= t.target_year <= 2035:
        problems.append(f"target year {t.target_year} is outside 2000-2035")
    if t.measurable == "true":
        if t.comparator not in SUPPORTED_COMPARATORS:
            problems.append(f"comparator {t.comparator!r} is not supported")
        if not (t.region_code.isdigit() and len(t.region_code) == 6):
            problems.append(f"region code {t.region_code!r} is not 6 digits")
        if t.comparator not in TREND_COMPARATORS and t.target_value is None:
            problems.append(f"comparator {t.comparator} needs a target value")
        if t.comparator == "between":
            if t.target_value_high is None:
                problems.append("between needs an upper value")
            elif t.target_value is None or not t.target_value_high > t.target_value:
                problems.append("between's upper value must be above its lower value")
    else:
        if not t.measurable.strip():
            problems.append("a non-measurable target must say why")
        if enforcement(t) is True:
            problems.append("a non-measurable target is enforced")
    return problems


def test_every_target_names_an_indicator_and_its_values_fit_the_comparator():
    problems = [f"{t.target_id}: {p}" for t in TARGETS for p in target_problems(t)]
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)


def test_the_target_checks_catch_every_kind_of_bad_row():
    good = next(t for t in TARGETS if t.measurable == "true" and t.comparator == ">=")
    assert target_problems(good) == []
    bad = dataclasses.replace(
        good, indicator_id="nonexistent", binding="maybe", target_year=1999, region_code="4103"
    )
    assert len(target_problems(bad)) == 4
    between = dataclasses.replace(good, comparator="between", target_value_high=None)
    assert target_problems(between) == ["between needs an upper value"]
    empty = dataclasses.replace(between, target_value_high=good.target_value)
    assert target_problems(empty) == ["between's upper value must be above its lower value"]
    unexplained = dataclasses.replace(good, measurable=" ")
    assert "a non-measurable target must say why" in target_problems(unexplained)


def test_every_measurable_target_on_a_computed_indicator_is_enforced():
    computed = set(computed_indicators())
    for t in TARGETS:
        if t.measurable == "true" and t.indicator_id in computed:
            assert enforcement(t) is True, t.target_id


def figure_conflicts(targets) -> list[str]:
    """Targets that read one figure (region, indicator, breakdown, year) but require different
    exact values (=): one reported figure cannot meet both, so they are figures of different
    things (projects, stages) and need their own breakdown."""
    exact: dict[tuple, set[float | None]] = {}
    names: dict[tuple, list[str]] = {}
    for t in targets:
        if t.enforceable and t.comparator == "=" and not t.accumulation:
            key = (t.region_code, t.indicator_id, t.breakdown, t.target_year)
            exact.setdefault(key, set()).add(t.target_value)
            names.setdefault(key, []).append(t.target_id)
    return [", ".join(names[k]) for k, values in exact.items() if len(values) > 1]


def test_no_two_targets_demand_different_exact_values_of_one_figure():
    assert figure_conflicts(TARGETS) == []
    project = next(t for t in TARGETS if t.indicator_id == "project_investment" and t.breakdown)
    other = dataclasses.replace(
        project, target_id="x", target_value=(project.target_value or 0) + 1
    )
    assert figure_conflicts([project, other]) == [f"{project.target_id}, x"]
