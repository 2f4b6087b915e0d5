"""Two serving warehouses hold the same marts: the same tables, columns and types, the same rows,
numbers equal within a relative 1e-9 (engines sum floating-point numbers in different orders).
Used by the two-engine test and `bench/engines.py`."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb

FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL"}
REL_TOL = 1e-9


def _columns(
    con: duckdb.DuckDBPyConnection, db: str, schema: str
) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for table, column, dtype in con.execute(
        "select table_name, column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = ? order by table_name, column_index",
        [db, schema],
    ).fetchall():
        found.setdefault(table, []).append((column, dtype))
    return found


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=REL_TOL, abs_tol=0)
    return a == b


def mart_differences(
    left: Path, right: Path, schema: str = "marts", types: bool = True, limit: int = 5
) -> list[str]:
    """What differs between a schema's tables in two DuckDB files, one sentence each (empty:
    equal). `types=False` compares column names and values only (seeds: each engine infers
    the types of the columns a seed does not declare)."""
    problems: list[str] = []
    with duckdb.connect() as con:
        con.execute(f"attach '{left}' as l (read_only)")
        con.execute(f"attach '{right}' as r (read_only)")
        lcols, rcols = _columns(con, "l", schema), _columns(con, "r", schema)
        for table in sorted(set(lcols) ^ set(rcols)):
            problems.append(f"{schema}.{table} is in only one of {left.name} and {right.name}.")
        for table in sorted(set(lcols) & set(rcols)):
            names = ([c for c, _ in lcols[table]], [c for c, _ in rcols[table]])
            if (lcols[table] != rcols[table]) if types else (names[0] != names[1]):
                problems.append(
                    f"{schema}.{table} has columns {lcols[table]} on one side and "
                    f"{rcols[table]} on the other."
                )
                continue
            # rows in a canonical order: floats rounded for ordering only, compared with a
            # relative tolerance below
            order = ", ".join(
                f'round("{c}", 6)' if t in FLOAT_TYPES else f'"{c}"' for c, t in lcols[table]
            )
            rows = {
                side: con.execute(
                    f'select * from {side}.{schema}."{table}" order by {order} nulls first'
                ).fetchall()
                for side in ("l", "r")
            }
            if len(rows["l"]) != len(rows["r"]):
                problems.append(
                    f"{schema}.{table} has {len(rows['l'])} rows on one side and {len(rows['r'])} "
                    "on the other."
                )
                continue
            bad = [
                (a, b)
                for a, b in zip(rows["l"], rows["r"], strict=True)
                if not all(_same(x, y) for x, y in zip(a, b, strict=True))
            ]
            for a, b in bad[:limit]:
                problems.append(f"{schema}.{table} differs: {a} against {b}.")
            if len(bad) > limit:
                problems.append(f"{schema}.{table}: {len(bad) - limit} more rows differ.")
    return problems
