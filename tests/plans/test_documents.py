"""A plan document is read into the lines an editor numbers (and a .docx's tables with their
cells); whatever cannot be read, and a manifest that is missing or wrong, is refused with one
sentence that names the file and says nothing of the libraries underneath."""

from __future__ import annotations

import re

import pytest

from orchestration.plans import (
    DocumentRefused,
    ManifestRefused,
    read_document,
    read_manifest,
)
from tests.plans.plan_files import (
    DOCX_TABLE,
    PDF_LINES,
    PLAN_LINES,
    write_docx,
    write_manifest,
    write_pdf,
    write_scanned_pdf,
    write_txt,
)


def one_sentence(message: str) -> bool:
    """One sentence: ends with a full stop, no second sentence after one, no traceback words."""
    body = message.rstrip(".")
    return (
        message.endswith(".")
        and not re.search(r"\.\s+[A-Z]", body)
        and "\n" not in message
        and not re.search(r"Error|Exception|Traceback|zipfile|pdfminer|lxml", message)
    )


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_txt_plan_is_read_in_utf8_or_gb18030_with_editor_line_numbers(tmp_path, encoding):
    path = write_txt(tmp_path / "plan.txt", encoding)
    document = read_document(path)
    assert document.encoding == encoding
    assert document.format == "txt"
    # numbered as open(p).read().split("\n") numbers them (a final newline leaves an empty line)
    assert list(document.lines[: len(PLAN_LINES)]) == PLAN_LINES
    assert document.line(5) == PLAN_LINES[4]
    assert document.line(len(document.lines) + 1) is None
    assert len(document.sha256) == 64


def test_windows_line_endings_number_lines_as_an_editor_does(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes("第一行\r\n第二行\r\n第三行".encode("gb18030"))
    assert read_document(path).lines == ("第一行", "第二行", "第三行")


def test_a_docx_gives_its_paragraphs_and_its_table_cells(tmp_path):
    document = read_document(write_docx(tmp_path / "plan.docx"))
    assert document.format == "docx"
    assert "到2030年，高中阶段毛入学率达到96%。" in document.lines
    assert len(document.tables) == 1
    # table 1, row 2 (the first indicator), column 4 (2030)
    assert document.cell(1, 2, 4).text == DOCX_TABLE[1][3]
    assert document.cell(1, 3, 2).text == "普惠性幼儿园覆盖率(%)"
    assert document.cell(1, 9, 1) is None and document.cell(2, 1, 1) is None


def test_a_pdf_with_a_text_layer_gives_its_lines(tmp_path):
    document = read_document(write_pdf(tmp_path / "plan.pdf"))
    assert document.format == "pdf"
    assert [line.strip() for line in document.lines] == PDF_LINES


def test_a_scanned_pdf_without_text_is_refused(tmp_path):
    (tmp_path / "landing" / "plans").mkdir(parents=True)
    path = write_scanned_pdf(tmp_path / "landing" / "plans" / "scan.pdf")
    with pytest.raises(DocumentRefused) as refused:
        read_document(path, landing_dir=tmp_path / "landing")
    message = str(refused.value)
    assert message.startswith("plans/scan.pdf has no text layer")
    assert one_sentence(message)


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("broken.docx", b"PK\x03\x04 not really a zip archive", "is not a readable .docx"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage", "is not a readable PDF"),
        ("plan.doc", b"\xd0\xcf\x11\xe0 an old Word file", "is not a plan document"),
        ("plan.xlsx", b"PK\x03\x04", "is not a plan document"),
        ("utf16.txt", "十五五规划".encode("utf-16"), "is not text in UTF-8 or GB18030"),
        ("empty.txt", b"  \n", "is empty"),
    ],
)
def test_a_corrupt_unreadable_or_unsupported_file_is_refused_in_one_sentence(
    tmp_path, name, content, says
):
    landing = tmp_path / "landing"
    (landing / "plans").mkdir(parents=True)
    path = landing / "plans" / name
    path.write_bytes(content)
    with pytest.raises(DocumentRefused) as refused:
        read_document(path, landing_dir=landing)
    message = str(refused.value)
    assert message.startswith(f"plans/{name} ")
    assert says in message
    assert one_sentence(message), message


def test_the_manifest_gives_the_plan_and_its_id(tmp_path):
    path = write_txt(tmp_path / "plan.txt")
    plan = read_manifest(path)
    assert plan.plan_id == "411303_five_year_2026_2030"
    assert (plan.period_start, plan.period_end, plan.baseline_year) == (2026, 2030, 2025)
    assert plan.issue_date.isoformat() == "2026-03-01"


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"region_code": None}, "has no region_code."),
        ({"title": None}, "has no title."),
        ({"issue_date": None}, "has no issue_date."),
        ({"region_code": "41130"}, "has region_code '41130', not a six-digit division code."),
        ({"kind": "ten_year"}, "has kind 'ten_year': use five_year, three_year or annual."),
        ({"period_end": 2029}, "has period_end 2029: a five_year plan from 2026 ends in 2030."),
        ({"period_start": "二〇二六"}, "has period_start '二〇二六', not a year."),
        ({"issue_date": "2026/03/01"}, "has issue_date '2026/03/01', not a date YYYY-MM-DD."),
        ({"issue_date": "2026-02-30"}, "has issue_date '2026-02-30', not a date YYYY-MM-DD."),
        ({"regoin": "411303"}, "has a field this warehouse does not know, 'regoin'"),
    ],
)
def test_a_manifest_missing_or_wrong_field_is_refused_naming_the_field(tmp_path, changes, says):
    path = write_txt(tmp_path / "plan.txt")
    write_manifest(path, **changes)
    with pytest.raises(ManifestRefused) as refused:
        read_manifest(path)
    message = str(refused.value)
    assert message.startswith("plan.txt.manifest.json ")
    assert says in message
    assert one_sentence(message), message


def test_a_document_without_a_manifest_is_refused(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text("规划", encoding="utf-8")
    with pytest.raises(ManifestRefused, match=r"^plan.txt has no manifest: put plan.txt"):
        read_manifest(path)
    path.with_name("plan.txt.manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ManifestRefused, match=r"is not a JSON object in UTF-8\.$"):
        read_manifest(path)
