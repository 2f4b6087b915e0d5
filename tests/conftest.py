"""Paths shared by the tests. Tests never touch the developer's own warehouse or landing folder:
each points the settings at a temporary folder through the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.settings import get_settings

PROJECT_DIR = Path(__file__).resolve().parents[1]
# The five plan documents are not in the repository: a clone has them only where EDUWH_PLANS_DIR
# says (default ../shared/plans beside the project). Tests that check quotes against them are
# skipped, saying so, when they are not there; every other test runs.
PLANS_DIR = get_settings().plans_dir.resolve()
requires_plans = pytest.mark.skipif(
    not PLANS_DIR.is_dir(),
    reason=f"the plan documents are not at {PLANS_DIR}: set EDUWH_PLANS_DIR to their folder "
    "to check the catalogue's quotes against them",
)
# The bad-input corpus of the loaders (tests/ingest/corpus/README.md); its `_base` (three schools
# of 卧龙区) is the smallest landing folder the whole job runs on.
CORPUS_DIR = PROJECT_DIR / "tests" / "ingest" / "corpus"


@pytest.fixture(scope="session")
def baseline_run(tmp_path_factory):
    """The whole job on the reduced-scale dataset of tests/pipeline.py, built once per session:
    (manifest, staging warehouse, result, landing). Tests only read it."""
    from tests.pipeline import run_pipeline

    return run_pipeline(tmp_path_factory.mktemp("baseline"))


@pytest.fixture(scope="session")
def missed_run(baseline_run, tmp_path_factory):
    """The same job after a corrected delivery makes 洛阳市 miss one target."""
    from tests.pipeline import run_corrected_delivery

    return run_corrected_delivery(baseline_run, tmp_path_factory.mktemp("missed"))


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL cluster of Debian's binaries (installed by the Makefile), as the
    serving database BI servers connect to; stopped and removed after the session. Its folder is
    under /tmp, not pytest's (owner-only) temporary folder, because as root the cluster runs as
    the `postgres` user, who must reach it."""
    import shutil
    import tempfile

    from orchestration.serving.pg_cluster import LocalCluster, free_port

    root = Path(tempfile.mkdtemp(prefix="eduwh-test-pg-"))
    cluster = LocalCluster(root, free_port()).start()
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
