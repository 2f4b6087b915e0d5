"""Where things live, from the environment, with defaults that work inside a checkout.

Every process (Dagster, dbt, the CLI, tests) reads the same variables, so pointing a test or the
nightly build at its own warehouse file is one environment variable, not a code change.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEMO_PSEUDONYM_KEY = "demo-key-not-for-production"
# DuckDB's own default is 80 % of RAM for every connection; the job's writers (the loader, then
# dbt's child process) each get this much instead, so the whole job fits beside the machine's
# other work and DuckDB spills large joins and sorts to disk rather than growing. The job's
# memory goal is 8 GiB for all its processes: with 8 GB here, dbt's DuckDB beside dbt's and
# Dagster's own processes peaked at 8.46 GiB at the province tier; with 6 GB, 6.58 GiB, but the
# dbt build spilled (at province, dbt alone: 76 s and 41 s of system time with 6 GB, 62 s and
# 14 s with 7 GB, its process at most 6.93 GiB). bench/NOTES.md has the job's figures.
DEFAULT_DUCKDB_MEMORY_LIMIT = "7GB"


class ConfigurationError(RuntimeError):
    """A required setting is missing or wrong; the message says which and how to set it."""


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse_path: Path  # the staging copy a run builds
    serving_path: Path  # what BI tools and analysts read; replaced only by a passing build
    keep_versions: int
    demo_mode: bool
    pseudonym_key: str | None
    duckdb_memory_limit: str
    # the five plan documents the target catalogue quotes (`seeds/plan_targets.csv`); not part
    # of the repository, so a clone may not have them
    plans_dir: Path
    # the engine dbt builds on: duckdb (one machine) or spark (orchestration/spark); Spark's
    # metastore and table files, and the loader's Parquet raw layer it reads
    engine: str = "duckdb"
    spark_dir: Path = PROJECT_DIR / "build" / "spark"
    raw_layer_dir: Path = PROJECT_DIR / "build" / "raw_layer"

    def duckdb_config(self) -> dict[str, str]:
        """Connection settings for the job's DuckDB writers (dbt gets the same through the
        environment, see `profiles.yml`)."""
        return {"memory_limit": self.duckdb_memory_limit}

    def require_pseudonym_key(self) -> bytes:
        """Key for hashing pupil and teacher ids; only demo mode may fall back to a fixed one."""
        if self.pseudonym_key:
            return self.pseudonym_key.encode("utf-8")
        if self.demo_mode:
            return DEMO_PSEUDONYM_KEY.encode("utf-8")
        raise ConfigurationError(
            "EDUWH_PSEUDONYM_KEY is not set: pupil and teacher ids cannot be pseudonymised. "
            "Set it to a secret kept outside the warehouse (or EDUWH_DEMO=1 for demo data)."
        )


def _path(name: str, default: str) -> Path:
    value = Path(os.environ.get(name, default))
    return value if value.is_absolute() else PROJECT_DIR / value


def get_settings() -> Settings:
    warehouse = _path("EDUWH_WAREHOUSE_PATH", "build/warehouse.duckdb")
    return Settings(
        landing_dir=_path("EDUWH_LANDING_DIR", "data/landing"),
        warehouse_path=warehouse,
        # beside the staging file unless configured, so a test's build publishes in its own folder
        serving_path=_path(
            "EDUWH_SERVING_PATH", str(warehouse.parent / "serving" / "warehouse.duckdb")
        ),
        keep_versions=int(os.environ.get("EDUWH_KEEP_VERSIONS", "3")),
        demo_mode=os.environ.get("EDUWH_DEMO", "") == "1",
        pseudonym_key=os.environ.get("EDUWH_PSEUDONYM_KEY") or None,
        duckdb_memory_limit=os.environ.get("EDUWH_DUCKDB_MEMORY_LIMIT")
        or DEFAULT_DUCKDB_MEMORY_LIMIT,
        plans_dir=_path("EDUWH_PLANS_DIR", "../shared/plans"),
        engine=_engine(),
        spark_dir=_path("EDUWH_SPARK_DIR", str(warehouse.parent / "spark")),
        raw_layer_dir=_path("EDUWH_RAW_LAYER_DIR", str(warehouse.parent / "raw_layer")),
    )


ENGINES = ("duckdb", "spark")


def _engine() -> str:
    engine = os.environ.get("EDUWH_ENGINE", "duckdb").strip().lower() or "duckdb"
    if engine not in ENGINES:
        raise ConfigurationError(
            f"EDUWH_ENGINE is {engine!r}: set it to one of {', '.join(ENGINES)} (default duckdb)."
        )
    return engine
