"""What every layer of the code location shares: the DuckDB writer pool and the dbt project and
resource, configured from the environment (orchestration/settings.py)."""

import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from orchestration.settings import PROJECT_DIR

# Every asset that writes the DuckDB file runs in this pool; dagster.yaml limits it to one at a
# time because DuckDB allows a single writing process per file.
WRITER_POOL = "duckdb_writer"

dbt_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)
if not dbt_project.manifest_path.exists():
    # A fresh checkout has no target/manifest.json yet: parse once so definitions can load.
    dbt_project.preparer.prepare(dbt_project)


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(
        project_dir=dbt_project,
        profiles_dir=str(PROJECT_DIR),
        # The dbt installed beside this interpreter, whether or not the venv is on PATH.
        dbt_executable=str(Path(sys.executable).parent / "dbt"),
    )
