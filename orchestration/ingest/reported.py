"""The rules a reported figure (extract `indicator_reports`) must meet beyond its contract's
columns, checked against the indicator definitions and the target catalogue in the seeds:

- `unknown_indicator`: not an indicator of seeds/plan_indicators.csv or seeds/indicators.csv;
- `computed_indicator`: the warehouse computes it from microdata (seeds/indicators.csv, the
  school-level standards); a report would compete with the computed figure, so it is refused
  and the message gives the computed value when the warehouse holds one;
- `unit_mismatch`: the unit is not the indicator's. Spellings of the same unit are accepted
  (`%`, `count` = 个/所/人, `yuan` = 元: seeds/units.csv, same base unit and factor); a unit that
  needs converting (万人 for a count, 万元 for yuan) is refused rather than converted, because
  a form filled in the wrong unit is more often a mistake than a choice;
- `out_of_range`: outside the indicator's range (plan_indicators' min_value and max_value:
  0–100 for a share in %, none for a change such as 教师工资同比增长, which may fall);
- `not_an_integer`: a count (is_integer) with a fraction;
- `region_level_not_targeted`: no target of the catalogue on that indicator at the region's
  level, nor (for figures that add up, aggregation `sum`) at a level above it that sums it;
- `not_an_organisation`: the reporting unit looks like a person's name (two to four Han
  characters and no word of an organisation) — the form asks for the unit, and a name is
  personal data, so the value is not stored.

Reads seeds only (this layer does not import the catalogue package): the catalogue's regions
and levels per indicator come from seeds/plan_targets.csv and the plans bureaus added
(`raw.plan_targets`, when the warehouse holds it).
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.ingest.validation import REDACTED

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
EXTRACT = "indicator_reports"
LEVELS = ("county", "prefecture", "province")  # lowest first

# What an organisation's name contains (局, 科, 学校, 中心…); a two-to-four character value of
# Han characters without any of them reads as a person's name (王小明, 欧阳娜娜).
ORGANISATION_WORDS = (
    "局", "科", "股", "处", "室", "办", "委", "厅", "部", "中心", "站", "所", "院", "校", "园",
    "会", "组", "队", "馆", "府", "司", "政府", "县", "市", "区", "省", "镇", "乡", "街道", "公司",
)  # fmt: skip
PERSON_NAME_RE = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")


def _rows(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@cache
def _unit_spellings() -> dict[str, frozenset[str]]:
    """Unit → every spelling of the same unit (same base unit and factor, and Chinese names)."""
    units = _rows("units.csv")
    same: dict[tuple[str, float], set[str]] = {}
    for u in units:
        key = (u["base_unit"], float(u["factor"]))
        names = {u["unit"], *(n for n in u["name_zh"].split("/") if n)}
        same.setdefault(key, set()).update(names)
    return {
        u["unit"]: frozenset(same[(u["base_unit"], float(u["factor"]))] | {u["unit"]})
        for u in units
    }


def looks_like_a_person(value: str | None) -> bool:
    if value is None:
        return False
    text = value.strip()
    return bool(PERSON_NAME_RE.match(text)) and not any(w in text for w in ORGANISATION_WORDS)


@cache
def indicator_rules() -> pa.Table:
    """One row per indicator: whether computed, its unit's spellings, range, integer-ness,
    aggregation."""
    computed = {r["indicator_id"]: r for r in _rows("indicators.csv")}
    standards = {r["standard_id"] for r in _rows("school_standards.csv")}
    spellings = _unit_spellings()
    cols: dict[str, list] = {
        k: []
        for k in (
            "indicator_id",
            "is_computed",
            "unit",
            "unit_spellings",
            "min_value",
            "max_value",
            "is_integer",
            "is_sum",
        )
    }

    def add(ind, is_computed, unit, lo, hi, integer, is_sum):
        cols["indicator_id"].append(ind)
        cols["is_computed"].append(is_computed)
        cols["unit"].append(unit)
        names = spellings.get(unit, frozenset({unit}))
        cols["unit_spellings"].append(sorted(n.lower() for n in names))
        cols["min_value"].append(lo)
        cols["max_value"].append(hi)
        cols["is_integer"].append(integer)
        cols["is_sum"].append(is_sum)

    def num(text: str) -> float | None:
        return float(text) if text.strip() else None

    for r in _rows("plan_indicators.csv"):
        if r["indicator_id"] in computed:
            continue
        add(
            r["indicator_id"],
            r["indicator_id"] in standards,
            r["unit"],
            num(r["min_value"]),
            num(r["max_value"]),
            r["is_integer"].strip().lower() == "true",
            r["aggregation"] == "sum",
        )
    for ind, r in computed.items():
        add(ind, True, r["unit"], None, None, False, False)
    return pa.table(cols)


@cache
def _region_levels() -> pa.Table:
    rows = _rows("regions.csv") + _rows("regions_historical.csv")
    return pa.table(
        {
            "region_code": [r["region_code"] for r in rows],
            "region_level": [r.get("region_level") or "county" for r in rows],
        }
    )


def _targeted_levels(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """(indicator_id, region_level) of every target of the catalogue: the seeds, and the plans
    bureaus added when the warehouse holds them."""
    levels = {r["region_code"]: r["region_level"] for r in _rows("regions.csv")}
    pairs = {(r["indicator_id"], levels.get(r["region_code"])) for r in _rows("plan_targets.csv")}
    has_landed = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = 'plan_targets'"
    ).fetchall()[0][0]
    if has_landed:
        for ind, region in con.execute(
            "select distinct indicator_id, region_code from raw.plan_targets"
        ).fetchall():
            pairs.add((ind, levels.get(region)))
    pairs = {p for p in pairs if p[1]}
    return pa.table(
        {
            "indicator_id": [p[0] for p in pairs],
            "region_level": [p[1] for p in pairs],
        }
    )


def _computed_values(con: duckdb.DuckDBPyConnection) -> str:
    """A relation of the warehouse's computed values (from the last build), or an empty one."""
    has_mart = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'marts' and table_name = 'mart_indicator_values'"
    ).fetchall()[0][0]
    if has_mart:
        return (
            "(select region_code, year, indicator_id, value from marts.mart_indicator_values "
            "where value_source = 'computed' and value is not null)"
        )
    return (
        "(select null::varchar as region_code, null::bigint as year, "
        "null::varchar as indicator_id, null::double as value where false)"
    )


def add_report_issues(con: duckdb.DuckDBPyConnection) -> None:
    """Insert into `_issues` the rows of `_n` (a batch of reports files, validated by their
    contract) that break a rule of reported figures. A row whose indicator is not even known is
    left to the contract's own `unknown_indicator`."""
    con.register("_indicator_rules", indicator_rules())
    con.register("_region_levels", _region_levels())
    con.register("_targeted_levels", _targeted_levels(con))
    level_rank = "case {col} when 'county' then 1 when 'prefecture' then 2 else 3 end"
    try:
        con.execute(
            f"""
            insert into _issues
            with rows as (
                select n._file, n._row_number, n.v_indicator_id as indicator_id, n.v_region_code,
                       n.t_year, n.t_value, n.v_value, n.v_unit, n.v_reporting_unit,
                       r.is_computed, r.unit, r.unit_spellings, r.min_value, r.max_value,
                       r.is_integer, r.is_sum, l.region_level
                from _n as n
                inner join _indicator_rules as r on r.indicator_id = n.v_indicator_id
                left join _region_levels as l on l.region_code = n.v_region_code
            ),
            targeted as (
                select rows._file, rows._row_number
                from rows
                inner join _targeted_levels as t
                    on t.indicator_id = rows.indicator_id
                    and (t.region_level = rows.region_level
                        or (rows.is_sum and {level_rank.format(col="t.region_level")}
                            > {level_rank.format(col="rows.region_level")}))
                group by rows._file, rows._row_number
            )
            select rows._file, rows._row_number, 'indicator_id',
                   'computed by the warehouse' || coalesce(
                       ' as ' || cast(round(c.value, 4) as varchar) || ' for '
                       || cast(rows.t_year as varchar), ''),
                   'computed_indicator'
            from rows
            left join {_computed_values(con)} as c
                on c.region_code = rows.v_region_code and c.year = rows.t_year
                and c.indicator_id = rows.indicator_id
            where rows.is_computed
            union all
            select _file, _row_number, 'unit', v_unit, 'unit_mismatch' from rows
            where not is_computed and v_unit is not null
                and not list_contains(unit_spellings, lower(trim(v_unit)))
            union all
            select _file, _row_number, 'value', v_value, 'out_of_range' from rows
            where not is_computed and t_value is not null
                and (t_value < min_value or t_value > max_value)
            union all
            select _file, _row_number, 'value', v_value, 'not_an_integer' from rows
            where not is_computed and is_integer and t_value is not null
                and t_value <> round(t_value)
            union all
            select rows._file, rows._row_number, 'region_code', rows.v_region_code,
                   'region_level_not_targeted'
            from rows
            left join targeted
                on targeted._file = rows._file and targeted._row_number = rows._row_number
            where not rows.is_computed and rows.region_level is not null
                and targeted._row_number is null
            """
        )
    finally:
        for name in ("_indicator_rules", "_region_levels", "_targeted_levels"):
            con.unregister(name)
    people = [
        (file, row, REDACTED, "not_an_organisation")
        for file, row, value in con.execute(
            "select _file, _row_number, v_reporting_unit from _n"
        ).fetchall()
        if looks_like_a_person(value)
    ]
    if people:
        con.executemany(
            "insert into _issues values (?, ?, 'reporting_unit', ?, ?)",
            people,
        )
