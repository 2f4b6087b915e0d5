"""Operator commands of the warehouse: build it, see what is published, roll back, write the
plan-progress report, read the load audit; and generate or run the demo.

Every command has --help. Settings come from the environment (orchestration/settings.py):
EDUWH_LANDING_DIR, EDUWH_WAREHOUSE_PATH (staging), EDUWH_SERVING_PATH, EDUWH_KEEP_VERSIONS."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

# Only the standard library behind it: cheap enough for argument parsing.
from orchestration.ingest.contracts import CONTRACTS


def _run_job(verbose: bool = False, progress: bool = True) -> int:
    from dagster import DagsterInstance

    from orchestration.definitions import defs
    from orchestration.reporting.summary import summarise
    from orchestration.serving.crash_recovery import owner_tags, release_crashed_runs
    from orchestration.settings import get_settings

    # A persistent instance keeps run history for `dagster dev`; without DAGSTER_HOME the run
    # still executes, in a throwaway instance.
    instance = (
        DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()
    )
    # a killed earlier run would otherwise hold the one writer slot for ever
    for note in release_crashed_runs(instance):
        print(note, flush=True)
    job = defs.resolve_job_def("warehouse_job")
    # dagster-dbt echoes every dbt log line to stdout; the operator wants the summary, so the
    # full log goes to a file unless --verbose.
    log_dir = get_settings().warehouse_path.parent / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"run-{time.strftime('%Y%m%dT%H%M%S')}.log"
    level = "DEBUG" if verbose else "INFO"
    loggers: dict = {"console": {"config": {"log_level": level}}}
    if progress and not verbose:
        # The terminal shows one line per step and asset while the log file takes the rest.
        total = len(job.asset_layer.selected_asset_keys)
        loggers["progress"] = {"config": {"total_assets": total}}
    run_config = {"loggers": loggers}
    with contextlib.ExitStack() as stack:
        if not verbose:
            print(f"Running warehouse_job (full log: {log_path}) ...", flush=True)
            log = stack.enter_context(log_path.open("w", encoding="utf-8"))
            stack.enter_context(contextlib.redirect_stdout(log))
            stack.enter_context(contextlib.redirect_stderr(log))
        result = job.execute_in_process(
            instance=instance, raise_on_error=False, run_config=run_config, tags=owner_tags()
        )
    summary = summarise(result)
    print(summary.render())
    # A missed plan target is a finding about the region, not a failure of the build.
    return 0 if summary.success else 1


def _generate(args: argparse.Namespace) -> None:
    from orchestration.demo.generate import generate
    from orchestration.settings import get_settings

    out = Path(args.out) if args.out else get_settings().landing_dir
    kwargs = {"luoyang_scale": args.luoyang_scale, "scenario": args.scenario, "tier": args.tier}
    if args.seed is not None:
        kwargs["seed"] = args.seed
    manifest = generate(out, **kwargs)
    if args.delivery == "bureau":
        from orchestration.demo.delivery import as_bureau_exports

        manifest = as_bureau_exports(out, **({"seed": args.seed} if args.seed is not None else {}))
    if args.tier is None:
        from orchestration.demo.reports import write_demo_reports

        forms = write_demo_reports(out, **({"seed": args.seed} if args.seed is not None else {}))
        manifest["files"] = [*manifest["files"], *forms]
    by_extract: dict[str, list[int]] = {}
    for f in manifest["files"]:
        by_extract.setdefault(f["extract"], []).append(f["rows"])
    print(f"Generated demo extracts in {out}:")
    for name, rows in sorted(by_extract.items()):
        print(f"  {name:<11}{len(rows):>5} files{sum(rows):>12,} rows")


def _template(args: argparse.Namespace) -> int:
    """eduwh template: the reporting form of a region's figures that no extract gives."""
    from expectations.catalogue import load_targets, report_lines
    from orchestration.ingest.forms import form_name, write_form
    from orchestration.plans.catalogue import landed_catalogue
    from orchestration.settings import get_settings

    settings = get_settings()
    targets = load_targets() + landed_catalogue(settings.landing_dir).targets()
    lines = report_lines(targets, args.region, args.year or None)
    if not lines:
        years = f" for {', '.join(map(str, args.year))}" if args.year else ""
        print(
            f"No plan target of region {args.region}{years} needs a reported figure: the "
            "catalogue has none on an indicator the bureau reports (see "
            "marts.mart_target_coverage)."
        )
        return 1
    year = max(args.year) if args.year else max(line.year for line in lines)
    out = Path(args.out) if args.out else settings.warehouse_path.parent / "forms"
    name = lines[0].region_name
    span = f"{min(x.year for x in lines)}–{max(x.year for x in lines)}"
    path = write_form(
        out / form_name(args.region, year),
        lines,
        title=f"{name}教育规划指标填报表（{span}）",
        reporting_unit=args.reporting_unit or "",
    )
    print(
        f"Reporting form of {name} ({args.region}), {len(lines)} figures of {span}: {path}\n"
        "Fill in 填报值 (and 佐证材料, 填报单位, 填报日期) in Excel; a row left empty is not "
        f"reported yet. Then drop the file, as it is named, into "
        f"{settings.landing_dir / 'indicator_reports'}/ and run `eduwh build`."
    )
    return 0


def _publish_public(args: argparse.Namespace) -> int:
    """eduwh publish --public: the public tier of the serving warehouse; --region R: a file of
    one region and the regions under it."""
    from orchestration.serving.public import (
        public_dir,
        region_file,
        threshold,
        write_public_tier,
    )

    serving = _serving_or_none()
    if serving is None:
        return 1
    if args.postgres:
        return _publish_postgres(serving)
    if args.region:
        out = serving.parent.parent / "regions" / f"{args.region}.duckdb"
        try:
            counts = region_file(serving, args.region, out)
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        rows = counts.get("marts.mart_indicator_values", 0)
        print(f"Region {args.region} and the regions under it: {out} ({rows:,} indicator values)")
        return 0
    out = public_dir(serving)
    counts = write_public_tier(serving, out)
    print(
        f"Public tier of {serving} (counts of a subgroup below {threshold()} suppressed, with "
        f"their complements): {out}/warehouse.duckdb and {out}/parquet/ — "
        + ", ".join(f"{t} {n:,}" for t, n in counts.items())
    )
    return 0


def _postgres_dsn() -> str | None:
    from orchestration.serving.postgres import dsn_from_env

    dsn = dsn_from_env()
    if dsn is None:
        print(
            "EDUWH_POSTGRES_DSN is not set: set it to the PostgreSQL serving database, e.g. "
            "'host=db.bureau.local dbname=eduwh user=eduwh_publisher' (`make postgres` starts "
            "a local one and prints its DSN).",
            file=sys.stderr,
        )
    return dsn


def _publish_postgres(serving: Path) -> int:
    """eduwh publish --postgres: the serving file's schemas into PostgreSQL, swapped in."""
    from orchestration.serving.postgres import PostgresServingError, publish_to_postgres

    dsn = _postgres_dsn()
    if dsn is None:
        return 1
    try:
        info = publish_to_postgres(serving, dsn)
    except PostgresServingError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    tables = info["tables"]
    print(
        f"PostgreSQL now serves version {info['version']}: {len(tables)} tables, "
        f"{sum(tables.values()):,} rows (marts, reference, meta; row-level security by region)."
    )
    return 0


def _access(args: argparse.Namespace) -> int:
    """eduwh access grant|revoke|list: a bureau's role in the PostgreSQL serving database."""
    from orchestration.serving.postgres import (
        PostgresServingError,
        grant_region_access,
        list_region_access,
        revoke_region_access,
    )

    dsn = _postgres_dsn()
    if dsn is None:
        return 1
    try:
        if args.access_command == "grant":
            password = os.environ.get(args.password_env) if args.password_env else None
            if args.password_env and password is None:
                print(
                    f"{args.password_env} is not set: it should hold the role's password.",
                    file=sys.stderr,
                )
                return 1
            print(grant_region_access(dsn, args.role, args.region, password))
        elif args.access_command == "revoke":
            removed = revoke_region_access(dsn, args.role, args.region)
            print(f"Removed {removed} grant(s) of role {args.role}.")
        else:
            for role, region, when in list_region_access(dsn):
                print(f"{role:<32}{region:<10}{when}")
    except PostgresServingError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


def _load(args: argparse.Namespace) -> int:
    """Load the landing folder into raw (no dbt): the per-file report a bureau's data officer
    reads after dropping files."""
    from orchestration.ingest.loaders import load_landing, render_load_report
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
    """What the served file itself says it is (meta.published_version), its marts and the
    versions kept."""
    from orchestration.serving.publish import served_meta, table_counts, versions
    from orchestration.settings import get_settings

    serving = get_settings().serving_path
    if not serving.exists():
        print(f"Nothing published yet at {serving}.")
        return 1
    meta = served_meta(serving) or {}
    print(f"Serving: {serving}")
    print(
        f"  version {meta.get('version', '?')}, published {meta.get('published_at', '?')} by "
        f"run {meta.get('run_id') or '?'}; source files {meta.get('source_digest') or '?'}, "
        f"catalogue {meta.get('catalogue_version') or '?'}"
    )
    for table, rows in sorted(table_counts(serving).items()):
        if table.startswith("marts."):
            print(f"  {table:<40}{rows:>12,}")
    kept = versions(serving)
    print(f"Versions kept for rollback ({len(kept)}): " + ", ".join(p.name for p in kept))
    from orchestration.serving.postgres import PostgresServingError, dsn_from_env, pg_served_meta

    if dsn_from_env():
        try:
            pg = pg_served_meta(dsn_from_env())
        except PostgresServingError as exc:
            print(f"PostgreSQL: {exc}")
            return 1
        same = pg and pg["version"] == meta.get("version")
        print(
            f"PostgreSQL (EDUWH_POSTGRES_DSN): version {pg['version']}"
            + (
                ", the same as the file"
                if same
                else ", NOT the file's: run `eduwh publish --postgres`"
            )
            if pg
            else "PostgreSQL (EDUWH_POSTGRES_DSN): nothing published yet"
        )
    return 0


def _rollback(args: argparse.Namespace) -> int:
    """Serve a kept version again, and re-point what is derived from the serving file (the
    Parquet exports and the report) to it, so every reader sees the same version."""
    from orchestration.reporting.report import build_report
    from orchestration.serving.postgres import (
        PostgresServingError,
        dsn_from_env,
        publish_to_postgres,
    )
    from orchestration.serving.publish import (
        NothingKept,
        export_parquet,
        rollback,
        served_version,
    )
    from orchestration.settings import get_settings

    serving = get_settings().serving_path
    try:
        chosen = rollback(serving, args.version)
    except NothingKept as exc:
        print(str(exc), file=sys.stderr)
        return 1
    export_parquet(serving, serving.parent / "parquet")
    build_report(serving, serving.parent / "report")
    if dsn_from_env():
        try:
            publish_to_postgres(serving, dsn_from_env())
        except PostgresServingError as exc:
            print(f"The rollback is served from the file, but not from PostgreSQL: {exc}")
            return 1
    print(
        f"{serving} now serves version {served_version(serving) or chosen.name} (from "
        f"{chosen.name}); the replaced version is kept; Parquet exports and the report"
        + (" and PostgreSQL" if dsn_from_env() else "")
        + " rebuilt from it."
    )
    return 0


def _internal_or_none():
    """The internal warehouse of the last publish (raw, its history and the load audit)."""
    from orchestration.serving.publish import ServingPaths
    from orchestration.settings import get_settings

    internal = ServingPaths(get_settings().serving_path).internal
    if not internal.exists():
        print(f"Nothing published yet at {internal}: run `eduwh build` first.", file=sys.stderr)
        return None
    return internal


def _serving_or_none():
    from orchestration.settings import get_settings

    serving = get_settings().serving_path
    if not serving.exists():
        print(f"Nothing published yet at {serving}: run `eduwh build` first.", file=sys.stderr)
        return None
    return serving


def _report(args: argparse.Namespace) -> int:
    """The plan-progress report of the serving warehouse, as a static HTML page."""
    from orchestration.reporting.report import build_report

    serving = _serving_or_none()
    if serving is None:
        return 1
    out = Path(args.out) if args.out else serving.parent / "report"
    page = build_report(serving, out, plan_id=args.plan)
    print(f"Plan progress report{f' of plan {args.plan}' if args.plan else ''}: {page}")
    return 0


def _audit(args: argparse.Namespace) -> int:
    """What the load audit of the last publish says, per extract, and the files and rows that
    were refused or quarantined (from the internal warehouse: quarantined rows stay inside)."""
    from orchestration.ingest.loaders import audit_summary

    internal = _internal_or_none()
    if internal is None:
        return 1
    print(f"Load audit of {internal}:")
    print(audit_summary(internal, extract=args.extract, region=args.region, year=args.year))
    return 0


def _plan(args) -> int:
    """eduwh plan extract / accept: a bureau's plan document in, reviewed targets out."""
    from orchestration.plans import (
        PlanRefused,
        extract_candidates,
        read_document,
        read_manifest,
        write_review_workbook,
    )
    from orchestration.plans.catalogue import accept
    from orchestration.settings import get_settings

    landing = get_settings().landing_dir
    try:
        if args.plan_command == "extract":
            path = Path(args.document).resolve()
            document = read_document(path, landing)
            manifest = read_manifest(path, landing)
            candidates = extract_candidates(document, manifest)
            out = Path(args.out) if args.out else path.with_name(f"{manifest.plan_id}.review.xlsx")
            write_review_workbook(candidates, document, manifest, out)
            unsure = sum(1 for c in candidates if c.unsure)
            print(
                f"{len(candidates)} candidate targets and baselines of {manifest.title} "
                f"({manifest.plan_id}), {unsure} with fields to check, written to {out}. "
                f"Mark each row 接受, 修改 or 拒绝 in column 决定, then run "
                f"`eduwh plan accept {out}`."
            )
            return 0
        plan = accept(Path(args.workbook).resolve(), landing)
    except PlanRefused as e:
        print(str(e), file=sys.stderr)
        return 2
    print(
        f"Accepted {len(plan.targets)} targets and {len(plan.baselines)} baselines of "
        f"{plan.manifest.title} ({plan.manifest.plan_id}) into the catalogue "
        f"(plans/accepted/{plan.workbook}); `eduwh build` enforces them."
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Every command and its options (tests list the commands from it)."""
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
            help="size of every region of synthetic size relative to its default (卧龙区 and "
            "巴南区 are always full size: their plans publish their figures)",
        )
        p.add_argument(
            "--tier",
            choices=("county", "city", "province"),
            default=None,
            help="a scale tier instead of the plans' regions (bench/run.py): county = 卧龙区, "
            "city = 洛阳市's 14 county-level units, province = every county-level unit of 河南省 "
            "(about 15 million pupils a year)",
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
    publish = sub.add_parser(
        "publish",
        help="write the public tier (region level, small cells suppressed) of the serving "
        "warehouse",
        description="What may leave the bureau: the region-level marts of the serving "
        "warehouse with small-cell suppression (EDUWH_SUPPRESSION_THRESHOLD, default 10) and "
        "complementary suppression over the region hierarchy, as DuckDB and Parquet in "
        "build/public/. `eduwh build` writes it too.",
    )
    which = publish.add_mutually_exclusive_group(required=True)
    which.add_argument("--public", action="store_true", help="the public tier")
    which.add_argument(
        "--postgres",
        action="store_true",
        help="the serving warehouse into PostgreSQL (EDUWH_POSTGRES_DSN), swapped in as one "
        "transaction, with row-level security by region",
    )
    which.add_argument(
        "--region",
        help="a file holding only this region and the regions under it (a city and its "
        "counties), readable by owner and group only: build/regions/<region>.duckdb",
    )
    access = sub.add_parser(
        "access",
        help="a bureau's role in the PostgreSQL serving database, seeing its region only",
    )
    access_sub = access.add_subparsers(dest="access_command", required=True)
    grant = access_sub.add_parser(
        "grant", help="create (or extend) a login role that sees a region and its descendants"
    )
    grant.add_argument("--region", required=True, help="region code, e.g. 411303")
    grant.add_argument("--role", required=True, help="role name, e.g. bureau_411303")
    grant.add_argument(
        "--password-env", help="environment variable holding the role's password (optional)"
    )
    revoke = access_sub.add_parser("revoke", help="remove a role's grants (one region or all)")
    revoke.add_argument("--role", required=True)
    revoke.add_argument("--region", help="only this region's grant")
    access_sub.add_parser("list", help="every role and the regions it sees")
    template = sub.add_parser(
        "template",
        help="write a region's reporting form (XLSX) of the figures its plan targets need",
        description="One row per indicator, breakdown and year that a region's plan targets "
        "need and no extract gives: Chinese name, unit, target and the plan's sentence, with "
        "empty 填报值 and 佐证材料 to fill in. The filled form, dropped into "
        "<landing>/indicator_reports/ as it is named, loads as the indicator_reports extract.",
    )
    template.add_argument("--region", required=True, help="region code, e.g. 411303")
    template.add_argument(
        "--year", type=int, action="append", help="only this year's figures (repeatable)"
    )
    template.add_argument("--out", help="folder for the form (default: build/forms)")
    template.add_argument("--reporting-unit", help="pre-fill 填报单位 (an organisation)")
    sub.add_parser("status", help="what the serving warehouse holds and which versions are kept")
    back = sub.add_parser("rollback", help="serve an earlier published version again")
    back.add_argument("--version", help="a kept version's file name (default: the newest)")
    build = sub.add_parser(
        "build",
        aliases=["run"],
        help="run the whole job: load, dbt build, plan targets, publish (with progress)",
        description="Run warehouse_job: load the landing folder into a fresh staging warehouse, "
        "build and test the dbt models, check the plan targets, and publish to the serving path "
        "only if every blocking check passed. Prints one line per step and asset as it goes; "
        "the full log goes to build/logs/.",
    )
    for p in (demo, build):
        p.add_argument("--verbose", action="store_true", help="stream the full run log")
    build.add_argument(
        "--no-progress", action="store_true", help="print only the summary at the end"
    )
    report = sub.add_parser(
        "report",
        help="write the plan-progress report (static HTML) of the serving warehouse",
        description="Per region, each targeted indicator's trend against its target and "
        "milestones, a region × indicator status heat map and the worst misses with the plan's "
        "own words. One self-contained HTML file that opens offline.",
    )
    report.add_argument("--out", help="folder for index.html (default: <serving dir>/report)")
    report.add_argument(
        "--plan",
        help="only this plan's targets (a plan_id of marts.dim_plan, e.g. "
        "410300_five_year_2021_2025)",
    )
    audit = sub.add_parser(
        "audit",
        help="summarise the load audit: rows read / loaded / quarantined, refused files",
        description="From raw._load_audit and raw._quarantine of the serving warehouse: per "
        "extract the current files and rows read = loaded + quarantined, every refused file with "
        "its reason, and the quarantine reasons with examples (file, row, column).",
    )
    audit.add_argument("--extract", choices=list(CONTRACTS), help="only this extract")
    audit.add_argument("--region", help="only files of this region code")
    audit.add_argument("--year", type=int, help="only files of this year")
    plan = sub.add_parser(
        "plan",
        help="add a plan: propose its targets for review, then accept the reviewed workbook",
        description="A plan document (.txt, .docx or .pdf with a text layer) and its manifest "
        "(<document>.manifest.json: title, region_code, kind five_year|three_year|annual, "
        "period_start, period_end, issue_date) go in <landing>/plans/. `extract` proposes the "
        "targets and baselines it finds in a review workbook; `accept` validates the reviewed "
        "workbook against the document and adds it to the catalogue the next build enforces.",
    )
    plan_sub = plan.add_subparsers(dest="plan_command", required=True)
    extract = plan_sub.add_parser("extract", help="write the review workbook of a plan document")
    extract.add_argument("document", help="the plan document, in <landing>/plans/")
    extract.add_argument("--out", help="workbook path (default: beside the document)")
    accepted = plan_sub.add_parser(
        "accept", help="validate a reviewed workbook and add its rows to the catalogue"
    )
    accepted.add_argument("workbook", help="the reviewed workbook (.xlsx)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    if args.command == "load":
        return _load(args)
    if args.command == "status":
        return _status(args)
    if args.command == "template":
        return _template(args)
    if args.command == "publish":
        return _publish_public(args)
    if args.command == "rollback":
        return _rollback(args)
    if args.command == "access":
        return _access(args)
    if args.command == "report":
        return _report(args)
    if args.command == "audit":
        return _audit(args)
    if args.command == "plan":
        return _plan(args)
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
    return _run_job(args.verbose, progress=not args.no_progress)


if __name__ == "__main__":
    sys.exit(main())
