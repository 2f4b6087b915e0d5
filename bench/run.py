"""Benchmark of the whole job against its lower bound, per generator tier (not part of
`make test`: the province tier takes most of an hour on the 2-core machine).

    .venv/bin/python bench/run.py --tier county     # 卧龙区
    .venv/bin/python bench/run.py --tier city       # 洛阳市's 14 county-level units
    .venv/bin/python bench/run.py --tier province   # every county-level unit of 河南省

For a tier it measures, in one run:

1. generation of the tier's extracts (`eduwh generate --tier`), time and peak memory;
2. the whole job (`eduwh build` in its own process group, as the nightly build runs it) and
   each stage from Dagster's step statistics: load, dbt build, expectations, publish, exports,
   report; peak memory = the largest sum of resident memory over the process group (Dagster,
   the dbt child) sampled every 0.2 s;
3. the lower bound, on the same machine and engine: (a) the landing files read straight into
   DuckDB tables by `read_csv` in one connection (no validation, no pseudonymisation), and
   (b) the dbt project's own compiled SQL — every model in dependency order, then every data
   test's query — executed directly in one DuckDB connection on a copy of the run's loaded raw
   tables;
4. an incremental run: one region-year's pupil file is replaced with a corrected delivery and
   the job runs again.

Results go to `bench/results/<tier>.json`; `docs/benchmarks.md` is rewritten from every tier's
results present.
"""

from __future__ import annotations

import argparse
import graphlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.settings import DEFAULT_DUCKDB_MEMORY_LIMIT

PROJECT = Path(__file__).resolve().parents[1]
RESULTS = PROJECT / "bench" / "results"
DOC = PROJECT / "docs" / "benchmarks.md"
BIN = Path(sys.executable).parent
TIERS = ("county", "city", "province")
# Dagster step keys of warehouse_job, by the stage the issue names.
STAGES = {
    "load": ("load_landing",),
    "dbt build": ("warehouse_dbt_assets",),
    "expectations": ("marts__mart_plan_progress",),
    "publish": ("warehouse__published",),
    "exports and report": ("warehouse__parquet_exports", "reports__plan_progress"),
}
GOALS = {
    "whole job / lower bound": "≤ 2.0 (province; aim 1.5)",
    "load / read_csv": "≤ 2.0 (province)",
    "expectations / whole job": "≤ 10 %",
    "incremental / full build": "≤ 20 %",
    "peak memory": "≤ 8 GiB",
}


class PeakMemory:
    """Largest total resident memory of a process group, sampled from /proc; the samples are
    kept (epoch seconds, bytes) so each stage's peak can be read from them."""

    def __init__(self, group: int, interval: float = 0.2) -> None:
        self.group, self.interval, self.peak = group, interval, 0
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self) -> int:
        total = 0
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as fh:
                    fields = fh.read().rsplit(b")", 1)[1].split()
                if int(fields[2]) != self.group:
                    continue
                with open(f"/proc/{entry.name}/status", "rb") as fh:
                    for line in fh:
                        if line.startswith(b"VmRSS:"):
                            total += int(line.split()[1]) * 1024
            except (OSError, IndexError, ValueError):  # the process ended while we looked
                continue
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = self._rss()
            self.samples.append((time.time(), rss))
            self.peak = max(self.peak, rss)
            time.sleep(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def run_measured(
    cmd: list[str], env: dict[str, str], log: Path
) -> tuple[float, int, list[tuple[float, int]]]:
    """Run a command in its own process group; (seconds, peak bytes, memory samples). Fails
    loudly."""
    started = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.Popen(
            cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=PROJECT
        )
        try:
            with PeakMemory(proc.pid) as mem:
                code = proc.wait()
        except BaseException:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    if code != 0:
        sys.exit(f"{' '.join(cmd)} failed with exit code {code}; see {log}")
    return time.monotonic() - started, mem.peak, mem.samples


def _latest_steps(dagster_home: Path) -> dict[str, tuple[float, float]]:
    """(start, end) epoch seconds per step of the latest run, from Dagster's step statistics."""
    from dagster import DagsterInstance

    os.environ["DAGSTER_HOME"] = str(dagster_home)
    with DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        return {
            s.step_key: (s.start_time, s.end_time) for s in instance.get_run_step_stats(run.run_id)
        }


def step_times(dagster_home: Path) -> dict[str, float]:
    """Seconds per stage of the latest run."""
    steps = _latest_steps(dagster_home)
    return {
        stage: sum(steps[k][1] - steps[k][0] for k in keys if k in steps)
        for stage, keys in STAGES.items()
    }


def stage_peaks(dagster_home: Path, samples: list[tuple[float, int]]) -> dict[str, int]:
    """Peak resident memory of the job's process group while each stage of the latest run ran:
    which stage sets the whole job's peak."""
    steps = _latest_steps(dagster_home)
    peaks = {}
    for stage, keys in STAGES.items():
        windows = [steps[k] for k in keys if k in steps]
        inside = [rss for t, rss in samples if any(a <= t <= b for a, b in windows)]
        peaks[stage] = max(inside, default=0)
    return peaks


def code_version() -> str:
    """The commit measured, marked when the working tree had uncommitted changes."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=PROJECT, capture_output=True, text=True, check=True
        ).stdout.strip()

    return git("rev-parse", "--short", "HEAD") + (
        " (modified)" if git("status", "--porcelain") else ""
    )


def load_lower_bound(landing: Path, db: Path) -> float:
    """Every landing file read into a DuckDB table by DuckDB's own CSV reader, one connection."""
    db.unlink(missing_ok=True)
    started = time.monotonic()
    with duckdb.connect(str(db)) as con:
        for folder in sorted(p for p in landing.iterdir() if p.is_dir()):
            files = sorted(str(f) for f in folder.glob("*.csv"))
            if files:
                con.execute(
                    f"create table {folder.name} as "
                    "select * from read_csv(?, union_by_name = true)",
                    [files],
                )
    return time.monotonic() - started


def transform_lower_bound(staging: Path, work: Path, env: dict[str, str]) -> dict[str, float]:
    """The dbt project's compiled SQL, executed directly in one DuckDB connection on a copy of
    the run's loaded warehouse: models in dependency order, then every data test's query."""
    copy = work / "lower_bound" / "warehouse.duckdb"  # same file name: same catalog name in SQL
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(staging, copy)
    target = work / "lower_bound" / "target"
    subprocess.run(
        [
            str(BIN / "dbt"),
            "compile",
            "--quiet",
            "--profiles-dir",
            ".",
            "--target-path",
            str(target),
        ],
        env={**env, "EDUWH_WAREHOUSE_PATH": str(copy)},
        cwd=PROJECT,
        check=True,
    )
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    models = {k: n for k, n in nodes.items() if n["resource_type"] == "model"}
    tests = [n for n in nodes.values() if n["resource_type"] == "test"]
    order = graphlib.TopologicalSorter(
        {k: [d for d in n["depends_on"]["nodes"] if d in models] for k, n in models.items()}
    ).static_order()
    with duckdb.connect(str(copy)) as con:
        for schema in {n["schema"] for n in models.values()}:
            con.execute(f"drop schema if exists {schema} cascade")
            con.execute(f"create schema {schema}")
        started = time.monotonic()
        for key in order:
            n = models[key]
            kind = "view" if n["config"]["materialized"] == "view" else "table"
            con.execute(f"create {kind} {n['relation_name']} as {n['compiled_code']}")
        models_s = time.monotonic() - started
        started = time.monotonic()
        for n in tests:
            con.execute(f"select count(*) from ({n['compiled_code']}) as t").fetchone()
        tests_s = time.monotonic() - started
    return {"models": models_s, "tests": tests_s}


def change_one_region_year(landing: Path) -> str:
    """A corrected delivery of one region-year: the last pupil file of the first county, one
    pupil's migrant flag flipped (a new file hash; the loader supersedes the old version)."""
    path = sorted((landing / "pupils").glob("*.csv"))[-1]
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    row = lines[1].rstrip("\n").split(",")
    col = header.index("migrant")
    row[col] = "1" if row[col] == "0" else "0"
    lines[1] = ",".join(row) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    return path.name


def measure(tier: str, work: Path) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    landing, staging = work / "landing", work / "build" / "warehouse.duckdb"
    dagster_home = work / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(PROJECT / "orchestration" / "dagster.yaml", dagster_home / "dagster.yaml")
    env = {
        **os.environ,
        "EDUWH_DEMO": "1",
        "DAGSTER_HOME": str(dagster_home),
        "EDUWH_LANDING_DIR": str(landing),
        "EDUWH_WAREHOUSE_PATH": str(staging),
        "EDUWH_SERVING_PATH": str(work / "serving" / "warehouse.duckdb"),
    }
    eduwh = str(BIN / "eduwh")
    result: dict = {
        "tier": tier,
        "machine": f"{os.cpu_count()} cores, {platform.platform()}",
        "code_version": code_version(),
        "duckdb_memory_limit": env.get("EDUWH_DUCKDB_MEMORY_LIMIT", DEFAULT_DUCKDB_MEMORY_LIMIT),
    }
    print(f"[{tier}] generating ...", flush=True)
    secs, peak, _ = run_measured(
        [eduwh, "generate", "--tier", tier, "--delivery", "plain", "--out", str(landing)],
        env,
        work / "generate.log",
    )
    manifest = json.loads((landing / "_generator_manifest.json").read_text())
    rows: dict[str, int] = {}
    for f in manifest["files"]:
        rows[f["extract"]] = rows.get(f["extract"], 0) + f["rows"]
    result |= {
        "generate_s": secs,
        "generate_peak_bytes": peak,
        "rows": rows,
        "landing_bytes": sum(p.stat().st_size for p in landing.rglob("*") if p.is_file()),
    }

    print(f"[{tier}] whole job ...", flush=True)
    secs, peak, samples = run_measured([eduwh, "build", "--no-progress"], env, work / "build.log")
    result |= {
        "job_s": secs,
        "job_peak_bytes": peak,
        "stages_s": step_times(dagster_home),
        "stage_peak_bytes": stage_peaks(dagster_home, samples),
    }

    print(f"[{tier}] lower bound ...", flush=True)
    load_s = load_lower_bound(landing, work / "lower_bound_load.duckdb")
    transform = transform_lower_bound(staging, work, env)
    result["lower_bound_s"] = {"load": load_s, **transform}

    print(f"[{tier}] incremental run after one corrected region-year ...", flush=True)
    result["changed_file"] = change_one_region_year(landing)
    secs, peak, _ = run_measured([eduwh, "build", "--no-progress"], env, work / "rebuild.log")
    result |= {
        "incremental_s": secs,
        "incremental_peak_bytes": peak,
        "incremental_stages_s": step_times(dagster_home),
    }
    result["measured_at"] = datetime.now().isoformat(timespec="seconds")
    return result


def _gb(n: int) -> str:
    return f"{n / 2**30:.2f} GiB"


def render(results: list[dict]) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Written by `bench/run.py` (see its docstring for what is measured and how); re-run with",
        "`.venv/bin/python bench/run.py --tier <county|city|province>`. Times in seconds, on the",
        "machine named per tier. The lower bound is the same data read by DuckDB's own CSV reader",
        "plus the dbt project's compiled SQL (models, then data tests) run directly in one DuckDB",
        "connection: what the same engine needs with no orchestration, validation or checks.",
        "",
        "| | " + " | ".join(r["tier"] for r in results) + " |",
        "|---|" + "---:|" * len(results),
    ]

    def row(label: str, values: list[str]) -> None:
        lines.append(f"| {label} | " + " | ".join(values) + " |")

    row("pupil rows (all years)", [f"{r['rows'].get('pupils', 0):,}" for r in results])
    row("landing files size", [_gb(r["landing_bytes"]) for r in results])
    row("generation", [f"{r['generate_s']:.0f}" for r in results])
    for stage in STAGES:
        row(f"stage: {stage}", [f"{r['stages_s'][stage]:.1f}" for r in results])
    row("**whole job**", [f"**{r['job_s']:.0f}**" for r in results])
    row("lower bound: load (read_csv)", [f"{r['lower_bound_s']['load']:.1f}" for r in results])
    row("lower bound: dbt models", [f"{r['lower_bound_s']['models']:.1f}" for r in results])
    row("lower bound: dbt tests", [f"{r['lower_bound_s']['tests']:.1f}" for r in results])
    lb = [sum(r["lower_bound_s"].values()) for r in results]
    row("**lower bound**", [f"**{v:.0f}**" for v in lb])
    row(
        "**whole job / lower bound**",
        [f"**{r['job_s'] / v:.2f}**" for r, v in zip(results, lb, strict=True)],
    )
    row(
        "load / read_csv",
        [f"{r['stages_s']['load'] / r['lower_bound_s']['load']:.2f}" for r in results],
    )
    row(
        "expectations / whole job",
        [f"{r['stages_s']['expectations'] / r['job_s']:.0%}" for r in results],
    )
    row("incremental run (one region-year changed)", [f"{r['incremental_s']:.0f}" for r in results])
    row("incremental / full build", [f"{r['incremental_s'] / r['job_s']:.0%}" for r in results])
    row("peak memory, whole job", [_gb(r["job_peak_bytes"]) for r in results])
    for stage in STAGES:
        row(
            f"peak memory, {stage}",
            [_gb(r["stage_peak_bytes"][stage]) for r in results],
        )
    row("peak memory, generation", [_gb(r["generate_peak_bytes"]) for r in results])
    row("DuckDB memory limit", [r["duckdb_memory_limit"] for r in results])
    row("code measured", [r["code_version"] for r in results])
    row("measured", [r["measured_at"] for r in results])
    lines += ["", "Goals: " + "; ".join(f"{k} {v}" for k, v in GOALS.items()) + "."]
    notes = PROJECT / "bench" / "NOTES.md"
    if notes.exists():
        lines += ["", notes.read_text(encoding="utf-8").strip()]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tier", choices=TIERS, required=True)
    parser.add_argument("--work", help="scratch folder (default: /tmp/eduwh-bench/<tier>)")
    args = parser.parse_args()
    work = Path(args.work or f"/tmp/eduwh-bench/{args.tier}")
    result = measure(args.tier, work)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.tier}.json").write_text(json.dumps(result, indent=2) + "\n")
    present = [
        json.loads((RESULTS / f"{t}.json").read_text())
        for t in TIERS
        if (RESULTS / f"{t}.json").exists()
    ]
    DOC.write_text(render(present), encoding="utf-8")
    print(f"wrote {RESULTS / (args.tier + '.json')} and {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
