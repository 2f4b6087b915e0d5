"""Small plan documents the tests write themselves: a .txt (UTF-8 or GB18030), a .docx with an
indicator table, a .pdf with a text layer and one without, and their manifests.

The PDF uses reportlab's built-in CID font STSong-Light: it needs no font file on the machine
(the PDF names the font and its Adobe-GB1 encoding, which pdfminer maps back to Unicode), so
the PDF tests never skip for want of a CJK font."""

from __future__ import annotations

import json
from pathlib import Path

# A 十五五 plan (2026–2030) of a county: a section about the present, targets in sentences and
# an indicator table flattened one cell per line, as the bureaus' web pages leave them.
PLAN_LINES = [
    "某某县教育事业发展“十五五”规划",  # 1
    "一、发展基础",  # 2
    "全县现有幼儿园 120 所，学前三年毛入园率 92.5%。",  # 3
    "二、主要目标",  # 4
    "到2030年，学前三年毛入园率达到95%以上，普惠性幼儿园覆盖率不低于 90%。",  # 5
    "全面消除义务教育大班额。",  # 6
    "每年新建改扩建中小学校 3-5 所，新增学位 1.2 万个。",  # 7
    "确保一般公共预算教育支出只增不减。",  # 8
    "每年招聘教师二十名。",  # 9
    "主要指标",  # 10
    "序号",  # 11
    "主要指标",  # 12
    "2025",  # 13
    "2030",  # 14
    "指标类型",  # 15
    "1",  # 16
    "学前三年毛入园率(%)",  # 17
    "92.5",  # 18
    "95",  # 19
    "约束性",  # 20
    "2",  # 21
    "高中阶段毛入学率(%)",  # 22
    "93",  # 23
    "96",  # 24
    "预期性",  # 25
    "三、保障措施",  # 26
]
PLAN_TEXT = "\n".join(PLAN_LINES) + "\n"

MANIFEST = {
    "title": "某某县教育事业发展“十五五”规划",
    "region_code": "411303",
    "kind": "five_year",
    "period_start": 2026,
    "period_end": 2030,
    "issue_date": "2026-03-01",
}

DOCX_PARAGRAPHS = [
    "某某县教育事业发展“十五五”规划",
    "二、主要目标",
    "到2030年，高中阶段毛入学率达到96%。",
]
DOCX_TABLE = [
    ["序号", "主要指标", "2025", "2030", "指标类型"],
    ["1", "学前三年毛入园率(%)", "92.5", "95", "约束性"],
    ["2", "普惠性幼儿园覆盖率(%)", "85", "90", "预期性"],
]

PDF_LINES = [
    "某某县教育事业发展“十五五”规划",
    "到2030年，学前三年毛入园率达到95%以上。",
    "序号 主要指标 2025 2030 指标类型",
    "1 普惠性幼儿园覆盖率(%) 85 90 预期性",
]


def write_manifest(document: Path, **changes) -> Path:
    manifest = {**MANIFEST, **changes}
    manifest = {k: v for k, v in manifest.items() if v is not None}
    path = document.with_name(document.name + ".manifest.json")
    path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return path


def write_txt(path: Path, encoding: str = "utf-8", text: str = PLAN_TEXT) -> Path:
    path.write_bytes(text.encode(encoding))
    write_manifest(path)
    return path


def write_docx(path: Path, **manifest) -> Path:
    import docx

    path.parent.mkdir(parents=True, exist_ok=True)
    document = docx.Document()
    for text in DOCX_PARAGRAPHS:
        document.add_paragraph(text)
    table = document.add_table(rows=len(DOCX_TABLE), cols=len(DOCX_TABLE[0]))
    for r, row in enumerate(DOCX_TABLE):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    document.add_paragraph("三、保障措施")
    document.save(str(path))
    write_manifest(path, **manifest)
    return path


def _canvas(path: Path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return canvas.Canvas(str(path))


def write_pdf(path: Path, lines: list[str] = PDF_LINES) -> Path:
    c = _canvas(path)
    c.setFont("STSong-Light", 11)
    y = 800
    for line in lines:
        c.drawString(50, y, line)
        y -= 20
    c.save()
    write_manifest(path)
    return path


def write_scanned_pdf(path: Path) -> Path:
    """A page of shapes and no text, as a scanner's PDF is for a text reader."""
    c = _canvas(path)
    c.rect(50, 50, 400, 600, fill=1)
    c.showPage()
    c.save()
    write_manifest(path)
    return path


# the indicators of the generated .docx plan a reviewer accepts; the rest are rejected
ACCEPTED_INDICATORS = ("preschool_gross_enrolment_rate", "inclusive_kindergarten_coverage")


def review(book: Path, decide) -> None:
    """Mark every candidate row of a review workbook as `decide(indicator cell)` says, as a
    reviewer would in Excel (openpyxl saves it as Excel would)."""
    from openpyxl import load_workbook

    from orchestration.plans.review import COL, SHEET

    wb = load_workbook(book)
    ws = wb[SHEET]
    for r in range(2, ws.max_row + 1):
        indicator = str(ws.cell(row=r, column=COL["indicator"]).value or "")
        ws.cell(row=r, column=COL["decision"], value=decide(indicator))
    wb.save(book)


def add_accepted_plan(landing: Path, region: str = "410300") -> tuple[Path, Path]:
    """The README's three commands on a generated .docx 十五五 plan (2026–2030) of `region`:
    the document and its manifest in <landing>/plans/, `eduwh plan extract`, a review that
    accepts ACCEPTED_INDICATORS, `eduwh plan accept`. Returns (document, workbook)."""
    import pytest

    from orchestration.cli import main

    document = write_docx(landing / "plans" / "plan.docx", region_code=region)
    book = document.with_name(f"{region}_five_year_2026_2030.review.xlsx")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EDUWH_LANDING_DIR", str(landing))
        assert main(["plan", "extract", str(document)]) == 0
        review(book, lambda ind: "接受" if any(i in ind for i in ACCEPTED_INDICATORS) else "拒绝")
        assert main(["plan", "accept", str(book)]) == 0
    return document, book
