"""The whole job, end to end, on a reduced-scale dataset (卧龙区 at full size, 洛阳市's counties
at 3 %) delivered the way bureaus deliver (GB18030 with Chinese headers and personal columns,
XLSX, Parquet, a few defective rows): what the generator wrote is what the warehouse holds or
quarantines, no personal data reach it, loading again changes nothing, 卧龙区's 2020 totals
equal the figures its plan published, and a region made to miss one target fails exactly that
check. The job runs once per session (tests/pipeline.py, shared through conftest.py's
`baseline_run`); these tests only read what it built."""

from __future__ import annotations

import duckdb
import pytest

from expectations.catalogue import enforceable_targets, load_targets
from expectations.data_docs import remote_resources
from orchestration.ingest.loaders import load_landing
from orchestration.ingest.privacy import scan_warehouse
from orchestration.plans.catalogue import landed_catalogue
from orchestration.reporting.summary import summarise
from orchestration.serving.publish import table_counts
from orchestration.settings import DEMO_PSEUDONYM_KEY
from tests.pipeline import CORRECTED, REPORTED

MISSED_TARGET = "luoyang_2025_public_kindergarten_share"

# 卧龙区教育体育事业发展“十四五”规划, 000_f9a1169e2701243a.txt lines 28–73 (2020).
PUBLISHED_2020 = {
    "public_schools": 313,
    "private_schools": 179,
    "public_senior_and_compulsory_pupils": 153438,
    "public_senior_pupils": 12298,
    "public_rural_junior": 23455,
    "public_rural_primary": 54778,
    "public_urban_junior": 19054,
    "public_urban_primary": 43853,
    "public_kindergarten_pupils": 42500,
    "private_senior": 2057,
    "private_junior": 3434,
    "private_primary": 2065,
    "private_kindergarten": 26393,
    "public_staff": 6747,
}


def query(warehouse, sql):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_job_succeeds_and_publishes_what_it_built(baseline_run):
    _, warehouse, result, _ = baseline_run
    assert result.success
    serving = warehouse.parent / "serving" / "warehouse.duckdb"
    built, served = table_counts(warehouse), table_counts(serving)
    # the marts and reference tables as built, and nothing of raw, staging or intermediate
    published = {t: n for t, n in built.items() if t.split(".")[0] in ("marts", "reference")}
    assert published.items() <= served.items()
    # besides them only meta and the marts' views, served as tables
    assert {t.split(".")[0] for t in served.keys() - published.keys()} <= {"meta", "marts"}
    assert "marts.mart_plan_progress" in served
    assert {t.split(".")[0] for t in served} == {"marts", "reference", "meta"}
    # the models' descriptions reach BI tools as comments
    with duckdb.connect(str(serving), read_only=True) as con:
        described = con.execute(
            "select count(*) from duckdb_columns() where schema_name = 'marts' "
            "and comment is not null"
        ).fetchone()[0]
        (year,) = con.execute(
            "select comment from duckdb_columns() where schema_name = 'marts' "
            "and table_name = 'dim_year' and column_name = 'year'"
        ).fetchone()
    assert described > 100 and year == "Calendar (statistical) year."
    # the internal warehouse is what was built: the next run starts from it
    assert table_counts(serving.parent / "internal" / "warehouse.duckdb") == built
    # and exported the marts as Parquet, partitioned by year
    years = {p.name for p in (serving.parent / "parquet" / "mart_indicator_values").iterdir()}
    assert {f"year={y}" for y in range(2019, 2026)} == years


def test_warehouse_holds_every_generated_row(baseline_run):
    manifest, warehouse, _, _ = baseline_run
    generated: dict[str, int] = {}
    for f in manifest["files"]:
        generated[f["extract"]] = generated.get(f["extract"], 0) + f["rows"]
    for extract, rows in generated.items():
        (raw,) = query(warehouse, f"select count(*) from raw.{extract}")[0]
        assert raw == rows, extract
    (enrolled_plus_dropouts,) = query(
        warehouse, "select sum(pupils + dropouts) from marts.fct_enrolment"
    )[0]
    assert enrolled_plus_dropouts == generated["pupils"]
    (staff,) = query(warehouse, "select sum(staff) from marts.fct_teacher")[0]
    assert staff == generated["teachers"]
    (schools,) = query(warehouse, "select count(*) from marts.dim_school")[0]
    assert schools == generated["schools"]


def test_defective_rows_are_quarantined_and_every_file_adds_up(baseline_run):
    manifest, warehouse, _, _ = baseline_run
    defects = {f["path"]: f["defect_rows"] for f in manifest["files"] if f["defect_rows"]}
    assert sum(defects.values()) == 3
    quarantined = dict(
        query(
            warehouse,
            "select source_file, count(distinct row_number) from raw._quarantine group by 1",
        )
    )
    assert quarantined == defects
    reasons = query(
        warehouse, "select reason_code, count(*) from raw._quarantine group by 1 order by 1"
    )
    assert reasons == [("duplicate_row", 2), ("unknown_school", 1)]
    audit = query(
        warehouse,
        "select source_file, status, rows_read, rows_loaded, rows_quarantined "
        "from raw._load_audit where extract <> 'indicator_reports' order by 1",
    )
    assert [a[0] for a in audit] == sorted(f["path"] for f in manifest["files"])
    for name, status, read, loaded, held in audit:
        assert status == "loaded" and read == loaded + held, name


def test_no_personal_data_anywhere_in_the_warehouse(baseline_run):
    manifest, warehouse, _, landing = baseline_run
    # the extracts did carry names, ID-card and phone numbers ...
    wolong = (landing / "pupils" / "pupils_411303_2020.csv").read_bytes().decode("gb18030")
    assert "姓名" in wolong.splitlines()[0] and "身份证号" in wolong.splitlines()[0]
    # ... and none of it, nor any bureau pupil or teacher id, reached any table
    findings, scanned = scan_warehouse(warehouse)
    assert scanned > 100
    assert [str(f) for f in findings] == []
    first_pupil_id = wolong.splitlines()[1].split(",")[1]
    assert query(
        warehouse, f"select count(*) from raw.pupils_history where pupil_key = '{first_pupil_id}'"
    ) == [(0,)]


def _fingerprint(warehouse):
    """Row count and an order-independent hash of every table in the warehouse."""
    tables = query(
        warehouse,
        "select table_schema, table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' order by 1, 2",
    )
    return {
        f"{s}.{t}": query(warehouse, f'select count(*), sum(hash(x)) from "{s}"."{t}" x')[0]
        for s, t in tables
    }


def test_loading_the_same_landing_folder_again_leaves_every_table_identical(baseline_run):
    _, warehouse, _, landing = baseline_run
    before = _fingerprint(warehouse)
    run = load_landing(warehouse, landing, DEMO_PSEUDONYM_KEY.encode())
    assert {f.status for f in run.files} == {"unchanged"}
    assert _fingerprint(warehouse) == before


def test_wolong_published_baselines_reconcile_with_the_warehouse(baseline_run):
    _, warehouse, result, _ = baseline_run
    rows = query(
        warehouse,
        "select status, count(*) from marts.mart_baseline_reconciliation "
        "where region_code = '411303' group by 1 order by 1",
    )
    # every 2020 count of 卧龙区's plan the warehouse can compute equals the published figure
    assert dict(rows)["match"] >= 40 and "mismatch" not in dict(rows)
    (check,) = [
        e for e in result.get_asset_check_evaluations() if e.check_name == "baselines_reconcile"
    ]
    assert check.metadata["match"].value >= 40
    assert "Published baselines:" in summarise(result).render()


def test_wolong_2020_totals_equal_the_published_baseline(baseline_run):
    _, warehouse, _, _ = baseline_run
    schools = dict(
        query(
            warehouse,
            "select sponsor, count(*) from marts.dim_school "
            "where region_code = '411303' and year = 2020 group by sponsor",
        )
    )
    pupils = {
        (sponsor, stage, is_urban): n
        for sponsor, stage, is_urban, n in query(
            warehouse,
            "select sponsor, stage_code, is_urban, sum(pupils) from marts.fct_enrolment "
            "where region_code = '411303' and year = 2020 group by all",
        )
    }

    def total(sponsor, stages, urban=None):
        return sum(
            n
            for (s, st, u), n in pupils.items()
            if s == sponsor and st in stages and (urban is None or u == urban)
        )

    senior = ("senior_general", "senior_vocational")
    (public_staff,) = query(
        warehouse,
        "select sum(staff) from marts.fct_teacher "
        "where region_code = '411303' and year = 2020 and sponsor = 'public'",
    )[0]
    actual = {
        "public_schools": schools["public"],
        "private_schools": schools["private"],
        "public_senior_and_compulsory_pupils": total("public", (*senior, "primary", "junior")),
        "public_senior_pupils": total("public", senior),
        "public_rural_junior": total("public", ("junior",), urban=False),
        "public_rural_primary": total("public", ("primary",), urban=False),
        "public_urban_junior": total("public", ("junior",), urban=True),
        "public_urban_primary": total("public", ("primary",), urban=True),
        "public_kindergarten_pupils": total("public", ("preschool",)),
        "private_senior": total("private", senior),
        "private_junior": total("private", ("junior",)),
        "private_primary": total("private", ("primary",)),
        "private_kindergarten": total("private", ("preschool",)),
        "public_staff": public_staff,
    }
    assert actual == PUBLISHED_2020


def test_city_values_are_summed_parts_and_not_the_mean_of_county_rates(baseline_run):
    _, warehouse, _, _ = baseline_run
    rows = query(
        warehouse,
        """
        select v.indicator_id, i.value_scale, v.value, v.numerator, v.denominator,
               v.is_complete_coverage, sum(c.numerator), sum(c.denominator), count(*),
               avg(c.value)
        from marts.mart_indicator_values as v
        join marts.mart_indicator_values as c
          on c.indicator_id = v.indicator_id and c.year = v.year
         and c.region_code like '4103%' and c.region_level = 'county'
        join marts.dim_indicator as i on i.indicator_id = v.indicator_id
        where v.region_code = '410300' and v.year = 2025 and i.aggregation = 'ratio'
        group by all
        """,
    )
    assert len(rows) >= 25
    differs = {}
    for indicator, scale, value, num, den, complete, county_num, county_den, counties, mean in rows:
        # complete when every county has the value; 巩固率 of 2025 needs 2017, which no county has
        known = county_den is not None
        assert (num, den, counties, complete) == (county_num, county_den, 14, known), indicator
        if den:
            assert value == pytest.approx(scale * county_num / county_den), indicator
            differs[indicator] = abs(value - mean) > 1e-6
    # Averaging the 14 county rates would give a different (wrong) city figure.
    assert differs["public_kindergarten_share"] and differs["preschool_gross_enrolment_rate"]
    assert sum(differs.values()) >= 20


def test_every_indicator_has_a_row_for_every_region_level_and_year(baseline_run):
    _, warehouse, _, _ = baseline_run
    expected = query(warehouse, "select count(*) from reference.indicators")[0][0]
    coverage = query(
        warehouse,
        "select region_level, count(distinct indicator_id), count(distinct year), "
        "count(distinct region_code) from marts.mart_indicator_values "
        "where value_source = 'computed' group by 1 order by 1",
    )
    assert coverage == [
        ("county", expected, 7, 15),
        ("prefecture", expected, 7, 2),
        ("province", expected, 7, 1),
    ]
    (missing,) = query(
        warehouse,
        "select count(*) from marts.dim_region r cross join reference.indicators i "
        "cross join (select distinct year from marts.mart_indicator_values) y "
        "where r.region_code in (select region_code from marts.mart_indicator_values) "
        "and not exists (select 1 from marts.mart_indicator_values v where "
        "v.region_code = r.region_code and v.indicator_id = i.indicator_id and v.year = y.year)",
    )[0]
    assert missing == 0


def test_every_catalogue_row_is_checked_or_says_why_not(baseline_run):
    _, warehouse, result, landing = baseline_run
    summary = summarise(result)
    built_in = {t.target_id for t in enforceable_targets()}
    landed = [t for t in landed_catalogue(landing).targets()]
    enforced = built_in | {t.target_id for t in landed if t.enforceable}
    # one asset check per target the code location knew when it loaded (the built-in
    # catalogue, and the added plan if it was accepted before); every target has its verdict
    assert built_in <= {t["check"] for t in summary.targets} <= enforced
    assert summary.dbt_tests_failed == []
    progress = dict(query(warehouse, "select target_id, status from marts.mart_plan_progress"))
    assert set(progress) == enforced
    assert set(progress.values()) <= {"met", "on_track", "at_risk", "missed", "no_data"}
    # 洛阳's headline targets are met on the baseline demo data (see README, Demo data)
    assert progress["luoyang_2025_preschool_gross_enrolment_rate"] == "met"
    assert progress[MISSED_TARGET] == "met"
    # a region the demo has no extracts for is no_data, never met
    assert {progress[t] for t in enforced if t.startswith("banan_")} == {"no_data"}
    coverage = query(
        warehouse,
        "select count(*), count(*) filter (where is_enforced), "
        "count(*) filter (where not is_enforced and reason_not_enforced is null) "
        "from marts.mart_target_coverage",
    )[0]
    assert coverage == (len(load_targets()) + len(landed), len(enforced), 0)
    report = summary.render()
    assert "Plan targets by region:" in report and "Worst misses" in report
    # the validation's Data Docs are beside the warehouse and load nothing from the internet
    docs = warehouse.parent / "data_docs"
    assert (docs / "index.html").exists() and remote_resources(docs) == []


def test_a_region_that_misses_one_target_fails_exactly_that_extra_check(baseline_run, missed_run):
    _, _, result, _ = missed_run
    assert result.success  # a missed target is a finding, not a broken build
    summary = summarise(result)
    baseline_failed = {t["check"] for t in summarise(baseline_run[2]).targets_failed}
    failed = [t for t in summary.targets_failed if t["check"] not in baseline_failed]
    assert [t["check"] for t in failed] == [MISSED_TARGET]
    assert len(summary.targets) == len(summarise(baseline_run[2]).targets)
    report = summary.render()
    line = next(x for x in report.splitlines() if MISSED_TARGET.split("_2025_")[1] in x
                and "洛阳市 (410300)" in x and "· 2025:" in x)  # fmt: skip
    assert ">= 50 %" in line
    assert float(failed[0]["actual"]) < 50
    assert f"actual {failed[0]['actual']}" in line


def test_the_serving_file_opens_in_a_duckdb_1x_client_and_answers_the_readme_queries(
    baseline_run,
):
    import re
    import subprocess
    import sys
    from pathlib import Path

    _, warehouse, _, _ = baseline_run
    serving = warehouse.parent / "serving" / "warehouse.duckdb"
    cli = Path(sys.executable).parent / "duckdb"  # duckdb-cli 1.5, a dev dependency
    version = subprocess.run([str(cli), "-version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("v1.")
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    queries = re.findall(r"```sql\n(.*?)```", readme, flags=re.S)
    assert len(queries) >= 1
    for block in queries:
        out = subprocess.run(
            [str(cli), "-readonly", "-csv", str(serving), "-c", block],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        assert len(out.stdout.strip().splitlines()) >= 2, f"no rows for:\n{block}"


def test_a_plan_the_bureau_added_is_enforced_beside_the_built_in_one(baseline_run):
    """洛阳市's 十五五 plan (added with `eduwh plan extract` / `accept` before the run) and its
    十四五 plan of the built-in catalogue have targets on the same indicator: both are in the
    results, each with its own plan and baseline year; the 2030 target has no data yet."""
    _, warehouse, _, _ = baseline_run
    rows = dict(
        (r[0], r[1:])
        for r in query(
            warehouse,
            "select plan_id, target_year, baseline_year, status, actual_year "
            "from marts.mart_plan_progress "
            "where region_code = '410300' and indicator_id = 'preschool_gross_enrolment_rate'",
        )
    )
    assert rows["410300_five_year_2021_2025"][:2] == (2025, 2020)
    assert rows["410300_five_year_2021_2025"][2] in ("met", "missed")
    assert rows["410300_five_year_2026_2030"] == (2030, 2025, "no_data", None)
    plans = dict(query(warehouse, "select plan_id, origin from marts.dim_plan"))
    assert plans["410300_five_year_2026_2030"] == "accepted"
    assert sum(origin == "built_in" for origin in plans.values()) == 11
    (accepted,) = query(
        warehouse,
        "select count(*) from marts.mart_plan_targets where origin = 'accepted' "
        "and plan_id = '410300_five_year_2026_2030'",
    )[0:1]
    assert accepted[0] >= 2
    # The 2030 target's milestones run from its own plan's baseline (2025: 92.5 % in the
    # plan's indicator table), not from the 十四五 plan's 2020 figure.
    from orchestration.plans.catalogue import landed_catalogue

    landing = baseline_run[3]
    (target,) = [
        t
        for t in landed_catalogue(landing).targets()
        if t.indicator_id == "preschool_gross_enrolment_rate" and t.target_year == 2030
    ]
    assert (target.baseline.year, target.baseline.value) == (2025, 92.5)
    assert target.milestone(2025) is None
    assert target.milestone(2026) == pytest.approx(92.5 + (95 - 92.5) / 5)
    assert target.milestone(2029) == pytest.approx(92.5 + (95 - 92.5) * 4 / 5)


def _reported(warehouse, indicators):
    return {
        r[0]: r[1:]
        for r in query(
            warehouse,
            "select indicator_id, status, actual_value, value_source "
            "from marts.mart_plan_progress where region_code = '411303' and target_year = 2025 "
            f"and indicator_id in ({', '.join(repr(i) for i in indicators)})",
        )
    }


def test_figures_reported_on_the_template_are_enforced_and_a_corrected_form_supersedes(
    baseline_run, missed_run
):
    """卧龙区's form from `eduwh template`, filled in with openpyxl: the figure meeting its
    target is met, the one short of it missed, both from value_source 'reported'; the rows left
    empty are awaiting report. The corrected second delivery of the form supersedes the first."""
    _, warehouse, _, _ = baseline_run
    assert _reported(warehouse, REPORTED) == {
        "teacher_training_hours_per_cycle": ("met", 400.0, "reported"),
        "appointment_result_publicity_days": ("missed", 5.0, "reported"),
    }
    audit = query(
        warehouse,
        "select rows_read, rows_loaded, rows_quarantined, blank_rows from raw._load_audit "
        "where extract = 'indicator_reports'",
    )
    (read, loaded, held, empty) = audit[0]
    assert (read, loaded, held) == (2, 2, 0) and empty > 10  # the rest not reported yet
    awaiting = query(
        warehouse,
        "select count(*) from marts.mart_target_coverage where region_code = '411303' "
        "and coverage = 'awaiting report'",
    )[0][0]
    assert awaiting > 10
    _, corrected, _, _ = missed_run
    assert _reported(corrected, CORRECTED) == {
        "teacher_training_hours_per_cycle": ("met", 400.0, "reported"),
        "appointment_result_publicity_days": ("met", 8.0, "reported"),
    }
    current = query(
        corrected,
        "select count(*) filter (where is_current), count(*) from raw._load_audit "
        "where extract = 'indicator_reports'",
    )[0]
    assert current == (1, 2)


def test_a_bi_tool_connects_through_sqlalchemy_as_superset_does(baseline_run):
    """The README's URI for Superset (duckdb-engine, read-only, no pooled connection kept):
    the marts and the version of the file are readable."""
    import sqlalchemy as sa

    from orchestration.serving.publish import served_version

    _, warehouse, _, _ = baseline_run
    serving = warehouse.parent / "serving" / "warehouse.duckdb"
    engine = sa.create_engine(
        f"duckdb:///{serving}", connect_args={"read_only": True}, poolclass=sa.pool.NullPool
    )
    with engine.connect() as con:
        (version,) = con.execute(sa.text("select version from meta.published_version")).one()
        regions = con.execute(sa.text("select count(*) from marts.dim_region")).scalar_one()
    assert version == served_version(serving) and regions > 0


def test_dim_indicator_says_which_indicators_have_values(baseline_run):
    """A BI slicer on dim_indicator where has_values offers exactly the indicators of
    mart_indicator_values that have a value."""
    _, warehouse, _, _ = baseline_run
    flagged = {i for (i,) in query(warehouse, "select indicator_id from marts.dim_indicator "
                                              "where has_values")}  # fmt: skip
    valued = {
        i
        for (i,) in query(
            warehouse,
            "select distinct indicator_id from marts.mart_indicator_values where value is not null",
        )
    }
    assert flagged == valued and len(valued) > 50
