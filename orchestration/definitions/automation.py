"""When the job runs: the job over every asset, the nightly schedule, the landing-folder sensor
and the alert on a failed run (schedules and sensors beside the job they start)."""

import hashlib
from pathlib import Path

from dagster import (
    RunFailureSensorContext,
    RunRequest,
    ScheduleDefinition,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    run_failure_sensor,
    sensor,
)

from orchestration.ingest.loaders import scan_landing
from orchestration.settings import get_settings

warehouse_job = define_asset_job(
    "warehouse_job",
    description="Load every extract, build and test the dbt models, check the plan targets.",
)

# Nightly at 02:00 Beijing time, when no one is reading dashboards.
nightly_build = ScheduleDefinition(
    name="nightly_build",
    job=warehouse_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
)


def landing_fingerprint(landing_dir: Path) -> str:
    """Names, sizes and modification times of every delivery in the landing folder: changes
    when a file arrives, is replaced or removed, without reading the files."""
    digest = hashlib.sha256()
    if landing_dir.exists():
        for lf in scan_landing(landing_dir):
            stat = lf.path.stat()
            digest.update(
                f"{lf.path.relative_to(landing_dir)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode()
            )
    return digest.hexdigest()


@sensor(job=warehouse_job, minimum_interval_seconds=60)
def landing_sensor(context: SensorEvaluationContext):
    """Start the job when a bureau drops a new or corrected file into the landing folder."""
    fingerprint = landing_fingerprint(get_settings().landing_dir)
    if fingerprint == context.cursor:
        return SkipReason("no new, changed or removed files in the landing folder")
    context.update_cursor(fingerprint)
    return RunRequest(run_key=fingerprint, tags={"trigger": "landing_sensor"})


@run_failure_sensor(monitored_jobs=[warehouse_job])
def alert_on_failure(context: RunFailureSensorContext) -> None:
    """A failed run writes an alert (log file; webhook if EDUWH_ALERT_WEBHOOK is set)."""
    from orchestration.serving.alerts import write_alert

    write_alert(
        f"warehouse_job run {context.dagster_run.run_id} failed: the serving warehouse was not "
        "replaced",
        run_id=context.dagster_run.run_id,
        error=context.failure_event.message,
    )
