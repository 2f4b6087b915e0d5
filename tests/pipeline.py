"""The whole job end to end on a reduced-scale dataset (卧龙区 at full size, 洛阳市's counties at
3 %) delivered the way bureaus deliver, for the tests that read what it built. conftest.py builds
it once per session (`baseline_run`) and shares it; those tests only read it.

`missed_run` is the same job after 洛阳市's bureau sent corrected 2025 schools files that make
it miss one target (the generator's scenario changes nothing else): it starts from a copy of the
baseline's served warehouse and landing folder, so only the corrected files are loaded, and then
builds, checks and publishes everything as any run does."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.plans.plan_files import add_accepted_plan

LUOYANG_SCALE = 0.03
# 卧龙区 and 洛阳市 only: the figures test_pipeline checks are theirs; every region's files are
# checked in tests/demo and run end to end by `make demo`
PIPELINE_REGIONS = ("411303", "410300")
MISS_SCENARIO = "miss_luoyang_public_kindergarten_share"


# 卧龙区's bureau reports two 2025 figures on the form `eduwh template` writes: one meeting its
# target (继续教育 360 学时 a cycle), one missing it (公示 7 个工作日以上); the corrected delivery
# of the missed run reports the second again, now meeting it.
REPORTED = {"teacher_training_hours_per_cycle": 400, "appointment_result_publicity_days": 5}
CORRECTED = {**REPORTED, "appointment_result_publicity_days": 8}


def deliver_form(landing: Path, figures: dict[str, float], region: str = "411303") -> Path:
    """`eduwh template` for the region's 2025 figures, filled in with openpyxl as a bureau fills
    it in Excel (only 填报值 and 填报日期; the other rows left empty), and dropped into the landing
    folder under the name the template gave it."""
    import datetime as dt

    import openpyxl

    from orchestration.cli import main

    forms = landing.parent / "forms"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EDUWH_LANDING_DIR", str(landing))
        args = ["template", "--region", region, "--year", "2025", "--out", str(forms)]
        assert main([*args, "--reporting-unit", "卧龙区教育体育局人事股"]) == 0
    (form,) = forms.glob(f"indicator_reports_{region}_2025.xlsx")
    wb = openpyxl.load_workbook(form)
    ws = wb.active
    head = {cell.value: cell.column for cell in ws[2]}
    filled = set()
    for row in range(3, ws.max_row + 1):
        indicator = ws.cell(row=row, column=head["指标代码"]).value
        if indicator in figures:
            ws.cell(row=row, column=head["填报值"], value=figures[indicator])
            ws.cell(row=row, column=head["填报日期"], value=dt.date(2026, 1, 10))
            filled.add(indicator)
    assert filled == set(figures), f"the template has no row for {set(figures) - filled}"
    target = landing / "indicator_reports" / form.name
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


def run_job(landing: Path, warehouse: Path):
    from dagster import DagsterInstance

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EDUWH_LANDING_DIR", str(landing))
        mp.setenv("EDUWH_WAREHOUSE_PATH", str(warehouse))
        mp.setenv("EDUWH_DEMO", "1")
        from orchestration.definitions import defs

        job = defs.resolve_job_def("warehouse_job")
        return job.execute_in_process(instance=DagsterInstance.ephemeral(), raise_on_error=False)


def run_pipeline(root: Path, scenario: str | None = None):
    """Generate, deliver as bureaus do, run the job: (manifest, staging warehouse, result,
    landing); the served warehouse is `<root>/serving/warehouse.duckdb`."""
    from orchestration.demo.delivery import as_bureau_exports
    from orchestration.demo.generate import generate

    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    generate(landing, luoyang_scale=LUOYANG_SCALE, scenario=scenario, regions=PIPELINE_REGIONS)
    manifest = as_bureau_exports(landing)
    # 洛阳市's bureau adds its 十五五 plan (a generated .docx) beside the built-in catalogue
    add_accepted_plan(landing)
    deliver_form(landing, REPORTED)
    return manifest, warehouse, run_job(landing, warehouse), landing


def run_corrected_delivery(baseline, root: Path, scenario: str = MISS_SCENARIO):
    """The baseline run's landing folder with the files a scenario changes replaced, run on a
    copy of what the baseline published: the result of the whole job on the scenario's data."""
    from orchestration.demo.delivery import as_bureau_exports
    from orchestration.demo.generate import generate

    _, base_warehouse, _, base_landing = baseline
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    shutil.copytree(base_landing, landing)
    corrected = root / "corrected"
    # 洛阳市 alone: the scenario is its own, and a region's files never depend on another's
    generate(corrected, luoyang_scale=LUOYANG_SCALE, scenario=scenario, regions=("410300",))
    manifest = as_bureau_exports(corrected)
    changed = [
        f["path"]
        for f in manifest["files"]
        if (corrected / f["path"]).read_bytes() != (landing / f["path"]).read_bytes()
    ]
    assert changed, f"scenario {scenario} changed no file"
    for path in changed:
        shutil.copy2(corrected / path, landing / path)
    deliver_form(landing, CORRECTED)  # a second delivery of the form, corrected
    # what the baseline published: the serving file and the internal warehouse a run starts from
    shutil.copytree(base_warehouse.parent / "serving", root / "serving")
    return manifest, warehouse, run_job(landing, warehouse), landing
