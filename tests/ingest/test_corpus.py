"""The bad-input corpus: every case in tests/ingest/corpus/ produces the outcome its expected.json
states, and for every file rows read = rows loaded + rows quarantined, in the audit, the
history table and the quarantine table alike.

A case is a folder: `landing/<extract>/<file>` (the files a bureau would drop) and
`expected.json`. The files of `tests/ingest/corpus/_base/` (three schools of 卧龙区 in 2020) are
loaded first in every case, so pupils and teachers have schools to refer to. See
tests/ingest/corpus/README.md.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.loaders import load_landing

CORPUS = Path(__file__).parent / "corpus"
BASE = CORPUS / "_base"
CASES = sorted(p for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("_"))


def test_the_corpus_has_at_least_forty_cases():
    assert len(CASES) >= 40


def _load_case(case: Path, tmp_path: Path):
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    landing = tmp_path / "landing"
    shutil.copytree(BASE, landing)
    shutil.copytree(case / "landing", landing, dirs_exist_ok=True)
    warehouse = tmp_path / "w.duckdb"
    run = load_landing(warehouse, landing, b"corpus-key", max_share=expected.get("max_share", 1.0))
    return expected, run, warehouse


# what a library's message looks like: exception class names, tracebacks, C++ namespaces
INTERNALS = r"Error\b|Exception\b|Traceback|arrow::|duckdb::|\bline \d+, in |errno"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_case(case, tmp_path):
    expected, run, warehouse = _load_case(case, tmp_path)
    results = {r.source_file: r for r in run.files}
    base = results.pop("schools/schools_411303_2020.csv", None)
    if "schools/schools_411303_2020.csv" not in expected["files"]:
        assert base is not None and base.status == "loaded" and base.rows_quarantined == 0
    else:
        results["schools/schools_411303_2020.csv"] = base
    assert set(results) == set(expected["files"]), "every file of the case has an outcome"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name, want in expected["files"].items():
            got = results[name]
            where = f"{case.name}: {name}"
            assert got.status == want["status"], f"{where}: {got.status} ({got.message})"
            for field in ("rows_read", "rows_loaded", "rows_quarantined", "blank_rows"):
                if field in want:
                    assert getattr(got, field) == want[field], f"{where}: {field}"
            if "reasons" in want:
                assert got.reasons == want["reasons"], f"{where}: reasons"
            for text in want.get("message", []):
                assert text in got.message, f"{where}: message lacks {text!r}: {got.message}"
            for col in want.get("personal_columns", []):
                assert col in got.personal_columns, f"{where}: {col} not reported as dropped"
            # one plain sentence an operator reads: the landing-relative path, never the
            # server's folders, and nothing of a library's internals
            if got.message:
                assert str(tmp_path) not in got.message, f"{where}: absolute path in message"
                assert not re.search(INTERNALS, got.message), f"{where}: {got.message}"
            # the invariant, from the result and from the tables themselves
            assert got.rows_read == got.rows_loaded + got.rows_quarantined, where
            _check_tables(con, got, want, where)


def _check_tables(con, got, want, where):
    if got.status == "unchanged":
        # content seen before: nothing of this file is written again
        return
    audit = con.execute(
        "select rows_read, rows_loaded, rows_quarantined from raw._load_audit "
        "where source_file = ? and file_hash = ?",
        [got.source_file, got.file_hash],
    ).fetchall()
    assert audit == [(got.rows_read, got.rows_loaded, got.rows_quarantined)], where
    if got.extract == "unknown":
        return
    stored = con.execute(
        f"select count(*) from raw.{got.extract}_history where _file_hash = ?", [got.file_hash]
    ).fetchone()[0]
    quarantined = con.execute(
        "select count(distinct row_number) from raw._quarantine where file_hash = ?",
        [got.file_hash],
    ).fetchone()[0]
    assert (stored, quarantined) == (got.rows_loaded, got.rows_quarantined), where
    for q in want.get("quarantine", []):
        hits = con.execute(
            "select value from raw._quarantine where file_hash = ? and row_number = ? "
            "and reason_code = ? and coalesce(column_name, '') = coalesce(?, '')",
            [got.file_hash, q["row"], q["reason"], q.get("column")],
        ).fetchall()
        assert hits, f"{where}: no quarantine entry {q}"
        if "value" in q:
            assert hits[0][0] == q["value"], f"{where}: stored value {hits[0][0]!r} for {q}"
    for s in want.get("stored", []):
        value = con.execute(
            f'select "{s["column"]}" from raw.{got.extract}_history '
            "where _file_hash = ? and _row_number = ?",
            [got.file_hash, s["row"]],
        ).fetchall()
        assert value == [(s["value"],)], f"{where}: row {s['row']} {s['column']} = {value}"
    for text in want.get("never_stored", []):
        for table in (f"raw.{got.extract}_history", "raw._quarantine", "raw._load_audit"):
            dump = str(con.execute(f"select * from {table}").fetchall())
            assert text not in dump, f"{where}: {text!r} reached {table}"
