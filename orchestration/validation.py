"""Row validation of one landing file against its contract, set-based in DuckDB.

`prepare` normalises the text columns the reader produced (trim, NFKC for numbers and codes,
code labels to codes, ids to keyed hashes); `find_issues` runs the contract's checks as SQL over
the whole file at once and returns one row per (row, column, reason). The SQL is generated from
`orchestration.contracts`, so a rule is written once for every extract.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.contracts import (
    CODE,
    DATE,
    DECIMAL,
    ID,
    INTEGER,
    NORMALISED_KINDS,
    TEXT,
    YEAR,
    Column,
    ExtractContract,
    code_lists,
)

# A value quarantined for looking personal is never stored, not even in the quarantine table.
REDACTED = "[redacted]"
MAX_STORED_VALUE = 200
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S"]
MONTH_FORMATS = ["%Y-%m", "%Y/%m", "%Y年%m月"]
# Mainland ID-card numbers (18 characters, date of birth inside) and mobile numbers, standing
# alone in a value: the shapes a personal datum takes when typed into the wrong column.
ID_CARD_RE = (
    r"(^|[^0-9A-Za-z])[1-9][0-9]{5}(18|19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])"
    r"[0-9]{3}[0-9Xx]($|[^0-9A-Za-z])"
)
PHONE_RE = r"(^|[^0-9A-Za-z])(\+?86[- ]?)?1[3-9][0-9]{9}($|[^0-9A-Za-z])"
CONTROL_RE = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]"
FORMULA_RE = "^[=+@-]"


def pseudonymise(values: pa.Array, key: bytes) -> pa.Array:
    """Keyed hash (HMAC-SHA256, 32 hex characters) of each id, once per distinct id."""
    unique = pc.unique(values)
    hashed = pa.array(
        [
            None if v is None else hmac.digest(key, v.encode("utf-8"), "sha256").hex()[:32]
            for v in unique.to_pylist()
        ],
        type=pa.string(),
    )
    return pc.take(hashed, pc.index_in(values, value_set=unique))


@dataclass
class Prepared:
    table: pa.Table
    values_normalised: int


def prepare(table: pa.Table, contract: ExtractContract, key: bytes) -> Prepared:
    """Trim, empty → null, NFKC for numbers and codes, labels → codes, ids → keyed hashes."""
    lists = code_lists()
    changed = 0
    for col in contract.columns:
        i = table.schema.get_field_index(col.name)
        values = table.column(i).combine_chunks()
        values = pc.utf8_trim_whitespace(values)
        values = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
        if col.kind in NORMALISED_KINDS:
            normal = pc.utf8_trim_whitespace(pc.utf8_normalize(values, "NFKC"))
            changed += pc.sum(pc.fill_null(pc.not_equal(normal, values), False)).as_py() or 0
            values = normal
        if col.codes:
            accepted = lists[col.codes].accepted()
            spellings = pa.array(list(accepted), pa.string())
            codes = pa.array(list(accepted.values()), pa.string())
            found = pc.take(codes, pc.index_in(pc.utf8_lower(values), value_set=spellings))
            mapped = pc.coalesce(found, values)
            changed += pc.sum(pc.fill_null(pc.not_equal(mapped, values), False)).as_py() or 0
            values = mapped
        if col.pseudonymise_as:
            values = pseudonymise(values, key)
        table = table.set_column(i, col.warehouse_name, values)
    return Prepared(table, changed)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _number_re(kind: str) -> tuple[str, str]:
    """(thousands-separated form, plain form) for a numeric kind."""
    if kind == DECIMAL:
        return r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?", r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"
    return r"[+-]?[0-9]{1,3}(,[0-9]{3})+", r"[+-]?[0-9]{1,18}"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _normalised(col: Column, src: str) -> tuple[str, str]:
    """SQL for (normalised text, typed value) of a column read from `src`."""
    if col.kind in (YEAR, INTEGER, DECIMAL):
        grouped, plain = _number_re(col.kind)
        n = (
            f"case when regexp_full_match({src}, {_lit(grouped)}) "
            f"then replace({src}, ',', '') else {src} end"
        )
        target = "double" if col.kind == DECIMAL else "bigint"
        return n, f"case when regexp_full_match({n}, {_lit(plain)}) then cast({n} as {target}) end"
    if col.kind == DATE:
        fmts = ", ".join(_lit(f) for f in DATE_FORMATS)
        months = ", ".join(_lit(f) for f in MONTH_FORMATS)
        return src, (
            f"cast(coalesce(try_strptime({src}, [{fmts}]), try_strptime({src}, [{months}])) "
            "as date)"
        )
    return src, src


def normalise_sql(contract: ExtractContract) -> str:
    """`_n`: per column the value as received (`v_`), normalised (`n_`) and typed (`t_`)."""
    selects = ["_row_number"]
    for col in contract.columns:
        src = _q(col.warehouse_name)
        n, t = _normalised(col, src)
        selects += [
            f"{src} as {_q('v_' + col.name)}",
            f"{n} as {_q('n_' + col.name)}",
            f"{t} as {_q('t_' + col.name)}",
        ]
    return "create or replace temp table _n as select " + ", ".join(selects) + " from incoming"


def _issue(col: str, reason: str, where: str, value: str | None = None) -> str:
    value = value or _q("v_" + col)
    return (
        f"select _row_number, {_lit(col)} as column_name, cast({value} as varchar) as value, "
        f"{reason} as reason_code from _n where {where}"
    )


def checks_sql(
    contract: ExtractContract,
    file_year: int | None,
    file_regions: list[str] | None,
) -> str:
    """One select per rule, unioned: (_row_number, column_name, value, reason_code)."""
    parts: list[str] = []
    for col in contract.columns:
        name = col.name
        v, t = _q("v_" + name), _q("t_" + name)
        if col.required:
            parts.append(_issue(name, "'missing_value'", f"{v} is null"))
        if col.kind in (YEAR, INTEGER, DECIMAL):
            plain = "not_a_number" if col.kind == DECIMAL else "not_an_integer"
            reason = (
                f"case when regexp_full_match({v}, '[+-]?[0-9.,]+[eE][+-]?[0-9]+') "
                f"then 'scientific_notation' when contains({v}, ',') "
                f"then 'bad_thousands_separator' else '{plain}' end"
            )
            parts.append(_issue(name, reason, f"{v} is not null and {t} is null"))
        if col.kind == DATE:
            parts.append(_issue(name, "'not_a_date'", f"{v} is not null and {t} is null"))
        bounds = []
        if col.minimum is not None:
            bounds.append(f"{t} < {col.minimum!r}")
        if col.maximum is not None:
            bounds.append(f"{t} > {col.maximum!r}")
        if bounds:
            parts.append(_issue(name, "'out_of_range'", f"({' or '.join(bounds)})"))
        if col.pattern:
            parts.append(
                _issue(name, "'bad_format'", f"not regexp_full_match({v}, {_lit(col.pattern)})")
            )
        if col.codes:
            reason = "'unknown_region'" if col.codes == "region" else "'unknown_code'"
            parts.append(
                _issue(
                    name,
                    reason,
                    f"{v} is not null and {v} not in "
                    f"(select code from _codes where list = {_lit(col.codes)})",
                )
            )
            if col.codes == "region" and file_regions:
                inside = ", ".join(_lit(r) for r in file_regions)
                parts.append(
                    _issue(
                        name,
                        "'region_outside_file'",
                        f"{v} not in ({inside}) and {v} in "
                        f"(select code from _codes where list = 'region')",
                    )
                )
        if col.kind in (TEXT, CODE):
            parts.append(
                _issue(name, "'control_character'", f"regexp_matches({v}, '{CONTROL_RE}')")
            )
        if col.kind == TEXT:
            parts.append(_issue(name, "'too_long'", f"length({v}) > {col.max_length}"))
            parts.append(
                _issue(name, "'formula_injection'", f"regexp_matches({v}, '{FORMULA_RE}')")
            )
            parts.append(
                _issue(
                    name,
                    "'personal_data_in_value'",
                    f"regexp_matches({v}, {_lit(ID_CARD_RE)}) "
                    f"or regexp_matches({v}, {_lit(PHONE_RE)})",
                    value=_lit(REDACTED),
                )
            )
    if file_year is not None:
        parts.append(_issue("year", "'year_mismatch'", f'"t_year" <> {int(file_year)}'))
    for rule in contract.row_rules:
        parts.append(_issue(rule.column, _lit(rule.reason), _typed(rule.condition)))
    if contract.school_reference:
        parts.append(
            _issue(
                "school_code",
                "'unknown_school'",
                '"v_school_code" is not null and "t_year" is not null and not exists '
                '(select 1 from _schools s where s.school_code = _n."v_school_code" '
                'and s.year = _n."t_year")',
            )
        )
    parts += _duplicate_checks(contract)
    return "\nunion all\n".join(parts)


def _typed(condition: str) -> str:
    """Row rules name typed values as t_<col>; quote them for SQL."""
    return re.sub(r"\bt_([a-z_]+)", lambda m: _q("t_" + m.group(1)), condition)


def _duplicate_checks(contract: ExtractContract) -> list[str]:
    """Exact copies: every copy after the first. Same key, different values: every row."""
    key = ", ".join(_q("n_" + k) for k in contract.natural_key)
    every = ", ".join(_q("n_" + c.name) for c in contract.columns)
    not_null = " and ".join(f"{_q('n_' + k)} is not null" for k in contract.natural_key)
    first_key = contract.natural_key[-1]
    ranked = (
        f"(select _row_number, {_q('v_' + first_key)} as v, "
        f"row_number() over (partition by {every} order by _row_number) as copy_no, "
        f"count(*) over (partition by {key}) as key_rows, "
        f"count(*) over (partition by {every}) as same_rows "
        f"from _n where {not_null})"
    )
    return [
        f"select _row_number, {_lit(first_key)}, v, case when copy_no > 1 then 'duplicate_row' "
        f"else 'conflicting_key' end from {ranked} where copy_no > 1 or key_rows > same_rows"
    ]


def stored_value(value: str | None) -> str | None:
    """The offending value as kept in the quarantine table: short, and inert if someone opens
    the table in a spreadsheet (a leading apostrophe stops formula evaluation)."""
    if value is None:
        return None
    if len(value) > MAX_STORED_VALUE:
        value = value[:MAX_STORED_VALUE] + f"… ({len(value):,} characters)"
    if value[:1] in ("=", "+", "-", "@") and not _is_number(value):
        value = "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def register_codes(con: duckdb.DuckDBPyConnection) -> None:
    """The allowed codes of every code list as temp table `_codes(list, code)`."""
    rows = [(name, code) for name, cl in code_lists().items() for code in cl.codes]
    con.register(
        "_codes_arrow",
        pa.table({"list": [r[0] for r in rows], "code": [r[1] for r in rows]}),
    )
    con.execute("create or replace temp table _codes as select * from _codes_arrow")
    con.unregister("_codes_arrow")


def canonical_sql(col: Column) -> str:
    """The text stored in raw for a valid value: separators removed, codes as codes, dates as
    ISO dates; free text exactly as received (trimmed)."""
    if col.kind in (YEAR, INTEGER):
        return f"cast({_q('t_' + col.name)} as varchar)"
    if col.kind == DECIMAL:
        return f"ltrim({_q('n_' + col.name)}, '+')"
    if col.kind == DATE:
        return f"strftime({_q('t_' + col.name)}, '%Y-%m-%d')"
    return _q("v_" + col.name)


__all__ = [
    "ID",
    "Prepared",
    "canonical_sql",
    "checks_sql",
    "normalise_sql",
    "prepare",
    "pseudonymise",
    "register_codes",
    "stored_value",
]
