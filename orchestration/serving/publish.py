"""Write-audit-publish: the warehouse people read is replaced only by a build that passed.

Every run works on a staging copy (`EDUWH_WAREHOUSE_PATH`), made fresh from the serving file at
the start of the run, so a failed run leaves nothing behind. When loading, the dbt build (whose
tests are errors) and the blocking integrity checks have passed, the staging file is copied
next to the serving file and renamed over it: `os.replace` is atomic, so a reader sees the old
version or the new one, never a half-written file, and a reader that has the old file open
keeps reading it. The replaced version is kept (hard link) for rollback; the newest
`EDUWH_KEEP_VERSIONS` are kept.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.failpoints import failpoint

VERSION_GLOB = "warehouse-*.duckdb"


@dataclass(frozen=True)
class ServingPaths:
    serving: Path

    @property
    def versions(self) -> Path:
        return self.serving.parent / "versions"

    @property
    def manifest(self) -> Path:
        return self.serving.with_suffix(".json")


def _stamp() -> str:
    # microseconds: two publishes in one second must not collide
    return datetime.now().strftime("%Y%m%dT%H%M%S%f")


def fresh_staging(staging: Path, serving: Path) -> str:
    """Start a run from the published warehouse (or from nothing before the first publish)."""
    staging.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (staging, staging.with_name(staging.name + ".wal")):
        leftover.unlink(missing_ok=True)
    if serving.exists():
        shutil.copy2(serving, staging)
        return f"staging copied from {serving}"
    return "no published warehouse yet: staging starts empty"


def table_counts(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' order by 1"
        ).fetchall()
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for (t,) in tables}


def publish(staging: Path, serving: Path, keep: int, run_id: str = "") -> dict:
    """Atomically replace the serving warehouse with the staging one; keep the old version."""
    paths = ServingPaths(serving)
    serving.parent.mkdir(parents=True, exist_ok=True)
    paths.versions.mkdir(exist_ok=True)
    # A publish killed before its rename leaves its temporary copy, a whole warehouse, beside
    # the serving file; runs write one at a time (the writer pool), so any found is stale.
    for stale in serving.parent.glob(f".{serving.name}.*.tmp"):
        stale.unlink()
    # DuckDB writes its last changes to the file on checkpoint; the staging file is closed, so
    # opening and checkpointing it makes sure no WAL is left beside it.
    with duckdb.connect(str(staging)) as con:
        con.execute("checkpoint")
    stamp = _stamp()
    tmp = serving.with_name(f".{serving.name}.{stamp}.tmp")
    shutil.copy2(staging, tmp)
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    failpoint("publish.copied")
    kept = versions(serving)
    # A publish killed between this link and the rename has kept the serving version already
    if serving.exists() and not (kept and os.path.samefile(kept[-1], serving)):
        os.link(serving, paths.versions / f"warehouse-{stamp}.duckdb")
    failpoint("publish.linked")
    os.replace(tmp, serving)
    info = {
        "published_at": stamp,
        "run_id": run_id,
        "source": str(staging),
        "tables": table_counts(serving),
    }
    paths.manifest.write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    for old in sorted(paths.versions.glob(VERSION_GLOB))[:-keep] if keep else []:
        old.unlink()
    return info


def versions(serving: Path) -> list[Path]:
    return sorted(ServingPaths(serving).versions.glob(VERSION_GLOB))


def rollback(serving: Path, version: str | None = None) -> Path:
    """Serve an earlier version again (the newest kept one by default); the current one is kept
    as a version too, so a rollback can itself be undone."""
    kept = versions(serving)
    if not kept:
        raise FileNotFoundError(f"no earlier version is kept beside {serving}")
    chosen = kept[-1] if version is None else ServingPaths(serving).versions / version
    if not chosen.exists():
        names = ", ".join(p.name for p in kept)
        raise FileNotFoundError(f"{version} is not a kept version (kept: {names})")
    stamp = _stamp()
    tmp = serving.with_name(f".{serving.name}.{stamp}.tmp")
    shutil.copy2(chosen, tmp)
    if serving.exists():
        os.link(serving, ServingPaths(serving).versions / f"warehouse-{stamp}-replaced.duckdb")
    os.replace(tmp, serving)
    return chosen


def export_parquet(serving: Path, out_dir: Path) -> dict[str, int]:
    """Every mart of the serving warehouse as Parquet for tools without a DuckDB driver, one
    folder per table, partitioned by year where the table has one (`year=2024/…`). Rebuilt from
    scratch so a dropped mart does not linger."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    exported = {}
    with duckdb.connect(str(serving), read_only=True) as con:
        tables = con.execute(
            "select table_name, bool_or(column_name = 'year') from information_schema.columns "
            "where table_schema = 'marts' group by 1 order by 1"
        ).fetchall()
        for table, has_year in tables:
            target = out_dir / table
            options = "format parquet, partition_by (year)" if has_year else "format parquet"
            path = target if has_year else target.with_suffix(".parquet")
            con.execute(f"copy (select * from marts.{table}) to '{path}' ({options})")
            exported[table] = con.execute(f"select count(*) from marts.{table}").fetchone()[0]
    return exported
