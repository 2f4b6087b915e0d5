"""A bureau adds a plan: document and manifest in <landing>/plans/, `eduwh plan extract`, the
reviewed workbook accepted with `eduwh plan accept`; its targets join the catalogue with
milestones from the plan's own baseline year, and the warehouse keeps every accepted review."""

from __future__ import annotations

import duckdb
import pytest
from openpyxl import load_workbook

from expectations.catalogue import load_targets
from orchestration.cli import main
from orchestration.plans.catalogue import landed_catalogue, store
from orchestration.plans.review import COL, SHEET
from tests.plans.plan_files import ACCEPTED_INDICATORS, add_accepted_plan, review

WANTED = ACCEPTED_INDICATORS


def add_plan(landing, monkeypatch, capsys, region="410300"):
    monkeypatch.setenv("EDUWH_LANDING_DIR", str(landing))
    return add_accepted_plan(landing, region)


def test_an_accepted_plan_joins_the_catalogue_with_its_own_baseline_year(
    tmp_path, monkeypatch, capsys
):
    landing = tmp_path / "landing"
    add_plan(landing, monkeypatch, capsys)
    assert "Accepted" in capsys.readouterr().out
    landed = landed_catalogue(landing)
    assert landed.refusals == []
    targets = {t.indicator_id: t for t in landed.targets()}
    ger = targets["preschool_gross_enrolment_rate"]
    # the table's 2030 column, 约束性; its 2025 column is the plan's own baseline
    assert (ger.target_year, ger.comparator, ger.target_value) == (2030, ">=", 95.0)
    assert ger.is_binding and ger.enforceable
    assert ger.plan_id == "410300_five_year_2026_2030"
    assert (ger.baseline.year, ger.baseline.value) == (2025, 92.5)
    assert ger.baseline_year == 2025
    assert ger.milestone(2025) is None
    assert ger.milestone(2026) == pytest.approx(92.5 + (95 - 92.5) / 5)
    # the built-in catalogue's 十四五 target of the same region and indicator stays
    shisiwu = next(
        t for t in load_targets() if t.target_id == "luoyang_2025_preschool_gross_enrolment_rate"
    )
    assert shisiwu.enforceable and shisiwu.baseline_year == 2020
    assert shisiwu.target_id != ger.target_id


def test_a_re_reviewed_plan_supersedes_the_earlier_review_and_history_keeps_both(
    tmp_path, monkeypatch, capsys
):
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    _, book = add_plan(landing, monkeypatch, capsys)
    assert store(warehouse, landed_catalogue(landing))["plans_stored"] == 1
    assert store(warehouse, landed_catalogue(landing))["plans_unchanged"] == 1
    # the reviewer rejects the coverage target this time
    review(book, lambda ind: "接受" if WANTED[0] in ind else "拒绝")
    assert main(["plan", "accept", str(book)]) == 0
    assert store(warehouse, landed_catalogue(landing))["plans_stored"] == 1
    with duckdb.connect(str(warehouse), read_only=True) as con:
        current = con.execute("select distinct indicator_id from raw.plan_targets").fetchall()
        versions = con.execute(
            "select count(distinct workbook_sha256) from raw.plan_targets_history"
        ).fetchone()[0]
        documents = con.execute("select count(*) from raw.plan_documents").fetchone()[0]
    assert current == [(WANTED[0],)]
    assert (versions, documents) == (2, 1)


def test_a_workbook_whose_quote_was_changed_is_not_accepted(tmp_path, monkeypatch, capsys):
    landing = tmp_path / "landing"
    _, book = add_plan(landing, monkeypatch, capsys)
    wb = load_workbook(book)
    ws = wb[SHEET]
    row = next(
        r
        for r in range(2, ws.max_row + 1)
        if ws.cell(row=r, column=COL["decision"]).value == "接受"
    )
    ws.cell(row=row, column=COL["quote"], value="到2030年学前三年毛入园率达到99%")
    wb.save(book)
    assert main(["plan", "accept", str(book)]) == 2
    err = capsys.readouterr().err
    assert f"Row {row}" in err and "cannot be accepted" in err


def test_an_accepted_plan_whose_document_left_the_landing_folder_is_reported(
    tmp_path, monkeypatch, capsys
):
    landing = tmp_path / "landing"
    document, _ = add_plan(landing, monkeypatch, capsys)
    document.unlink()
    landed = landed_catalogue(landing)
    assert landed.plans == []
    assert "plans/plan.docx is not in the landing folder" in landed.refusals[0]
