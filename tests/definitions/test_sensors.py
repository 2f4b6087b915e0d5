"""The nightly schedule, the landing-folder sensor and the failure alert."""

import json

from dagster import RunRequest, SkipReason, build_sensor_context


def write(path, text="year,region_code,item_code,amount_yuan\n2024,411303,edu_general_budget,1\n"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_file_dropped_into_the_landing_folder_starts_a_run(tmp_path, monkeypatch):
    from orchestration.definitions.automation import landing_sensor

    monkeypatch.setenv("EDUWH_LANDING_DIR", str(tmp_path))
    write(tmp_path / "funding" / "funding_411303_2023.csv")
    first = landing_sensor(build_sensor_context(cursor=None))
    assert isinstance(first, RunRequest)
    cursor = first.run_key
    # nothing new: no run
    assert isinstance(landing_sensor(build_sensor_context(cursor=cursor)), SkipReason)
    # a bureau drops the 2024 file: a new run
    write(tmp_path / "funding" / "funding_411303_2024.csv")
    context = build_sensor_context(cursor=cursor)
    second = landing_sensor(context)
    assert isinstance(second, RunRequest) and second.run_key != cursor
    assert context.cursor == second.run_key
    # lock files and the generator's manifest are not deliveries
    write(tmp_path / "funding" / "~$funding_411303_2024.csv", "x")
    write(tmp_path / "_generator_manifest.json", "{}")
    assert isinstance(landing_sensor(build_sensor_context(cursor=second.run_key)), SkipReason)


def test_the_nightly_schedule_and_the_sensors_are_defined():
    from orchestration.definitions import defs

    schedule = defs.resolve_schedule_def("nightly_build")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.job_name == "warehouse_job"
    for name in ("landing_sensor", "alert_on_failure"):
        assert defs.resolve_sensor_def(name).name == name


def test_an_alert_goes_to_the_log_and_a_dead_webhook_does_not_hide_it(tmp_path, monkeypatch):
    from orchestration.serving.alerts import write_alert

    log = tmp_path / "alerts.log"
    monkeypatch.setenv("EDUWH_ALERT_LOG", str(log))
    monkeypatch.setenv("EDUWH_ALERT_WEBHOOK", "http://127.0.0.1:9/unreachable")
    write_alert("warehouse_job run abc failed", run_id="abc")
    (line,) = log.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record["summary"] == "warehouse_job run abc failed" and record["run_id"] == "abc"
    assert record["webhook"].startswith("not sent")
