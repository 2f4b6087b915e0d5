"""A build killed with SIGKILL at five stages leaves the serving warehouse byte-identical and
queryable, and the next run succeeds (write-audit-publish, issue 6 item 3b).

After a first publish (3 schools) two deliveries arrive (2021 and 2022). Then `eduwh run` is
started five times in its own session with `EDUWH_FAILPOINT` set (orchestration/failpoints.py);
at the named point the build sends SIGKILL to its whole process group — itself, the dbt child,
Dagster's log tailers — as the OOM killer or a power cut would, and nothing gets to clean up:

1. `load.file_stored` — loading: the 2021 file is stored in the loader's open transaction (in
   one batch with 2022), not yet committed (the loader commits about a million rows at a time)
   (seen: the staging file, with its WAL replayed in a scratch copy, holds 2020 only: nothing
   of an uncommitted file survives);
2. `dbt.event@10` — the dbt build, after the tenth node dbt reported (seen: a `dbt build`
   process was alive in the killed group);
3. `expectations.validated` — plan-target validation: Great Expectations has validated, the
   results are not yet written to the marts;
4. `publish.copied` — publish: the new version is copied and fsynced beside the serving file,
   not renamed over it (seen: that temporary file is there, complete: 9 schools);
5. `publish.linked` — publish, the last instant before the rename: the version being replaced
   is already kept for rollback (seen: the temporary file, and a kept version that is the
   serving file itself, hard-linked).

Every kill is checked the same way: the process died of signal 9 right after printing the
failpoint's line, no process of its group survived, and the serving file has the sha256 it had,
opens read-only and answers queries (still 3 schools), with the manifest unchanged. Then a
normal run must publish the new version: a killed run's leftovers (staging file and WAL, the
temporary copy, Dagster's run storage with the killed runs still STARTED and holding the
single writer slot) must not block or pollute it.

Runs use a persistent DAGSTER_HOME with the project's dagster.yaml, as `make` does: only there
is the writer pool limited, and only there can a killed run keep its slot.
"""

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import duckdb
import pytest
from dagster import DagsterInstance, DagsterRunStatus

from tests.conftest import CORPUS_DIR, PROJECT_DIR

CORPUS_BASE = CORPUS_DIR / "_base"
# Process groups are read from /proc: Linux, as CI.
pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
# A normal run takes about a minute on two busy cores; a run that waits for a writer slot
# held by a dead run waits for ever, so every run is bounded.
RUN_TIMEOUT = 300

STAGES = [
    "load.file_stored",
    "dbt.event@10",
    "expectations.validated",
    "publish.copied",
    "publish.linked",
]


@dataclass
class Run:
    pid: int  # also the process group: the run leads a session of its own
    returncode: int
    stdout: str
    stderr: str


def eduwh_run(env: dict[str, str], failpoint: str | None = None) -> Run:
    """`eduwh run` in a session of its own, so that its SIGKILL to its process group reaches
    the dbt child and nothing of pytest."""
    env = {**env, "EDUWH_FAILPOINT": failpoint} if failpoint else env
    proc = subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "run"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(f"eduwh run did not end in {RUN_TIMEOUT}s:\n{out}\n{err}") from None
    return Run(proc.pid, proc.returncode, out, err)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def schools_and_progress(path: Path) -> tuple[int, int]:
    """What a reader of the file sees: current schools, and plan-progress rows."""
    with duckdb.connect(str(path), read_only=True) as con:
        # the serving file holds marts only (raw stays in the internal warehouse)
        schools = con.execute("select count(*) from marts.dim_school").fetchone()[0]
        progress = con.execute("select count(*) from marts.mart_plan_progress").fetchone()[0]
    return schools, progress


def schools_in_killed_staging(staging: Path, scratch: Path) -> int:
    """Schools in the staging file as the kill left it, opened from a copy with its WAL: the
    replay happens in the copy, the next run finds the leftovers untouched."""
    scratch.mkdir()
    for f in (staging, staging.with_name(staging.name + ".wal")):
        if f.exists():
            shutil.copy(f, scratch / f.name)
    with duckdb.connect(str(scratch / staging.name)) as con:
        return con.execute("select count(*) from raw.schools_history").fetchone()[0]


def live_group_members(pgid: int) -> list[int]:
    """Processes of a process group that are alive (zombies excluded), from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_bytes().rsplit(b")", 1)[1].split()
        except OSError:  # ended while we looked
            continue
        if int(fields[2]) == pgid and fields[0] != b"Z":
            members.append(int(stat.parent.name))
    return members


def temp_copies(serving: Path) -> list[Path]:
    return sorted(serving.parent.glob(f".{serving.name}.*.tmp"))


def kept_versions(serving: Path) -> list[Path]:
    return sorted((serving.parent / "versions").glob("*.duckdb"))


def deliver(landing: Path, year: int) -> None:
    """A later year's schools file, as a bureau delivers it: three more current schools."""
    text = (CORPUS_BASE / "schools" / "schools_411303_2020.csv").read_text(encoding="utf-8")
    (landing / "schools" / f"schools_411303_{year}.csv").write_text(
        text.replace("\n2020,", f"\n{year},"), encoding="utf-8"
    )


def assert_killed_at(stage: str, run: Run) -> list[str]:
    """The run died of SIGKILL, sent by itself at the failpoint to its whole group, and no
    process of the group outlived it. Returns the killed processes' command lines."""
    context = f"{stage}:\n{run.stdout}\n{run.stderr}"
    assert run.returncode == -signal.SIGKILL, context
    name = stage.partition("@")[0]
    line = re.search(
        rf"failpoint {re.escape(name)}: SIGKILL to process group (\d+) \[(.*)\]", run.stderr
    )
    assert line and int(line[1]) == run.pid, context
    deadline = time.monotonic() + 10  # the kernel tears the group down asynchronously
    while live_group_members(run.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not live_group_members(run.pid), f"{stage}: survivors {live_group_members(run.pid)}"
    return [member.partition(" ")[2] for member in line[2].split("; ")]


def test_a_build_killed_at_any_stage_leaves_the_serving_warehouse_intact(tmp_path):
    landing, home = tmp_path / "landing", tmp_path / "dagster_home"
    staging = tmp_path / "build" / "warehouse.duckdb"
    serving = tmp_path / "serving" / "warehouse.duckdb"
    shutil.copytree(CORPUS_BASE, landing)
    home.mkdir()
    shutil.copy(PROJECT_DIR / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    env = {
        **os.environ,
        "EDUWH_LANDING_DIR": str(landing),
        "EDUWH_WAREHOUSE_PATH": str(staging),
        "EDUWH_SERVING_PATH": str(serving),
        "DAGSTER_HOME": str(home),
        "EDUWH_DEMO": "1",
        "EDUWH_KEEP_VERSIONS": "3",
    }
    env.pop("EDUWH_FAILPOINT", None)
    timings: dict[str, float] = {}

    def timed(label: str, failpoint: str | None = None) -> Run:
        started = time.monotonic()
        run = eduwh_run(env, failpoint)
        timings[label] = round(time.monotonic() - started, 1)
        return run

    first = timed("first publish")
    assert first.returncode == 0 and "Published" in first.stdout, first.stdout + first.stderr
    manifest_path = serving.with_suffix(".json")
    published_sha, manifest = sha256(serving), manifest_path.read_bytes()
    schools, progress = schools_and_progress(serving)
    assert schools == 3 and progress > 0
    deliver(landing, 2021)
    deliver(landing, 2022)

    for stage in STAGES:
        kept = kept_versions(serving)
        killed = timed(stage, stage)
        members = assert_killed_at(stage, killed)

        # the promise: readers see the published version, whole, and nothing else
        assert sha256(serving) == published_sha, stage
        assert schools_and_progress(serving) == (3, progress), stage
        assert manifest_path.read_bytes() == manifest, stage

        # and the kill happened where it was meant to
        if stage == "load.file_stored":
            assert schools_in_killed_staging(staging, tmp_path / "scratch") == 3
        if stage.startswith("dbt."):
            assert any("dbt" in m and " build" in m for m in members), members
        if stage.startswith("publish."):
            (copy,) = temp_copies(serving)  # a crashed publish's copy is cleared by the next
            assert schools_and_progress(copy)[0] == 9  # the new version, one rename away
        else:
            assert temp_copies(serving) == [], stage
        if stage == "publish.linked":
            (added,) = set(kept_versions(serving)) - set(kept)
            assert added.samefile(serving)  # the version being replaced, kept for rollback
        else:
            assert kept_versions(serving) == kept, stage

    last = timed("next run")
    print(f"kill test timings (s): {timings}")
    assert last.returncode == 0 and "Published" in last.stdout, last.stdout + last.stderr
    assert "was killed before it finished" in last.stdout  # the last killed run, released
    assert sha256(serving) != published_sha
    assert schools_and_progress(serving)[0] == 9
    assert json.loads(manifest_path.read_text())["run_id"] != json.loads(manifest)["run_id"]
    assert temp_copies(serving) == []
    kept = kept_versions(serving)
    # the published version is kept once, and a rollback would serve it again
    assert len({p.stat().st_ino for p in kept}) == len(kept)
    assert sha256(kept[-1]) == published_sha
    # (the project's event log storage finds the run history through DAGSTER_HOME)
    with (
        mock.patch.dict(os.environ, {"DAGSTER_HOME": str(home)}),
        DagsterInstance.get() as instance,
    ):
        statuses = [r.status for r in reversed(instance.get_runs())]
    assert statuses == [
        DagsterRunStatus.SUCCESS,
        *[DagsterRunStatus.FAILURE] * 5,
        DagsterRunStatus.SUCCESS,
    ]
