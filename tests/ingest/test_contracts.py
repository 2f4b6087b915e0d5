"""The extract contracts: one definition from which the documentation and the checks come."""

from pathlib import Path

import pytest

from orchestration.ingest.contracts import (
    CONTRACTS,
    REASONS,
    code_lists,
    header_index,
    is_personal_header,
    normalise_header,
    render_markdown,
)
from orchestration.ingest.validation import checks_sql

DOC = Path(__file__).resolve().parents[2] / "docs" / "extract_contracts.md"


def test_the_documentation_page_is_generated_from_the_contracts():
    assert DOC.read_text(encoding="utf-8") == render_markdown(), (
        "docs/extract_contracts.md is stale: run `make docs`"
    )


@pytest.mark.parametrize("extract", list(CONTRACTS))
def test_every_accepted_header_names_one_column_and_none_is_personal(extract):
    contract = CONTRACTS[extract]
    spellings = [normalise_header(h) for c in contract.columns for h in c.headers()]
    assert len(spellings) == len(set(spellings)), "a header spelling maps to two columns"
    assert not [h for h in spellings if is_personal_header(h)]
    assert set(header_index(extract).values()) == {c.name for c in contract.columns}
    assert set(contract.natural_key) <= {c.name for c in contract.columns}


def test_every_code_list_has_codes_and_unambiguous_labels():
    for name, cl in code_lists().items():
        assert cl.codes, name
        accepted = cl.accepted()
        assert set(accepted.values()) <= set(cl.codes), name
    assert len(code_lists()["region"].codes) > 3000
    assert code_lists()["school_type"].accepted()["幼儿园"] == "111"


def test_personal_headers_are_recognised_in_their_usual_spellings():
    personal = ("姓名", "学生姓名", "身份证号", "身份证件号码", "联系电话", "家长手机", "家庭住址")
    for header in (*personal, "name", "ID_Card", "Phone_Number", "出生日期"):
        assert is_personal_header(header), header
    for header in ("学校名称", "school_name", "班级", "学籍号"):
        assert not is_personal_header(header), header


def test_every_reason_the_checks_can_emit_is_documented():
    import inspect

    from orchestration.ingest import reported

    sql = "\n".join(checks_sql(c) for c in CONTRACTS.values())
    # the rules of reported figures (orchestration/ingest/reported.py) are checked there
    sql += inspect.getsource(reported.add_report_issues)
    emitted = {r for r in REASONS if f"'{r}'" in sql or f'"{r}"' in sql}
    # reasons added outside the generated checks: parser, threshold and whole-file refusals
    outside = {"wrong_field_count", "file_over_threshold", "delivered_under_another_code"}
    assert emitted | outside == set(REASONS)
