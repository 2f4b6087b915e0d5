"""The serving warehouse in PostgreSQL, for BI servers that hold pooled connections.

The DuckDB serving file stays the embedded default; when `EDUWH_POSTGRES_DSN` is set, every
publish (and every rollback) also writes what the file holds — the marts, the reference tables
and `meta`, with their comments — into PostgreSQL:

- **Swapped in one transaction.** Each schema is loaded under a new name (`marts__<version>`),
  then one transaction renames the served schema away, renames the new one into its place and
  drops the old one. A pooled connection's next query resolves `marts.…` again and reads the new
  version (PostgreSQL re-plans prepared statements whose tables were dropped); a query running
  during the swap finishes on the old version, and the swap waits for it.
- **Types every JDBC tool reads.** Integers stay `integer`/`bigint`, so `sum()` is `bigint` or
  `numeric`; doubles are `double precision`; no type maps to JDBC's OTHER.
- **Access by region.** Every table with a `region_code` column has row-level security: a role
  sees the rows of the regions granted to it (`access.region_grants`, written by
  `eduwh access grant`) and of their descendants in `marts.dim_region`, nothing else. A province
  bureau's role sees its province, a city's its city and counties, a county's its county and its
  schools. Readers are members of `eduwh_reader`, which may read the served schemas; the
  publishing role owns the tables and sees everything.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import duckdb

from orchestration.serving.publish import SERVED_SCHEMAS, served_meta

READER_ROLE = "eduwh_reader"
PG_SCHEMAS = (*SERVED_SCHEMAS, "meta")
REGION_COLUMN = "region_code"
REPLACED = "__replaced"
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# DuckDB's types and the PostgreSQL types they are served as.
PG_TYPES = {
    "VARCHAR": "text",
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20, 0)",
    "HUGEINT": "numeric(38, 0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}
DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")

ACCESS_DDL = f"""
-- the function below reads marts.dim_region, which does not exist before the first swap
set check_function_bodies = off;
create schema if not exists access;
revoke all on schema access from public;
create table if not exists access.region_grants (
    role_name text not null,
    region_code text not null,
    granted_at timestamptz not null default now(),
    primary key (role_name, region_code)
);
comment on table access.region_grants is
    'Grain: one row per role and granted region. The role (and its members) sees the rows of '
    'this region and of its descendants in marts.dim_region.';
-- The regions a role may see: its granted regions and their descendants. Security definer so it
-- reads the grants and dim_region past their own row-level security; the policies pass the
-- querying role, and membership counts (a login role in a bureau's group role).
create or replace function access.visible_regions(who name) returns setof text
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    with recursive visible (region_code) as (
        select g.region_code from access.region_grants as g
        inner join pg_catalog.pg_roles as r on g.role_name = r.rolname
        where pg_has_role(who, r.oid, 'MEMBER')
        union
        select r.region_code from marts.dim_region as r
        inner join visible as v on r.parent_code = v.region_code
    )
    select region_code from visible
$$;
revoke all on function access.visible_regions(name) from public;
do $$ begin
    if not exists (select from pg_roles where rolname = '{READER_ROLE}') then
        create role {READER_ROLE} nologin;
    end if;
end $$;
grant usage on schema access to {READER_ROLE};
grant execute on function access.visible_regions(name) to {READER_ROLE};
"""


class PostgresServingError(RuntimeError):
    """Publishing to or granting in PostgreSQL failed; the message is one sentence."""


def dsn_from_env() -> str | None:
    return os.environ.get("EDUWH_POSTGRES_DSN") or None


def _connect(dsn: str):
    import psycopg

    try:
        return psycopg.connect(dsn)
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PostgresServingError(
            f"Could not connect to the PostgreSQL serving database ({first}); check "
            "EDUWH_POSTGRES_DSN."
        ) from exc


def _pg_type(duck_type: str, where: str) -> str:
    if duck_type in PG_TYPES:
        return PG_TYPES[duck_type]
    if match := DECIMAL.match(duck_type):
        return f"numeric({match[1]}, {match[2]})"
    raise PostgresServingError(f"{where} has type {duck_type}, which has no PostgreSQL mapping.")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str | None) -> str:
    return "null" if text is None else "'" + text.replace("'", "''") + "'"


def publish_to_postgres(serving: Path, dsn: str) -> dict:
    """Load the serving file's schemas into PostgreSQL and swap them in; returns the version and
    the row count of each table."""
    meta = served_meta(serving)
    if meta is None:
        raise PostgresServingError(f"{serving} has no meta.published_version: publish it first.")
    version = str(meta["version"])
    suffix = "__" + re.sub(r"[^0-9a-z]", "", version.lower())
    with duckdb.connect(str(serving), read_only=True) as duck:
        tables = duck.execute(
            "select schema_name, table_name, comment from duckdb_tables() "
            "where schema_name in (select unnest(?)) order by 1, 2",
            [list(PG_SCHEMAS)],
        ).fetchall()
        columns: dict[tuple[str, str], list[tuple[str, str, str | None]]] = {}
        for schema, table, column, dtype, comment in duck.execute(
            "select schema_name, table_name, column_name, data_type, comment "
            "from duckdb_columns() where schema_name in (select unnest(?)) "
            "order by schema_name, table_name, column_index",
            [list(PG_SCHEMAS)],
        ).fetchall():
            columns.setdefault((schema, table), []).append((column, dtype, comment))
        counts: dict[str, int] = {}
        with _connect(dsn) as pg, tempfile.TemporaryDirectory(prefix="eduwh-pg-") as tmp:
            pg.execute(ACCESS_DDL)
            for schema in PG_SCHEMAS:
                # left over by a publish that stopped before its swap
                pg.execute(f"drop schema if exists {_ident(schema + REPLACED)} cascade")
                pg.execute(f"drop schema if exists {_ident(schema + suffix)} cascade")
                pg.execute(f"create schema {_ident(schema + suffix)}")
            for schema, table, comment in tables:
                target = f"{_ident(schema + suffix)}.{_ident(table)}"
                cols = columns[(schema, table)]
                ddl = ", ".join(
                    f"{_ident(c)} {_pg_type(t, f'{schema}.{table}.{c}')}" for c, t, _ in cols
                )
                pg.execute(f"create table {target} ({ddl})")
                counts[f"{schema}.{table}"] = _copy_rows(duck, pg, schema, table, target, tmp)
                pg.execute(f"comment on table {target} is {_lit(comment)}")
                for column, _, col_comment in cols:
                    if col_comment:
                        pg.execute(
                            f"comment on column {target}.{_ident(column)} is {_lit(col_comment)}"
                        )
                if any(c == REGION_COLUMN for c, _, _ in cols):
                    pg.execute(f"alter table {target} enable row level security")
                    pg.execute(
                        f"create policy by_region on {target} for select using "
                        f"({REGION_COLUMN} in (select access.visible_regions(current_user)))"
                    )
                pg.execute(f"analyze {target}")
            for schema in PG_SCHEMAS:
                pg.execute(f"grant usage on schema {_ident(schema + suffix)} to {READER_ROLE}")
                pg.execute(
                    f"grant select on all tables in schema {_ident(schema + suffix)} "
                    f"to {READER_ROLE}"
                )
            pg.commit()
            # The swap: one transaction, so a reader sees the old schemas or the new ones.
            with pg.transaction():
                for schema in PG_SCHEMAS:
                    if _schema_exists(pg, schema):
                        pg.execute(
                            f"alter schema {_ident(schema)} rename to {_ident(schema + REPLACED)}"
                        )
                    pg.execute(f"alter schema {_ident(schema + suffix)} rename to {_ident(schema)}")
                for schema in PG_SCHEMAS:
                    pg.execute(f"drop schema if exists {_ident(schema + REPLACED)} cascade")
    return {"version": version, "tables": counts}


def _schema_exists(pg, schema: str) -> bool:
    found = pg.execute("select 1 from pg_namespace where nspname = %s", [schema]).fetchone()
    return found is not None


def _copy_rows(duck, pg, schema: str, table: str, target: str, tmp: str) -> int:
    """Rows through CSV (DuckDB writes it, PostgreSQL's COPY reads it): fast, and NULL stays
    distinct from an empty string (DuckDB quotes empty strings; an unquoted empty field is NULL)."""
    path = Path(tmp) / f"{schema}.{table}.csv"
    duck.execute(
        f'copy (select * from "{schema}"."{table}") to \'{path}\' (format csv, header false)'
    )
    with (
        pg.cursor() as cur,
        cur.copy(f"copy {target} from stdin (format csv)") as copy,
        path.open("rb") as fh,
    ):
        while chunk := fh.read(1 << 20):
            copy.write(chunk)
    path.unlink()
    return pg.execute(f"select count(*) from {target}").fetchone()[0]


def pg_served_meta(dsn: str) -> dict | None:
    """What PostgreSQL serves (its meta.published_version), or None before the first publish."""
    with _connect(dsn) as pg:
        if not _schema_exists(pg, "meta"):
            return None
        cur = pg.execute("select * from meta.published_version")
        row = cur.fetchone()
        return dict(zip([d.name for d in cur.description], row, strict=True)) if row else None


def grant_region_access(dsn: str, role: str, region_code: str, password: str | None = None) -> str:
    """Create (or extend) a bureau's role: it logs in, reads the served schemas, and sees the
    rows of `region_code` and its descendants. Returns a sentence saying what it may see."""
    if not ROLE_NAME.match(role):
        raise PostgresServingError(
            f"{role!r} is not a usable role name: use lower-case letters, digits and underscores, "
            "starting with a letter (for example bureau_411303)."
        )
    with _connect(dsn) as pg:
        if not _schema_exists(pg, "marts"):
            raise PostgresServingError(
                "The PostgreSQL serving database holds no published warehouse yet: run "
                "`eduwh publish --postgres` (or a build with EDUWH_POSTGRES_DSN set) first."
            )
        region = pg.execute(
            "select region_name, region_level from marts.dim_region where region_code = %s",
            [region_code],
        ).fetchone()
        if region is None:
            raise PostgresServingError(
                f"Region {region_code} is not in marts.dim_region: give a current 6-digit "
                "region code."
            )
        pg.execute(ACCESS_DDL)
        exists = pg.execute("select 1 from pg_roles where rolname = %s", [role]).fetchone()
        if not exists:
            pg.execute(f"create role {_ident(role)} login")
        if password is not None:
            pg.execute(f"alter role {_ident(role)} password {_lit(password)}")
        pg.execute(f"grant {READER_ROLE} to {_ident(role)}")
        pg.execute(
            "insert into access.region_grants (role_name, region_code) values (%s, %s) "
            "on conflict do nothing",
            [role, region_code],
        )
        seen = pg.execute("select count(*) from access.visible_regions(%s)", [role]).fetchone()[0]
    name, level = region
    return (
        f"Role {role} sees {name} ({region_code}, {level}) and its descendants: "
        f"{seen} region codes in all."
    )


def revoke_region_access(dsn: str, role: str, region_code: str | None = None) -> int:
    """Remove a role's grants (one region, or all); returns how many were removed. The role
    itself stays (it may own other things); with no grant it sees no region's rows."""
    with _connect(dsn) as pg:
        pg.execute(ACCESS_DDL)
        sql = "delete from access.region_grants where role_name = %s"
        args: list[str] = [role]
        if region_code:
            sql += " and region_code = %s"
            args.append(region_code)
        return pg.execute(sql, args).rowcount


def list_region_access(dsn: str) -> list[tuple[str, str, str]]:
    with _connect(dsn) as pg:
        pg.execute(ACCESS_DDL)
        return pg.execute(
            "select role_name, region_code, to_char(granted_at, 'YYYY-MM-DD HH24:MI') "
            "from access.region_grants order by 1, 2"
        ).fetchall()
