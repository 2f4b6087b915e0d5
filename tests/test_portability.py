"""The dbt project stays portable (issue 19: the same models on Spark): no DuckDB-only type
name or function in models, macros, seed and model YAML or dbt_project.yml. `string` and
`{{ dbt.type_string() }}` work on both engines (DuckDB reads `string` as VARCHAR)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import PROJECT_DIR

# type names only DuckDB (and PostgreSQL) know; Spark fails on varchar without a length
DUCKDB_TYPES = ("varchar", "hugeint", "uhugeint", "ubigint", "uinteger", "usmallint", "utinyint")
# functions and syntax Spark SQL lacks (it has rlike, date_format, max_by, explode instead)
DUCKDB_FUNCTIONS = (
    "list_contains", "list_value", "struct_pack", "regexp_full_match", "regexp_matches",
    "strftime", "strptime", "epoch_ms", "string_agg", "arg_max", "arg_min", "unnest",
    "try_cast", "ilike", "qualify",
)  # fmt: skip
PATTERN = re.compile(
    r"(?i)(::\s*\w+|\b(" + "|".join(DUCKDB_TYPES) + r")\b|\b(" + "|".join(DUCKDB_FUNCTIONS)
    + r")\s*\(|\bexclude\s*\(|escape\s+'\\')"
)  # fmt: skip


def _code(text: str, suffix: str) -> str:
    """The text without comments (SQL `--` and Jinja `{# #}`, YAML `#`), where prose may name
    a type to explain why it is not used; YAML descriptions are prose too."""
    text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)
    if suffix == ".sql":
        return "\n".join(line.split("--", 1)[0] for line in text.splitlines())
    kept = []
    in_prose = False
    for line in text.splitlines():
        stripped = line.split(" #", 1)[0] if not line.lstrip().startswith("#") else ""
        if re.match(r"\s*(description|[a-z_]+_definition):", stripped):
            in_prose = True
            continue
        if in_prose and (stripped.startswith(" " * 10) or not stripped.strip()):
            continue
        in_prose = False
        kept.append(stripped)
    return "\n".join(kept)


def offences(root: Path) -> list[str]:
    files = [
        *root.glob("models/**/*.sql"),
        *root.glob("macros/**/*.sql"),
        *root.glob("models/**/*.yml"),
        *root.glob("seeds/*.yml"),
        root / "dbt_project.yml",
    ]
    found = []
    for path in sorted(files):
        for n, line in enumerate(
            _code(path.read_text(encoding="utf-8"), path.suffix).splitlines(), 1
        ):
            match = PATTERN.search(line)
            if match:
                found.append(f"{path.relative_to(root)}:{n}: {match.group(0)}")
    return found


def test_models_macros_and_yaml_use_portable_types_and_functions():
    assert offences(PROJECT_DIR) == []


@pytest.mark.parametrize(
    ("sql", "bad"),
    [
        ("select cast(x as varchar) as y from t", "varchar"),
        ("select x::int as y from t", "::int"),
        ("select list_contains(a, 1) from t", "list_contains("),
        ("select * exclude (a) from t", "exclude ("),
        # Spark reads the backslash as escaping the closing quote
        ("select x like 'a\\_%' escape '\\' from t", "escape '\\'"),
    ],
)
def test_the_lint_rejects_a_duckdb_only_type_or_function(tmp_path, sql, bad):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "m.sql").write_text(f"-- a comment may say varchar\n{sql}\n")
    (tmp_path / "dbt_project.yml").write_text("name: x\n")
    (found,) = offences(tmp_path)
    assert found.startswith("models/m.sql:2: ") and found.endswith(bad)


def test_every_contracted_model_checks_its_not_null_columns_as_data():
    """Spark's Parquet tables do not enforce a contract's not-null constraints: every model
    with an enforced contract carries the `contracted_not_null` test (macros/
    test_contracted_not_null.sql), which checks them on every engine."""
    import json

    manifest = json.loads((PROJECT_DIR / "target" / "manifest.json").read_text())
    tested = {
        node["attached_node"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and node.get("test_metadata", {}).get("name") == "contracted_not_null"
    }
    contracted = {
        uid
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["config"]["contract"]["enforced"]
        and any(
            c["type"] == "not_null"
            for column in node["columns"].values()
            for c in column.get("constraints", [])
        )
    }  # fmt: skip
    assert contracted and contracted <= tested, sorted(contracted - tested)
