"""Scan a built warehouse for personal data: columns named like personal fields, and values
shaped like mainland ID-card or mobile numbers, in every table and view of every schema.

The loader is the guard (it drops personal columns and hashes ids before DuckDB sees them);
this scan is the audit that the guard held, run by the tests on the demo warehouse built from
extracts that carry 姓名, 身份证号 and 联系电话.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.ingest.contracts import CONTRACTS, NUMERIC_KINDS, is_personal_header
from orchestration.ingest.validation import EMAIL_RE, ID_CARD_RE, LANDLINE_RE, PHONE_RE

# Columns that hold a bureau's raw ids before pseudonymisation; none may exist in the warehouse.
RAW_ID_COLUMNS = frozenset(
    c.name for contract in CONTRACTS.values() for c in contract.columns if c.pseudonymise_as
)
# raw.* keeps numbers as text; a validated number column (an amount of 13,800,000,000 yuan has
# eleven digits) is not where a phone number hides, and its range is checked on load.
NUMERIC_RAW_COLUMNS = frozenset(
    c.name for contract in CONTRACTS.values() for c in contract.columns if c.kind in NUMERIC_KINDS
)


@dataclass(frozen=True)
class Finding:
    table: str
    column: str
    problem: str
    rows: int = 0

    def __str__(self) -> str:
        rows = f" ({self.rows:,} rows)" if self.rows else ""
        return f"{self.table}.{self.column}: {self.problem}{rows}"


def scan_warehouse(path: Path) -> tuple[list[Finding], int]:
    """(findings, number of columns scanned)."""
    findings: list[Finding] = []
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute("set enable_progress_bar = false")
        columns = con.execute(
            "select table_schema, table_name, column_name, data_type "
            "from information_schema.columns where table_catalog = current_database() "
            "order by 1, 2, ordinal_position"
        ).fetchall()
        for schema, table, column, data_type in columns:
            name = f"{schema}.{table}"
            if is_personal_header(column):
                findings.append(Finding(name, column, "column name of a personal field"))
            if column in RAW_ID_COLUMNS:
                findings.append(Finding(name, column, "a bureau id column (must be hashed)"))
            if data_type != "VARCHAR" or (schema == "raw" and column in NUMERIC_RAW_COLUMNS):
                continue
            quoted = '"' + column.replace('"', '""') + '"'
            ids, phones, emails = con.execute(
                f"select count(*) filter (where regexp_matches({quoted}, ?)), "
                f"count(*) filter (where regexp_matches({quoted}, ?)), "
                f"count(*) filter (where regexp_matches({quoted}, ?)) "
                f'from "{schema}"."{table}"',
                [ID_CARD_RE, f"({PHONE_RE})|({LANDLINE_RE})", EMAIL_RE],
            ).fetchone()
            if ids:
                findings.append(Finding(name, column, "values shaped like ID-card numbers", ids))
            if phones:
                findings.append(Finding(name, column, "values shaped like phone numbers", phones))
            if emails:
                findings.append(
                    Finding(name, column, "values shaped like e-mail addresses", emails)
                )
    return findings, len(columns)
