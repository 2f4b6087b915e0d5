"""The Dagster code location: loaders → dbt build → plan-target checks → publish, as one job.

`dagster dev -m orchestration.definitions` shows it; `eduwh run` executes the job. One
`Definitions` object (`defs`, below) gathers the modules of this package, one per layer of the
asset graph, each importing only the ones before it:

- `resources` — the DuckDB writer pool, the dbt project and resource;
- `raw` — landing files → `raw/<extract>`, with the blocking row-count checks;
- `models` — the dbt build (reference, staging, intermediate, marts) and its tests;
- `targets` — `marts/mart_plan_progress`: every enforced plan target, one asset check each;
- `serving` — `warehouse/published`, the Parquet exports, the plan-progress report, the public
  tier and the PostgreSQL serving database;
- `automation` — the job, the nightly schedule, the landing sensor, the failure alert.

Layer 3 (see `orchestration`): may import every layer below it (settings, failpoints, ingest,
serving, expectations, reporting); never the demo or the CLI.
"""

from dagster import Definitions, colored_console_logger

from orchestration.definitions.automation import (
    alert_on_failure,
    landing_sensor,
    nightly_build,
    warehouse_job,
)
from orchestration.definitions.models import warehouse_dbt_assets
from orchestration.definitions.raw import load_landing_assets
from orchestration.definitions.resources import dbt_resource
from orchestration.definitions.serving import (
    parquet_exports,
    plan_progress_report,
    postgres_serving,
    public_tier,
    published_warehouse,
)
from orchestration.definitions.targets import mart_plan_progress
from orchestration.reporting.console import progress_logger

defs = Definitions(
    assets=[
        load_landing_assets,
        warehouse_dbt_assets,
        mart_plan_progress,
        published_warehouse,
        parquet_exports,
        plan_progress_report,
        public_tier,
        postgres_serving,
    ],
    jobs=[warehouse_job],
    # The console logger every run has, and the CLI's progress display (switched on only in
    # `eduwh build`'s run config).
    loggers={"console": colored_console_logger, "progress": progress_logger},
    schedules=[nightly_build],
    sensors=[landing_sensor, alert_on_failure],
    resources={"dbt": dbt_resource()},
)
