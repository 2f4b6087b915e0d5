"""The PostgreSQL serving database (orchestration/serving/postgres.py) as BI servers use it: a
pooled connection sees a new version on its next query, a bureau's role sees its own region and
the regions under it and nothing else, and the types and comments are what JDBC tools read.

Built from what the pipeline run of tests/pipeline.py published (卧龙区 and 洛阳市 in 河南省; the
region dimension holds every region of China), published again as two versions."""

from __future__ import annotations

import shutil

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from orchestration.serving.postgres import (
    PostgresServingError,
    grant_region_access,
    publish_to_postgres,
)
from orchestration.serving.publish import ServingPaths, publish, served_version

COUNTY, CITY, PROVINCE = "411303", "410300", "410000"
# what JDBC drivers map to a java.sql.Types other than OTHER
JDBC_READABLE = {
    "text", "integer", "bigint", "smallint", "double precision", "real", "numeric", "boolean",
    "date", "timestamp without time zone", "timestamp with time zone",
}  # fmt: skip


@pytest.fixture(scope="module")
def served(baseline_run, pg_cluster, tmp_path_factory):
    """Version 1 of the pipeline's warehouse served from a file and from PostgreSQL, with a
    role for a county, a city and a province bureau (and one with no grant)."""
    _, warehouse, _, _ = baseline_run
    root = tmp_path_factory.mktemp("pg_serving")
    staging, serving = root / "staging.duckdb", root / "serving" / "warehouse.duckdb"
    shutil.copy2(ServingPaths(warehouse.parent / "serving" / "warehouse.duckdb").internal, staging)
    publish(staging, serving, keep=3, run_id="run-1")
    publish_to_postgres(serving, pg_cluster.dsn())
    for role, region in (("county_bureau", COUNTY), ("city_bureau", CITY)):
        grant_region_access(pg_cluster.dsn(), role, region)
    grant_region_access(pg_cluster.dsn(), "province_bureau", PROVINCE)
    with psycopg.connect(pg_cluster.dsn(), autocommit=True) as con:
        con.execute("create role no_grant login in role eduwh_reader")
    return staging, serving


def region_tables(con) -> list[str]:
    return [
        f"{s}.{t}"
        for s, t in con.execute(
            "select table_schema, table_name from information_schema.columns "
            "where column_name = 'region_code' and table_schema in ('marts', 'reference', 'meta') "
            "order by 1, 2"
        ).fetchall()
    ]


def test_a_pooled_connection_sees_the_new_version_on_its_next_query(served, pg_cluster):
    """As a BI server holds connections: one pooled PostgreSQL connection and Superset's
    SQLAlchemy engine (duckdb-engine, read-only) stay open across a publish."""
    import sqlalchemy
    from sqlalchemy.pool import NullPool

    staging, serving = served
    version_sql = "select version, run_id from meta.published_version"
    superset = sqlalchemy.create_engine(
        f"duckdb:///{serving}", connect_args={"read_only": True}, poolclass=NullPool
    )
    with ConnectionPool(pg_cluster.dsn(user="county_bureau"), min_size=1, max_size=1) as pool:
        with pool.connection() as con:
            pid = con.info.backend_pid
            # more than psycopg's prepare threshold: the statement is server-side prepared
            for _ in range(7):
                first = con.execute(version_sql).fetchone()
        with superset.connect() as bi:
            assert tuple(bi.execute(sqlalchemy.text(version_sql)).one()) == first
        assert first == (served_version(serving), "run-1")

        publish(staging, serving, keep=3, run_id="run-2")
        publish_to_postgres(serving, pg_cluster.dsn())

        with pool.connection() as con:
            assert con.info.backend_pid == pid  # the same connection, never reopened
            second = con.execute(version_sql).fetchone()
            # and what the county sees of a mart is the new schema's
            regions = con.execute("select distinct region_code from marts.mart_indicator_values")
            assert regions.fetchall() == [(COUNTY,)]
        with superset.connect() as bi:
            assert tuple(bi.execute(sqlalchemy.text(version_sql)).one()) == second
    assert second == (served_version(serving), "run-2") and second != first
    with psycopg.connect(pg_cluster.dsn()) as admin:
        schemas = {s for (s,) in admin.execute("select nspname from pg_namespace").fetchall()}
    assert {"marts", "reference", "meta"} <= schemas
    assert not [s for s in schemas if "__" in s]  # no loading or replaced schema left behind


def test_a_bureau_role_sees_its_region_and_the_regions_under_it_only(served, pg_cluster):
    with psycopg.connect(pg_cluster.dsn()) as admin:
        tables = region_tables(admin)
        parent = dict(admin.execute("select region_code, parent_code from marts.dim_region"))
        everything = {
            t: set(admin.execute(f"select distinct region_code from {t}").fetchall())
            for t in tables
        }

    def under(code: str, root: str) -> bool:
        while code is not None:
            if code == root:
                return True
            code = parent.get(code)
        return False

    assert "marts.mart_indicator_values" in tables and "marts.fct_class" in tables
    seen = {}
    for role in ("county_bureau", "city_bureau", "province_bureau", "no_grant"):
        with psycopg.connect(pg_cluster.dsn(user=role)) as con:
            seen[role] = {
                t: {c for (c,) in con.execute(f"select distinct region_code from {t}").fetchall()}
                for t in tables
            }
            # tables without a region column are readable by every bureau
            assert con.execute("select count(*) from marts.dim_indicator").fetchone()[0] > 0
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                con.execute("select * from access.region_grants")
    for table in tables:
        county, city, province = (seen[r][table] for r in ("county_bureau", "city_bureau",
                                                          "province_bureau"))  # fmt: skip
        assert all(c == COUNTY for c in county), (table, county)
        assert all(under(c, CITY) for c in city), (table, city)
        assert all(under(c, PROVINCE) for c in province), (table, province)
        assert seen["no_grant"][table] == set()
        # and row-level security hides nothing a role should see
        assert county == {c for (c,) in everything[table] if c == COUNTY}
        assert city == {c for (c,) in everything[table] if under(c, CITY)}
    assert seen["county_bureau"]["marts.fct_class"] == {COUNTY}
    assert {CITY, "410302"} <= seen["city_bureau"]["marts.mart_indicator_values"]
    assert COUNTY in seen["province_bureau"]["marts.mart_indicator_values"]
    # every region of China is in dim_region; a province's bureau sees its own province's only
    assert len(seen["province_bureau"]["marts.dim_region"]) > 100
    assert all(c.startswith("41") for c in seen["province_bureau"]["marts.dim_region"])


def test_types_are_jdbc_readable_and_the_descriptions_are_comments(served, pg_cluster):
    import duckdb

    _, serving = served
    with psycopg.connect(pg_cluster.dsn(user="city_bureau")) as con:
        types = dict(
            con.execute(
                "select table_schema || '.' || table_name || '.' || column_name, data_type "
                "from information_schema.columns where table_schema in "
                "('marts', 'reference', 'meta')"
            ).fetchall()
        )
        assert set(types.values()) <= JDBC_READABLE, set(types.values()) - JDBC_READABLE
        counts = [c for c, t in types.items() if c.startswith("marts.") and t == "integer"]
        assert counts
        total = con.execute(
            "select pg_typeof(sum(pupils))::text from marts.fct_enrolment"
        ).fetchone()[0]
        assert total in {"bigint", "numeric"}
        comments = dict(
            con.execute(
                "select c.relname || '.' || a.attname, col_description(c.oid, a.attnum) "
                "from pg_class as c join pg_namespace as n on n.oid = c.relnamespace "
                "join pg_attribute as a on a.attrelid = c.oid and a.attnum > 0 "
                "where n.nspname = 'marts' and col_description(c.oid, a.attnum) is not null"
            ).fetchall()
        )
        table_comment = con.execute(
            "select obj_description('marts.mart_indicator_values'::regclass, 'pg_class')"
        ).fetchone()[0]
    with duckdb.connect(str(serving), read_only=True) as duck:
        expected = dict(
            duck.execute(
                "select table_name || '.' || column_name, comment from duckdb_columns() "
                "where schema_name = 'marts' and comment <> ''"
            ).fetchall()
        )
        expected_table = duck.execute(
            "select comment from duckdb_tables() where table_name = 'mart_indicator_values'"
        ).fetchone()[0]
    assert len(expected) > 100 and comments == expected
    assert table_comment == expected_table and "Grain" in table_comment


def test_a_grant_names_what_it_refuses(served, pg_cluster):
    with pytest.raises(PostgresServingError, match="999999 is not in marts.dim_region"):
        grant_region_access(pg_cluster.dsn(), "nobody", "999999")
    with pytest.raises(PostgresServingError, match="not a usable role name"):
        grant_region_access(pg_cluster.dsn(), "Robert'); drop table x; --", COUNTY)
    with pytest.raises(PostgresServingError, match="Could not connect"):
        publish_to_postgres(served[1], pg_cluster.dsn(dbname="no_such_database"))


def test_the_cli_publishes_grants_and_rolls_back_postgres_with_the_file(
    served, pg_cluster, monkeypatch, capsys
):
    """`eduwh publish --postgres`, `eduwh access grant|list`, and `eduwh rollback` with
    EDUWH_POSTGRES_DSN set: PostgreSQL serves the version the file serves."""
    from orchestration.cli import main

    _, serving = served
    monkeypatch.setenv("EDUWH_SERVING_PATH", str(serving))
    monkeypatch.setenv("EDUWH_POSTGRES_DSN", pg_cluster.dsn())

    def pg_version() -> str:
        with psycopg.connect(pg_cluster.dsn()) as con:
            return con.execute("select version from meta.published_version").fetchone()[0]

    assert main(["publish", "--postgres"]) == 0
    assert f"PostgreSQL now serves version {served_version(serving)}" in capsys.readouterr().out
    assert main(["access", "grant", "--region", CITY, "--role", "cli_bureau"]) == 0
    assert "Role cli_bureau sees 洛阳市 (410300, prefecture)" in capsys.readouterr().out
    assert main(["access", "list"]) == 0
    assert "cli_bureau" in capsys.readouterr().out
    assert main(["access", "grant", "--region", "4113", "--role", "x"]) == 1
    assert "4113 is not in marts.dim_region" in capsys.readouterr().err

    before = pg_version()
    assert before == served_version(serving)
    assert main(["rollback"]) == 0
    assert "and PostgreSQL rebuilt" in capsys.readouterr().out
    assert pg_version() == served_version(serving) != before
    assert main(["status"]) == 0
    assert f"PostgreSQL (EDUWH_POSTGRES_DSN): version {pg_version()}, the same as the file" in (
        capsys.readouterr().out
    )

    monkeypatch.delenv("EDUWH_POSTGRES_DSN")
    assert main(["publish", "--postgres"]) == 1
    assert "EDUWH_POSTGRES_DSN is not set" in capsys.readouterr().err


def test_the_job_serves_postgres_when_the_dsn_is_set_and_says_so_when_not(
    served, pg_cluster, monkeypatch
):
    from dagster import materialize

    from orchestration.definitions.serving import postgres_serving

    _, serving = served
    monkeypatch.setenv("EDUWH_SERVING_PATH", str(serving))
    monkeypatch.delenv("EDUWH_POSTGRES_DSN", raising=False)
    skipped = materialize([postgres_serving]).asset_materializations_for_node(
        postgres_serving.op.name
    )
    assert skipped[0].metadata["skipped"].value == "EDUWH_POSTGRES_DSN is not set"
    monkeypatch.setenv("EDUWH_POSTGRES_DSN", pg_cluster.dsn())
    done = materialize([postgres_serving]).asset_materializations_for_node(postgres_serving.op.name)
    assert done[0].metadata["version"].value == served_version(serving)
    assert done[0].metadata["rows"].value > 100_000
