"""The public tier (orchestration/serving/public.py): no subgroup count below the threshold, no
suppressed cell recoverable from the region hierarchy, rates and verdicts built on a suppressed
count suppressed too, suppressed cells marked and never zero, and nothing school-level or keyed."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from orchestration.serving.public import (
    COMPLEMENTARY,
    DERIVED,
    SMALL,
    SUBGROUP_COUNTS,
    public_indicator_values,
    recoverable,
    suppress,
    write_public_tier,
)

# a province of two prefectures; the first has three counties, the second one
PARENT = {"P": None, "A": "P", "B": "P", "a1": "A", "a2": "A", "a3": "A", "b1": "B"}


def test_a_small_count_is_suppressed_with_a_sibling_so_the_total_gives_neither_away():
    cells = {"P": 130.0, "A": 105.0, "B": 25.0, "a1": 4.0, "a2": 40.0, "a3": 61.0, "b1": 25.0}
    why = suppress(cells, PARENT, 10)
    assert why == {"a1": SMALL, "a2": COMPLEMENTARY}
    assert recoverable(cells, why, PARENT) == []


def test_a_single_child_is_protected_through_its_parent_and_the_parents_siblings():
    # b1 is 3 children and B's only county: B (= b1) must go, and then a sibling of B
    cells = {"P": 108.0, "A": 105.0, "B": 3.0, "a1": 30.0, "a2": 40.0, "a3": 35.0, "b1": 3.0}
    why = suppress(cells, PARENT, 10)
    assert why["b1"] == SMALL and why["B"] == SMALL
    assert recoverable(cells, why, PARENT) == []
    assert len(why) >= 3  # A goes too, or B = P − A gives b1 away


def test_zero_and_counts_at_the_threshold_are_published():
    cells = {"P": 10.0, "A": 10.0, "B": 0.0, "a1": 10.0, "a2": 0.0, "a3": 0.0, "b1": 0.0}
    assert suppress(cells, PARENT, 10) == {}


@pytest.mark.parametrize("seed", range(25))
def test_no_suppressed_cell_is_ever_recoverable(seed):
    import random

    rng = random.Random(seed)
    counties = {f"a{i}": rng.choice([0, 1, 2, 5, 9, 12, 30, 80]) for i in range(1, 4)}
    cells = {**counties, "b1": rng.choice([0, 3, 11, 50])}
    cells["A"] = sum(counties.values())
    cells["B"] = cells["b1"]
    cells["P"] = cells["A"] + cells["B"]
    why = suppress({k: float(v) for k, v in cells.items()}, PARENT, 10)
    assert recoverable({k: float(v) for k, v in cells.items()}, why, PARENT) == []
    assert all(k in why for k, v in cells.items() if 0 < v < 10)


def _values(rows) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        columns=["region_code", "year", "indicator_id", "breakdown", "numerator", "denominator",
                 "value"],
    )  # fmt: skip


def test_a_rate_on_a_suppressed_count_is_suppressed_and_marked_not_zeroed():
    rows = [
        ("P", 2025, "disabled_compulsory_enrolment_rate", "", 116.0, 120.0, 96.7),
        ("A", 2025, "disabled_compulsory_enrolment_rate", "", 98.0, 100.0, 98.0),
        ("B", 2025, "disabled_compulsory_enrolment_rate", "", 18.0, 20.0, 90.0),
        ("a1", 2025, "disabled_compulsory_enrolment_rate", "", 3.0, 4.0, 75.0),
        ("a2", 2025, "disabled_compulsory_enrolment_rate", "", 45.0, 46.0, 97.8),
        ("a3", 2025, "disabled_compulsory_enrolment_rate", "", 50.0, 50.0, 100.0),
        ("b1", 2025, "disabled_compulsory_enrolment_rate", "", 18.0, 20.0, 90.0),
        # not a subgroup count: published as it is, however small
        ("a1", 2025, "large_classes", "", 2.0, None, 2.0),
    ]
    out = public_indicator_values(_values(rows), PARENT, 10).set_index(
        ["region_code", "indicator_id"]
    )
    a1 = out.loc[("a1", "disabled_compulsory_enrolment_rate")]
    assert pd.isna(a1["numerator"]) and pd.isna(a1["denominator"]) and pd.isna(a1["value"])
    assert (a1["numerator_suppressed"], a1["value_suppressed"]) == (SMALL, DERIVED)
    a2 = out.loc[("a2", "disabled_compulsory_enrolment_rate")]
    assert a2["numerator_suppressed"] == COMPLEMENTARY and pd.isna(a2["value"])
    assert out.loc[("a1", "large_classes"), "value"] == 2.0
    assert out.loc[("a3", "disabled_compulsory_enrolment_rate"), "value"] == 100.0


def scan_public(path, limit=10) -> list[str]:
    """Everything the public tier must not hold."""
    problems = []
    with duckdb.connect(str(path), read_only=True) as con:
        tables = {t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()}
        columns = {c for (c,) in con.execute("select column_name from duckdb_columns()").fetchall()}
        for indicator, parts in SUBGROUP_COUNTS.items():
            for part in parts:
                n = con.execute(
                    f"select count(*) from public.indicator_values where indicator_id = ? "
                    f"and {part} > 0 and {part} < ?",
                    [indicator, limit],
                ).fetchone()[0]
                if n:
                    problems.append(f"{n} {indicator} {part} below {limit}")
    problems += [f"school-level table {t}" for t in tables if "school" in t or t.startswith("fct_")]
    problems += [f"keyed column {c}" for c in columns if c in ("pupil_key", "teacher_key")]
    return problems


def test_the_public_tier_of_the_pipeline_warehouse_holds_no_small_subgroup_count(
    baseline_run, tmp_path
):
    _, warehouse, _, _ = baseline_run
    serving = warehouse.parent / "serving" / "warehouse.duckdb"
    counts = write_public_tier(serving, tmp_path / "public", limit=10)
    assert counts["indicator_values"] > 0
    public = tmp_path / "public" / "warehouse.duckdb"
    assert scan_public(public) == []
    assert (tmp_path / "public" / "parquet" / "indicator_values.parquet").exists()
    with duckdb.connect(str(public), read_only=True) as con:
        suppressed = con.execute(
            "select count(*) from public.indicator_values where numerator_suppressed is not null"
        ).fetchone()[0]
        zeros = con.execute(
            "select count(*) from public.indicator_values "
            "where numerator_suppressed is not null and numerator = 0"
        ).fetchone()[0]
    assert suppressed > 0 and zeros == 0  # the pipeline's small counties do have small cells


def test_a_region_file_holds_that_region_and_the_regions_under_it_only(baseline_run, tmp_path):
    import stat

    from orchestration.serving.public import region_file

    _, warehouse, _, _ = baseline_run
    serving = warehouse.parent / "serving" / "warehouse.duckdb"
    out = tmp_path / "410300.duckdb"
    counts = region_file(serving, "410300", out)
    assert counts["marts.mart_indicator_values"] > 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    with duckdb.connect(str(out), read_only=True) as con:
        tables = con.execute(
            "select schema_name, table_name from duckdb_columns() where column_name = "
            "'region_code' and database_name = current_database() group by all"
        ).fetchall()
        for schema, table in tables:
            outside = con.execute(
                f'select count(*) from "{schema}"."{table}" where region_code not like \'4103%\''
            ).fetchone()[0]
            assert outside == 0, f"{schema}.{table}"
    with pytest.raises(ValueError, match="not a region"):
        region_file(serving, "999999", tmp_path / "x.duckdb")
