"""DuckDB against Spark on the same tier (not part of `make test`): docs/scaling.md.

    .venv/bin/python bench/engines.py --tier county
    .venv/bin/python bench/engines.py --tier city

For a tier: the extracts are generated once (`eduwh generate --tier`), then the whole job
(`eduwh build`, in its own process group, as the nightly build runs it) runs on each engine from
an empty warehouse: EDUWH_ENGINE=duckdb, then EDUWH_ENGINE=spark (local[2], this machine). For
each: the job's time and peak memory, the time of each stage (Dagster's step statistics), and
within the dbt build the time dbt's nodes took by kind (run_results.json; with 2 threads the
sum exceeds the stage's wall time). Then the two serving warehouses' marts are compared
(orchestration/spark/compare.py). Results go to `bench/results/engines-<tier>.json`; the
measurements table of docs/scaling.md is rewritten from every tier's results present.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import BIN, PROJECT, RESULTS, _latest_steps, code_version, run_measured  # noqa: E402

from orchestration.spark.compare import mart_differences  # noqa: E402

DOC = PROJECT / "docs" / "scaling.md"
TIERS = ("county", "city", "province")
ENGINES = ("duckdb", "spark")
STAGES = {
    "load": ("load_landing",),
    "dbt build (+ raw layer, copy back on Spark)": ("warehouse_dbt_assets",),
    "plan targets": ("marts__mart_plan_progress",),
    "publish and serving": (
        "warehouse__published",
        "warehouse__parquet_exports",
        "reports__plan_progress",
        "warehouse__public_tier",
        "warehouse__postgres",
    ),
}
BEGIN, END = "<!-- measurements: bench/engines.py -->", "<!-- end of measurements -->"


def dbt_node_times(since: float) -> dict[str, float]:
    """Seconds per kind of dbt node in the newest run_results.json written after `since`."""
    found = [
        p for p in (PROJECT / "target").rglob("run_results.json") if p.stat().st_mtime >= since
    ]
    if not found:
        return {}
    results = json.loads(max(found, key=lambda p: p.stat().st_mtime).read_text())
    kinds: dict[str, float] = {}
    for r in results["results"]:
        kind = r["unique_id"].split(".")[0]
        kinds[kind] = kinds.get(kind, 0.0) + r["execution_time"]
    kinds["wall"] = results.get("elapsed_time", 0.0)
    return kinds


def measure(tier: str, work: Path) -> dict:
    import time

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    landing = work / "landing"
    eduwh = str(BIN / "eduwh")
    base = {**os.environ, "EDUWH_DEMO": "1", "EDUWH_LANDING_DIR": str(landing)}
    print(f"[{tier}] generating ...", flush=True)
    run_measured(
        [eduwh, "generate", "--tier", tier, "--delivery", "plain", "--out", str(landing)],
        base,
        work / "generate.log",
    )
    manifest = json.loads((landing / "_generator_manifest.json").read_text())
    result: dict = {
        "tier": tier,
        "machine": f"{os.cpu_count()} cores",
        "code_version": code_version(),
        "pupil_rows": sum(f["rows"] for f in manifest["files"] if f["extract"] == "pupils"),
        "engines": {},
    }
    serving = {}
    for engine in ENGINES:
        home = work / engine / "dagster_home"
        home.mkdir(parents=True)
        shutil.copy(PROJECT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
        env = {
            **base,
            "EDUWH_ENGINE": engine,
            "DAGSTER_HOME": str(home),
            "EDUWH_WAREHOUSE_PATH": str(work / engine / "warehouse.duckdb"),
        }
        env.pop("EDUWH_SERVING_PATH", None)
        print(f"[{tier}] whole job on {engine} ...", flush=True)
        started = time.time()
        secs, peak, _ = run_measured(
            [eduwh, "build", "--no-progress"], env, work / engine / "build.log"
        )
        steps = _latest_steps(home)
        result["engines"][engine] = {
            "job_s": secs,
            "peak_bytes": peak,
            "stages_s": {
                stage: sum(steps[k][1] - steps[k][0] for k in keys if k in steps)
                for stage, keys in STAGES.items()
            },
            "steps_s": {k: end - start for k, (start, end) in steps.items()},
            "dbt_nodes_s": dbt_node_times(started),
        }
        serving[engine] = work / engine / "serving" / "warehouse.duckdb"
    result["mart_differences"] = mart_differences(serving["duckdb"], serving["spark"])
    result["measured_at"] = datetime.now().isoformat(timespec="seconds")
    return result


def render(results: list[dict]) -> str:
    cols = [(r["tier"], e) for r in results for e in ENGINES]
    by = {(r["tier"], e): r["engines"][e] for r in results for e in ENGINES}
    head = "| | " + " | ".join(f"{t} · {e}" for t, e in cols) + " |"
    lines = [head, "|---" + "|---:" * len(cols) + "|"]

    def row(label: str, values: list[str]) -> None:
        lines.append(f"| {label} | " + " | ".join(values) + " |")

    row("pupil rows", [f"{r['pupil_rows']:,}" for r in results for _ in ENGINES])
    row("**whole job (s)**", [f"**{by[c]['job_s']:.0f}**" for c in cols])
    for stage in STAGES:
        row(f"stage: {stage}", [f"{by[c]['stages_s'][stage]:.1f}" for c in cols])
    for kind in ("seed", "model", "test", "unit_test"):
        row(
            f"dbt {kind}s, summed over threads",
            [f"{by[c]['dbt_nodes_s'].get(kind, 0.0):.1f}" for c in cols],
        )
    row("dbt wall time", [f"{by[c]['dbt_nodes_s'].get('wall', 0.0):.1f}" for c in cols])
    row("peak memory", [f"{by[c]['peak_bytes'] / 2**30:.2f} GiB" for c in cols])
    row(
        "marts equal (rows, types, values within 1e-9)",
        [("yes" if not r["mart_differences"] else "**no**") for r in results for _ in ENGINES],
    )
    row("code measured", [r["code_version"] for r in results for _ in ENGINES])
    row("measured", [r["measured_at"] for r in results for _ in ENGINES])
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tier", choices=TIERS, required=True)
    parser.add_argument("--work", help="scratch folder (default: /tmp/eduwh-engines/<tier>)")
    args = parser.parse_args()
    result = measure(args.tier, Path(args.work or f"/tmp/eduwh-engines/{args.tier}"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"engines-{args.tier}.json").write_text(json.dumps(result, indent=2) + "\n")
    present = [
        json.loads((RESULTS / f"engines-{t}.json").read_text())
        for t in TIERS
        if (RESULTS / f"engines-{t}.json").exists()
    ]
    text = DOC.read_text(encoding="utf-8")
    start, stop = text.index(BEGIN) + len(BEGIN), text.index(END)
    DOC.write_text(text[:start] + "\n" + render(present) + "\n" + text[stop:], encoding="utf-8")
    for problem in result["mart_differences"]:
        print(problem)
    print(f"wrote {RESULTS / f'engines-{args.tier}.json'} and {DOC}")
    return 1 if result["mart_differences"] else 0


if __name__ == "__main__":
    sys.exit(main())
