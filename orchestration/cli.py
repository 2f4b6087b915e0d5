"""Operator commands: `eduwh generate`, `eduwh load`, `eduwh run`, `eduwh demo`."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

# Only the standard library behind it: cheap enough for argument parsing.
from orchestration.contracts import CONTRACTS


def _run_job(verbose: bool = False) -> int:
    from dagster import DagsterInstance

    from orchestration.definitions import defs
    from orchestration.settings import get_settings
    from orchestration.summary import summarise

    # A persistent instance keeps run history for `dagster dev`; without DAGSTER_HOME the run
    # still executes, in a throwaway instance.
    instance = (
        DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()
    )
    job = defs.resolve_job_def("warehouse_job")
    # dagster-dbt echoes every dbt log line to stdout; the operator wants the summary, so the
    # full log goes to a file unless --verbose.
    log_dir = get_settings().warehouse_path.parent / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"run-{time.strftime('%Y%m%dT%H%M%S')}.log"
    level = "DEBUG" if verbose else "INFO"
    run_config = {"loggers": {"console": {"config": {"log_level": level}}}}
    with contextlib.ExitStack() as stack:
        if not verbose:
            print(f"Running warehouse_job (full log: {log_path}) ...", flush=True)
            log = stack.enter_context(log_path.open("w", encoding="utf-8"))
            stack.enter_context(contextlib.redirect_stdout(log))
            stack.enter_context(contextlib.redirect_stderr(log))
        result = job.execute_in_process(
            instance=instance, raise_on_error=False, run_config=run_config
        )
    summary = summarise(result)
    print(summary.render())
    # A missed plan target is a finding about the region, not a failure of the build.
    return 0 if summary.success else 1


def _generate(args: argparse.Namespace) -> None:
    from orchestration.generator import generate
    from orchestration.settings import get_settings

    out = Path(args.out) if args.out else get_settings().landing_dir
    kwargs = {"luoyang_scale": args.luoyang_scale, "scenario": args.scenario}
    if args.seed is not None:
        kwargs["seed"] = args.seed
    manifest = generate(out, **kwargs)
    if args.delivery == "bureau":
        from orchestration.delivery import as_bureau_exports

        manifest = as_bureau_exports(out, **({"seed": args.seed} if args.seed is not None else {}))
    by_extract: dict[str, list[int]] = {}
    for f in manifest["files"]:
        by_extract.setdefault(f["extract"], []).append(f["rows"])
    print(f"Generated demo extracts in {out}:")
    for name, rows in sorted(by_extract.items()):
        print(f"  {name:<11}{len(rows):>5} files{sum(rows):>12,} rows")


def _load(args: argparse.Namespace) -> int:
    """Load the landing folder into raw (no dbt): the per-file report a bureau's data officer
    reads after dropping files."""
    from orchestration.loaders import load_landing, render_load_report
    from orchestration.settings import get_settings

    settings = get_settings()
    landing = Path(args.landing) if args.landing else settings.landing_dir
    run = load_landing(
        settings.warehouse_path,
        landing,
        settings.require_pseudonym_key(),
        extracts=args.extract or None,
    )
    print(f"Loaded {landing} into {settings.warehouse_path}:")
    print(render_load_report(run))
    print(
        "Rows now current in raw: "
        + ", ".join(f"{e} {n:,}" for e, n in run.rows_in_warehouse.items())
    )
    refused = [f for f in run.files if f.status == "refused"]
    if refused:
        print(f"{len(refused)} file(s) refused; see raw._load_audit and raw._quarantine.")
    return 1 if refused else 0


def _status(args: argparse.Namespace) -> int:
    import json

    from orchestration.publish import ServingPaths, versions
    from orchestration.settings import get_settings

    serving = get_settings().serving_path
    if not serving.exists():
        print(f"Nothing published yet at {serving}.")
        return 1
    manifest = ServingPaths(serving).manifest
    info = json.loads(manifest.read_text()) if manifest.exists() else {}
    print(f"Serving: {serving}")
    print(f"  published {info.get('published_at', '?')} by run {info.get('run_id') or '?'}")
    for table, rows in sorted(info.get("tables", {}).items()):
        if table.startswith("marts."):
            print(f"  {table:<40}{rows:>12,}")
    kept = versions(serving)
    print(f"Versions kept for rollback ({len(kept)}): " + ", ".join(p.name for p in kept))
    return 0


def _rollback(args: argparse.Namespace) -> int:
    from orchestration.publish import rollback
    from orchestration.settings import get_settings

    serving = get_settings().serving_path
    chosen = rollback(serving, args.version)
    print(f"{serving} now serves {chosen.name}; the replaced version is kept.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="eduwh", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="write synthetic extracts into the landing folder")
    demo = sub.add_parser("demo", help="generate the demo extracts, then run the whole job")
    for p in (gen, demo):
        p.add_argument("--out", help="landing folder (default: EDUWH_LANDING_DIR)")
        p.add_argument("--seed", type=int, default=None)
        p.add_argument(
            "--luoyang-scale",
            type=float,
            default=1.0,
            help="size of 洛阳市's counties relative to real (卧龙区 is always full)",
        )
        p.add_argument("--scenario", default=None, help="a named deviation, for tests")
        p.add_argument(
            "--delivery",
            choices=("bureau", "plain"),
            default="bureau",
            help="bureau: some files as GB18030 with Chinese headers and personal columns, "
            "XLSX, Parquet, three defective rows (default); plain: UTF-8 CSV only",
        )
    load = sub.add_parser(
        "load", help="load the landing folder into raw and print the per-file report (no dbt)"
    )
    load.add_argument("--landing", help="landing folder (default: EDUWH_LANDING_DIR)")
    load.add_argument(
        "--extract", action="append", choices=list(CONTRACTS), help="only this extract (repeatable)"
    )
    sub.add_parser("status", help="what the serving warehouse holds and which versions are kept")
    back = sub.add_parser("rollback", help="serve an earlier published version again")
    back.add_argument("--version", help="a kept version's file name (default: the newest)")
    run = sub.add_parser("run", help="run the whole Dagster job (load, dbt build, plan targets)")
    for p in (demo, run):
        p.add_argument("--verbose", action="store_true", help="stream the full run log")
    args = parser.parse_args(argv)

    if args.command == "load":
        return _load(args)
    if args.command == "status":
        return _status(args)
    if args.command == "rollback":
        return _rollback(args)
    if args.command == "generate":
        _generate(args)
        return 0
    if args.command == "demo":
        os.environ.setdefault("EDUWH_DEMO", "1")
        if args.out:
            os.environ["EDUWH_LANDING_DIR"] = str(Path(args.out).resolve())
        _generate(args)
        # The demo starts from an empty warehouse, as a new deployment would: the loads it shows
        # are first loads, and a warehouse of an earlier layout cannot get in the way.
        import shutil

        from orchestration.settings import get_settings

        settings = get_settings()
        for stale in (settings.warehouse_path, settings.warehouse_path.with_suffix(".duckdb.wal")):
            stale.unlink(missing_ok=True)
        shutil.rmtree(settings.serving_path.parent, ignore_errors=True)
        return _run_job(args.verbose)
    return _run_job(args.verbose)


if __name__ == "__main__":
    sys.exit(main())
