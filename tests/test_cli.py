"""The operator's CLI: every command explains itself, the progress display follows a real run,
and the load-audit summary adds up."""

import argparse
import subprocess
import sys

import pytest
from dagster import DagsterInstance, Definitions, asset, define_asset_job

from orchestration.cli import build_parser, main
from orchestration.ingest.loaders import audit_summary, load_landing
from orchestration.reporting.console import progress_logger
from tests.ingest.test_loaders import pupils_file, schools_file, write


def subcommands() -> list[str]:
    """The subcommands as the parser declares them, so a new one is tested without editing."""
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sorted({parser.prog.split()[-1] for parser in sub.choices.values()})  # no aliases


def test_the_operator_commands_exist():
    assert {"build", "status", "rollback", "report", "audit", "load"} <= set(subcommands())


@pytest.mark.parametrize("command", subcommands())
def test_every_command_has_help(command):
    # the console script, as an operator runs it
    out = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", command, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"usage: eduwh {command}")
    assert "-h, --help" in out.stdout


def test_the_progress_display_prints_each_asset_of_a_run_as_it_materialises(capfd):
    @asset
    def first() -> int:
        return 1

    @asset
    def second(first: int) -> int:
        return first + 1

    defs = Definitions(
        assets=[first, second],
        jobs=[define_asset_job("two")],
        loggers={"progress": progress_logger},
    )
    result = defs.resolve_job_def("two").execute_in_process(
        instance=DagsterInstance.ephemeral(),
        run_config={"loggers": {"progress": {"config": {"total_assets": 2}}}},
    )
    assert result.success
    lines = [line.split("] ", 1)[1] for line in capfd.readouterr().out.splitlines()]
    assets = [line for line in lines if "/2  " in line]
    assert assets == ["1/2  first", "2/2  second"]  # each once, in order
    assert lines[0] == "started  first"
    assert lines.count("started  second") == 1
    # a step of one asset and no checks says nothing more when it finishes
    assert not [line for line in lines if line.startswith("finished")]


def test_the_audit_summary_adds_up_and_names_refused_files_and_quarantined_rows(
    tmp_path, monkeypatch
):
    # one bad row in four is over the default 5 % a file may lose before it is refused whole
    monkeypatch.setenv("EDUWH_QUARANTINE_MAX_SHARE", "0.5")
    landing, wh = tmp_path / "landing", tmp_path / "w.duckdb"
    schools_file(landing)
    pupils = pupils_file(landing)
    # one more pupil at a school that does not exist: quarantined, not lost
    with pupils.open("a", encoding="utf-8") as fh:
        fh.write("2020,ID-0009,9999999999,K1,c1,2017,1,0,0,0,new\n")
    write(landing / "pupils" / "pupils_411303_2021.csv", "year,pupil_id\n2021,A\n")
    load_landing(wh, landing, b"k")
    text = audit_summary(wh)
    pupils_line = next(line for line in text.splitlines() if line.strip().startswith("pupils"))
    files, refused, superseded, read, loaded, quarantined = pupils_line.split()[1:7]
    assert (files, refused, superseded) == ("1", "1", "0")
    assert (read, loaded, quarantined) == ("4", "3", "1")
    assert "Refused files: 1" in text and "pupils/pupils_411303_2021.csv" in text
    # rows are numbered as in the file, header included: the fourth pupil is on line 5
    assert "unknown_school" in text and "pupils_411303_2020.csv row 5 column school_code" in text
    # a selection narrows every part of it
    only_2021 = audit_summary(wh, year=2021)
    assert "schools" not in only_2021 and "unknown_school" not in only_2021
    assert "no files" in audit_summary(wh, region="110101")


def test_after_a_rollback_status_meta_parquet_and_report_agree(tmp_path, monkeypatch, capsys):
    """Two publishes of a warehouse the report can read, then `eduwh rollback`: the version
    `eduwh status` prints, the served file's meta.published_version, the Parquet export and the
    report are all the first one."""
    import re

    import duckdb

    from orchestration.serving.publish import export_parquet, publish, served_version
    from tests.reporting.test_report import make_warehouse

    serving = tmp_path / "serving" / "warehouse.duckdb"
    monkeypatch.setenv("EDUWH_SERVING_PATH", str(serving))
    monkeypatch.setenv("EDUWH_WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))
    published = []
    for value in (91.5, 93.0):
        staging = make_warehouse(tmp_path / "warehouse.duckdb")
        with duckdb.connect(str(staging)) as con:
            con.execute("update marts.mart_plan_progress set actual_value = ?", [value])
        publish(staging, serving, keep=3, run_id=f"run-{value}")
        export_parquet(serving, serving.parent / "parquet")
        published.append(served_version(serving))
        staging.unlink()
    assert main(["rollback"]) == 0
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert f"version {published[0]}," in out and "run run-91.5" in out
    assert served_version(serving) == published[0]
    parquet = serving.parent / "parquet" / "mart_plan_progress.parquet"
    with duckdb.connect() as con:
        actual = con.execute(f"select distinct actual_value from '{parquet}'").fetchall()
    assert actual == [(91.5,)]
    page = (serving.parent / "report" / "index.html").read_text(encoding="utf-8")
    assert re.search(rf'data-version="{published[0]}"', page)


def test_rollback_with_nothing_kept_says_so_in_a_sentence(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EDUWH_SERVING_PATH", str(tmp_path / "serving" / "warehouse.duckdb"))
    assert main(["rollback"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("No earlier version is kept") and "Traceback" not in err
