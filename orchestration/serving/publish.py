"""Write-audit-publish: the warehouse people read is replaced only by a build that passed.

Every run works on a staging copy (`EDUWH_WAREHOUSE_PATH`), made fresh at the start of the run
from the internal warehouse of the last publish, so a failed run leaves nothing behind. When
loading, the dbt build (whose tests are errors) and the blocking integrity checks have passed:

- the staging file becomes the **internal** warehouse (`<serving dir>/internal/`, readable by
  its owner only): raw and its history, staging, intermediate models, marts — what the next run
  starts from and what `eduwh audit` reads;
- the **serving** file BI tools and analysts open is written from it with what they need and
  nothing more: the marts, the reference tables, and `meta` (`meta.published_version`: version,
  run, time, digest of the source files, catalogue version; `meta.published_tables`; the
  file-level load audit `meta.load_audit`). No raw or staging table, no pupil- or teacher-level
  row, no pseudonymous key reaches it. It is written beside the serving file and renamed over
  it: `os.replace` is atomic, so a reader sees the old version or the new one, never a
  half-written file, and a reader that has the old file open keeps reading it.

The replaced serving version is kept (hard link) for rollback, named by its own publish stamp;
the newest `EDUWH_KEEP_VERSIONS` are kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.failpoints import failpoint

VERSION_GLOB = "warehouse-*.duckdb"
# What the serving file holds: schemas copied whole from the internal warehouse (tables and
# views both become tables), and the internal tables published under `meta`.
SERVED_SCHEMAS = ("marts", "reference")
PUBLISHED_META = {"load_audit": "raw._load_audit"}
META_COMMENTS = {
    "published_version": "Grain: one row. Which version this file is: version (publish stamp), "
    "run_id, published_at, source_digest (the current source files), catalogue_version.",
    "published_tables": "Grain: one row per table of this file, with its row count.",
    "load_audit": "Grain: one row per delivered file version: rows read = loaded + quarantined, "
    "or why the file was refused.",
}
# The serving file is created readable by DuckDB 1.x clients (BI drivers lag behind releases).
STORAGE_COMPATIBILITY = os.environ.get("EDUWH_STORAGE_COMPATIBILITY", "v1.0.0")


@dataclass(frozen=True)
class ServingPaths:
    serving: Path

    @property
    def versions(self) -> Path:
        return self.serving.parent / "versions"

    @property
    def manifest(self) -> Path:
        return self.serving.with_suffix(".json")

    @property
    def internal(self) -> Path:
        """The whole warehouse of the last publish, which the next run starts from."""
        return self.serving.parent / "internal" / "warehouse.duckdb"


def _stamp() -> str:
    # microseconds: two publishes in one second must not collide
    return datetime.now().strftime("%Y%m%dT%H%M%S%f")


def fresh_staging(staging: Path, serving: Path) -> str:
    """Start a run from the internal warehouse of the last publish (or from nothing before the
    first publish)."""
    staging.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (staging, staging.with_name(staging.name + ".wal")):
        leftover.unlink(missing_ok=True)
    internal = ServingPaths(serving).internal
    if internal.exists():
        shutil.copy2(internal, staging)
        return f"staging copied from {internal}"
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
    for stale in [
        *serving.parent.glob(f".{serving.name}.*.tmp"),
        *paths.internal.parent.glob(f".{paths.internal.name}.*.tmp"),
    ]:
        stale.unlink()
    # DuckDB writes its last changes to the file on checkpoint; the staging file is closed, so
    # opening and checkpointing it makes sure no WAL is left beside it.
    with duckdb.connect(str(staging)) as con:
        con.execute("checkpoint")
    stamp = _stamp()
    tmp = serving.with_name(f".{serving.name}.{stamp}.tmp")
    write_serving_file(staging, tmp, stamp, run_id)
    failpoint("publish.copied")
    kept = versions(serving)
    # A publish killed between this link and the rename has kept the serving version already
    if serving.exists() and not (kept and os.path.samefile(kept[-1], serving)):
        os.link(serving, paths.versions / f"warehouse-{served_version(serving) or stamp}.duckdb")
    failpoint("publish.linked")
    _replace_internal(staging, paths.internal, stamp)
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


def _replace_internal(staging: Path, internal: Path, stamp: str) -> None:
    """The staging file becomes the internal warehouse (owner-only: it holds the pupil-level
    history), atomically. A publish killed after this and before the serving rename leaves the
    serving file as it was; the next run starts from the newer internal warehouse and
    publishes it."""
    internal.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(internal.parent, 0o700)
    tmp = internal.with_name(f".{internal.name}.{stamp}.tmp")
    shutil.copy2(staging, tmp)
    os.chmod(tmp, 0o600)
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, internal)


def _digest(con: duckdb.DuckDBPyConnection, sql: str) -> str | None:
    try:
        rows = con.execute(sql).fetchall()
    except duckdb.CatalogException:
        return None
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


def write_serving_file(staging: Path, out: Path, stamp: str, run_id: str) -> None:
    """The serving file at `out`: the marts and reference tables of `staging`, and `meta`."""
    out.unlink(missing_ok=True)
    with duckdb.connect(
        str(out), config={"storage_compatibility_version": STORAGE_COMPATIBILITY}
    ) as con:
        con.execute(f"attach '{staging}' as src (read_only)")
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'src' "
            "union all select schema_name, view_name from duckdb_views() "
            "where database_name = 'src' and not internal order by 1, 2"
        ).fetchall()
        copied = [(schema, name) for schema, name in tables if schema in SERVED_SCHEMAS]
        for schema in sorted({schema for schema, _ in copied}):
            con.execute(f'create schema "{schema}"')
        for schema, name in copied:
            con.execute(
                f'create table "{schema}"."{name}" as select * from src."{schema}"."{name}"'
            )
        _copy_comments(con, copied)
        con.execute("create schema meta")
        for name, source in PUBLISHED_META.items():
            schema, table = source.split(".")
            if (schema, table) in tables:
                con.execute(f"create table meta.{name} as select * from src.{source}")
        source_digest = _digest(
            con,
            "select extract, source_file, file_hash from src.raw._load_audit "
            "where is_current order by all",
        )
        catalogue = _digest(
            con, "select * exclude (origin) from src.marts.mart_plan_targets order by all"
        ) or _digest(con, "select * from src.reference.plan_targets order by all")
        con.execute("detach src")
        con.execute(
            "create table meta.published_version as select ? as version, ? as run_id, "
            "current_timestamp::timestamp as published_at, ? as source_digest, "
            "? as catalogue_version",
            [stamp, run_id or None, source_digest, catalogue],
        )
        con.execute("create table meta.published_tables (table_name varchar, row_count bigint)")
        for schema, name in con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = current_database() order by 1, 2"
        ).fetchall():
            if schema != "meta" or name in PUBLISHED_META:
                rows = con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
                con.execute(
                    "insert into meta.published_tables values (?, ?)", [f"{schema}.{name}", rows]
                )
        present = {
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'meta'"
            ).fetchall()
        }
        for table, comment in META_COMMENTS.items():
            if table in present:
                con.execute(f"comment on table meta.{table} is {_lit(comment)}")
        con.execute("checkpoint")
    with out.open("rb") as fh:
        os.fsync(fh.fileno())


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _copy_comments(con: duckdb.DuckDBPyConnection, copied: list[tuple[str, str]]) -> None:
    """The models' descriptions (dbt persist_docs) as table and column comments of the serving
    file, where BI tools read them (duckdb_columns().comment, JDBC REMARKS)."""
    wanted = set(copied)
    for schema, name, comment in con.execute(
        "select schema_name, table_name, comment from duckdb_tables() "
        "where database_name = 'src' and comment is not null "
        "union all select schema_name, view_name, comment from duckdb_views() "
        "where database_name = 'src' and comment is not null"
    ).fetchall():
        if (schema, name) in wanted:
            con.execute(f'comment on table "{schema}"."{name}" is {_lit(comment)}')
    for schema, name, column, comment in con.execute(
        "select schema_name, table_name, column_name, comment from duckdb_columns() "
        "where database_name = 'src' and comment is not null"
    ).fetchall():
        if (schema, name) in wanted:
            con.execute(f'comment on column "{schema}"."{name}"."{column}" is {_lit(comment)}')


def served_meta(path: Path) -> dict | None:
    """What a serving file says of itself (meta.published_version), or None."""
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            cursor = con.execute("select * from meta.published_version")
            names = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
    except (duckdb.CatalogException, duckdb.IOException):
        return None
    return dict(zip(names, rows[0], strict=True)) if rows else None


def served_version(path: Path) -> str | None:
    """The version (publish stamp) a serving file holds."""
    meta = served_meta(path)
    return meta["version"] if meta else None


def versions(serving: Path) -> list[Path]:
    return sorted(ServingPaths(serving).versions.glob(VERSION_GLOB))


def rollback(serving: Path, version: str | None = None) -> Path:
    """Serve an earlier version again (the newest kept one by default); the current one is kept
    as a version too, so a rollback can itself be undone."""
    kept = versions(serving)
    if not kept:
        raise NothingKept(
            f"No earlier version is kept beside {serving}, so there is nothing to roll back to "
            "(versions are kept from the second publish on; EDUWH_KEEP_VERSIONS sets how many)."
        )
    chosen = kept[-1] if version is None else ServingPaths(serving).versions / version
    if not chosen.exists():
        names = ", ".join(p.name for p in kept)
        raise NothingKept(f"{version} is not a kept version (kept: {names}).")
    stamp = _stamp()
    tmp = serving.with_name(f".{serving.name}.{stamp}.tmp")
    shutil.copy2(chosen, tmp)
    if serving.exists():
        current = served_version(serving) or f"{stamp}-replaced"
        keep_as = ServingPaths(serving).versions / f"warehouse-{current}.duckdb"
        if not keep_as.exists():
            os.link(serving, keep_as)
    os.replace(tmp, serving)
    chosen.unlink()  # it is the serving file now; kept again under its name when replaced
    paths = ServingPaths(serving)
    info = json.loads(paths.manifest.read_text()) if paths.manifest.exists() else {}
    meta = served_meta(serving) or {}
    info.update(
        published_at=meta.get("version", info.get("published_at")),
        run_id=meta.get("run_id") or "",
        rolled_back_at=stamp,
        tables=table_counts(serving),
    )
    paths.manifest.write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    return chosen


class NothingKept(FileNotFoundError):
    """Rollback has no such kept version; the message is one sentence."""


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
