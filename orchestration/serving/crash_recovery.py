"""Clear what a killed `eduwh run` leaves in Dagster's run storage, so the next run can start.

A run killed mid-step (kill -9, the OOM killer, a power cut) never reports its end: Dagster
keeps it STARTED and keeps the slot its step holds in the `duckdb_writer` pool, whose limit is
one (orchestration/dagster.yaml). Every later run then waits for that slot for ever. The daemon
of `dagster dev` frees slots only of runs that finished, and `eduwh run` has no daemon.

So each run `eduwh run` starts is tagged with the host and the identity of its process, and
before the next one starts, the unfinished runs whose process no longer exists are marked failed
and their slots freed. Runs of live processes, of other hosts or not started by `eduwh run` (the
UI's) are left alone.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

HOST_TAG = "eduwh/host"
PROCESS_TAG = "eduwh/process"


def _process_identity(pid: int) -> str | None:
    """`pid@start time` of a live process, None when it is gone. With the start time (clock
    ticks after boot, from /proc) a pid the system has since given to another process does not
    pass for the dead one; without /proc, the pid alone."""
    if Path("/proc/self/stat").exists():
        try:
            # "pid (comm) state …": comm may hold spaces; starttime is field 22
            fields = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()
        except FileNotFoundError:
            return None
        return f"{pid}@{int(fields[19])}"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:  # alive, another user's
        pass
    return str(pid)


def owner_tags() -> dict[str, str]:
    """Tags naming the process that executes a run in process, for `release_crashed_runs`."""
    return {HOST_TAG: socket.gethostname(), PROCESS_TAG: _process_identity(os.getpid()) or ""}


def release_crashed_runs(instance) -> list[str]:
    """Mark failed, and free the pool slots of, every unfinished run started on this host by a
    process that has died; one sentence per run released."""
    from dagster import DagsterRunStatus, RunsFilter

    unfinished = [
        DagsterRunStatus.NOT_STARTED,
        DagsterRunStatus.STARTING,
        DagsterRunStatus.STARTED,
        DagsterRunStatus.CANCELING,
    ]
    records = instance.get_run_records(
        RunsFilter(statuses=unfinished, tags={HOST_TAG: socket.gethostname()})
    )
    released = []
    for record in records:
        run = record.dagster_run
        owner = run.tags.get(PROCESS_TAG, "")
        pid = owner.partition("@")[0]
        if pid.isdigit() and _process_identity(int(pid)) == owner:
            continue  # still running: its slot is rightly held
        instance.report_run_failed(
            run, message=f"process {owner} ended without finishing the run (killed)"
        )
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        released.append(
            f"Run {run.run_id} was killed before it finished: marked failed, its writer slot freed."
        )
    return released
