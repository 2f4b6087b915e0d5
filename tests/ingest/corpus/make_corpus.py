"""Write the corpus files that are not plain UTF-8 text: XLSX, Parquet, legacy encodings, files
with a byte-order mark, NUL bytes, lone carriage returns, a 100,000-character cell, an empty
file and deliberately broken workbooks.

Run from the repository root:

    .venv/bin/python tests/corpus/make_corpus.py

The output is deterministic (fixed workbook timestamps, fixed zip entry dates), so running it
again changes nothing unless this script changed. The plain CSV cases and every expected.json
are written by hand and are not touched by this script.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl.styles import Font

CORPUS = Path(__file__).resolve().parent
FIXED_TIME = datetime(2024, 1, 1)
ZIP_TIME = (2024, 1, 1, 0, 0, 0)

PUPILS_EN = [
    "year", "pupil_id", "school_code", "grade", "class_id", "birth_year", "sex", "migrant",
    "left_behind", "disabled", "status",
]  # fmt: skip
PUPILS_ZH = [
    "年份", "学籍号", "学校标识码", "年级", "班级", "出生年份", "性别", "是否随迁子女",
    "是否留守儿童", "是否残疾", "学籍状态",
]  # fmt: skip
SCHOOLS_EN = [
    "year", "school_code", "school_name", "region_code", "school_type_code", "sponsor",
    "urban_rural_code", "inclusive_kindergarten", "classes", "teaching_floor_area_m2",
    "sports_ground_area_m2", "equipment_value_yuan", "multimedia_classrooms",
]  # fmt: skip
SCHOOLS_ZH = [
    "年份", "学校标识码", "学校名称", "行政区划代码", "办学类型", "举办者", "城乡分类",
    "是否普惠性幼儿园", "班数", "教学及辅助用房面积", "体育运动场馆面积", "教学仪器设备资产值",
    "网络多媒体教室数",
]  # fmt: skip
TEACHERS_EN = [
    "year", "teacher_id", "school_code", "teaching_stage", "staff_category", "qualification",
    "title", "backbone_level", "dual_qualified", "subject_group", "rotated", "rotation_eligible",
]  # fmt: skip


# ---------------------------------------------------------------- helpers


def write(case: str, rel: str, data: bytes) -> None:
    path = CORPUS / case / "landing" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def manifest(case: str, rel: str, content: dict) -> None:
    text = json.dumps(content, ensure_ascii=False, indent=2) + "\n"
    write(case, rel + ".manifest.json", text.encode("utf-8"))


def csv_text(rows: list[list[object]], newline: str = "\r\n") -> str:
    """Rows as CSV text; cells are written as given (the corpus quotes by hand where needed)."""
    return "".join(",".join("" if c is None else str(c) for c in row) + newline for row in rows)


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite a zip (an XLSX) with fixed entry dates and fixed document timestamps."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>2024-01-01T00:00:00Z\g<3>",
                    body,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, body)
    return out.getvalue()


def workbook_bytes(wb: openpyxl.Workbook) -> bytes:
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip(buf.getvalue())


def sheet(rows: list[list[object]], title: str = "Sheet1") -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    return wb


def parquet_bytes(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="snappy")
    return buf.getvalue()


def pupil(pid: str, school: int, grade: str, cls: str, born: int, sex: int, *flags) -> list:
    migrant, left_behind, disabled, status = flags or (0, 0, 0, "new")
    return [2020, pid, school, grade, cls, born, sex, migrant, left_behind, disabled, status]


# ---------------------------------------------------------------- encodings


def encodings() -> None:
    schools_411302 = [
        SCHOOLS_EN,
        [2020, 4113020001, "宛城区第一小学", 411302, 211, "public", 111, 0, 20, 4000, 6000,
         1000000, 20],
        [2020, 4113020002, "宛城区实验幼儿园", 411302, 111, "public", 111, 1, 12, 2000, 1500,
         400000, 6],
    ]  # fmt: skip
    write(
        "03_schools_utf8_bom",
        "schools/schools_411302_2020.csv",
        b"\xef\xbb\xbf" + csv_text(schools_411302).encode("utf-8"),
    )

    pupils_zh = csv_text(
        [
            PUPILS_ZH,
            [2020, "P0101", 4113030001, "一年级", "一（1）班", 2014, "男", "否", "否", "否",
             "新生"],
            [2020, "P0102", 4113030001, "二年级", "二（1）班", 2013, "女", "是", "否", "否",
             "在读"],
            [2020, "P0103", 4113030003, "幼儿园中班", "中一班", 2016, "女", "否", "是", "否",
             "在读"],
        ]
    )  # fmt: skip
    write(
        "04_pupils_gb18030_chinese_headers",
        "pupils/pupils_411303_2020.csv",
        pupils_zh.encode("gb18030"),
    )

    schools_zh = csv_text(
        [
            SCHOOLS_ZH,
            [2021, 4113030001, "卧龙区第一小学", 411303, "小学", "公办", "主城区", "否", 24,
             5200.5, 8000, 1500000, 24],
            [2021, 4113030002, "卧龙区第一初级中学", 411303, "初级中学", "公办", "主城区", "否",
             18, 6100, 9000.25, 2100000, 18],
        ]
    )  # fmt: skip
    write(
        "05_schools_gbk_declared_in_manifest",
        "schools/schools_411303_2021.csv",
        schools_zh.encode("gbk"),
    )
    manifest(
        "05_schools_gbk_declared_in_manifest",
        "schools/schools_411303_2021.csv",
        {"encoding": "gbk"},
    )

    schools_big5 = csv_text(
        [
            SCHOOLS_EN,
            [2021, 4113030001, "臥龍區第一小學", 411303, 211, "public", 111, 0, 24, 5200.5, 8000,
             1500000, 24],
            [2021, 4113030002, "臥龍區第一初級中學", 411303, 311, "public", 111, 0, 18, 6100,
             9000.25, 2100000, 18],
        ]
    )  # fmt: skip
    write(
        "06_schools_big5_declared_in_manifest",
        "schools/schools_411303_2021.csv",
        schools_big5.encode("big5"),
    )
    manifest(
        "06_schools_big5_declared_in_manifest",
        "schools/schools_411303_2021.csv",
        {"encoding": "big5"},
    )

    write(
        "07_manifest_declares_wrong_encoding",
        "pupils/pupils_411303_2020.csv",
        pupils_zh.encode("gb18030"),
    )
    manifest(
        "07_manifest_declares_wrong_encoding",
        "pupils/pupils_411303_2020.csv",
        {"encoding": "utf-8"},
    )

    pupils_en = csv_text([PUPILS_EN, pupil("P0111", 4113030001, "G1", "G1-01", 2014, 1)])
    write("08_utf16_refused", "pupils/pupils_411303_2020.csv", pupils_en.encode("utf-16"))

    # 0x80 and 0xFF start no character in UTF-8 or in GB18030.
    write(
        "09_neither_utf8_nor_gb18030_refused",
        "pupils/pupils_411303_2020.csv",
        csv_text([PUPILS_EN]).encode()
        + b"2020,P0121,4113030001,G1,G1-\x80\xff01,2014,1,0,0,0,new\r\n",
    )

    schools_2021 = csv_text(
        [
            SCHOOLS_EN,
            [2021, 4113030001, "卧龙区第一小学", 411303, 211, "public", 111, 0, 24, 5200.5, 8000,
             1500000, 24],
            [2021, 4113030002, "卧龙区第一初级中学", 411303, 311, "public", 111, 0, 18, 6100,
             9000.25, 2100000, 18],
        ]
    )  # fmt: skip
    write(
        "10_manifest_utf8_on_bom_file",
        "schools/schools_411303_2021.csv",
        b"\xef\xbb\xbf" + schools_2021.encode("utf-8"),
    )
    manifest(
        "10_manifest_utf8_on_bom_file",
        "schools/schools_411303_2021.csv",
        {"encoding": "utf-8"},
    )


# ---------------------------------------------------------------- workbooks


def workbooks() -> None:
    # Title row, an empty row, then a header with a line break inside a cell.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "学生名册"
    ws["A1"] = "卧龙区2020年学生名册"
    header = list(PUPILS_ZH)
    header[1] = "学籍\n号"
    for col, text in enumerate(header, start=1):
        ws.cell(row=3, column=col, value=text)
    for r, row in enumerate(
        [
            pupil("P0201", 4113030001, "G1", "G1-01", 2014, 1),
            pupil("P0202", 4113030001, "G1", "G1-01", 2014, 2),
            pupil("P0203", 4113030002, "G0", "G7-01", 2008, 1),
        ],
        start=4,
    ):
        for col, value in enumerate(row, start=1):
            ws.cell(row=r, column=col, value=value)
    write("16_xlsx_title_rows", "pupils/pupils_411303_2020.xlsx", workbook_bytes(wb))

    # Merged title rows above a Chinese header.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "学校"
    ws["A1"] = "卧龙区2021年学校基本情况统计表"
    ws.merge_cells("A1:N1")
    ws["A2"] = "单位：平方米、元"
    ws.merge_cells("A2:N2")
    for col, text in enumerate([*SCHOOLS_ZH, "建校年月"], start=1):
        ws.cell(row=3, column=col, value=text)
    rows = [
        [2021, 4113030001, "卧龙区第一小学", 411303, "小学", "公办", "主城区", "否", 24, 5200.5,
         8000, 1500000, 24, date(1958, 9, 1)],
        [2021, 4113030002, "卧龙区第一初级中学", 411303, "初级中学", "公办", "主城区", "否",
         18, 6100, 9000.25, 2100000, 18, None],
    ]  # fmt: skip
    for r, row in enumerate(rows, start=4):
        for col, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=col, value=value)
            if isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
    write("17_xlsx_merged_title_rows", "schools/schools_411303_2021.xlsx", workbook_bytes(wb))

    # Teachers with personal columns among the contract columns.
    wb = sheet(
        [
            ["年份", "教职工号", "教师姓名", "身份证件号码", "学校标识码", "任教学段", "岗位类别",
             "最高学历", "专业技术职务", "骨干教师级别", "是否双师型教师", "任教学科组",
             "是否交流轮岗", "是否应交流", "手机号码"],
            [2020, "T0301", "王建国", "411303198001011234", 4113030001, "小学", "专任教师",
             "本科", "一级", "无", "否", "无", "否", "否", "13700001111"],
            [2020, "T0302", "赵丽华", "411303198505052345", 4113030002, "初中", "专任教师",
             "研究生", "高级", "市级", "否", "体育", "是", "否", "13700002222"],
        ]
    )  # fmt: skip
    write(
        "23_xlsx_personal_columns_teachers",
        "teachers/teachers_411303_2020.xlsx",
        workbook_bytes(wb),
    )

    # Date cells, a datetime at midnight and a date written as text in founded_date.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([*SCHOOLS_EN, "founded_date"])
    rows = [
        [2021, 4113030001, "卧龙区第一小学", 411303, 211, "public", 111, 0, 24, 5200.5, 8000,
         1500000, 24, date(1958, 9, 1)],
        [2021, 4113030002, "卧龙区第一初级中学", 411303, 311, "public", 111, 0, 18, 6100,
         9000.25, 2100000, 18, datetime(2001, 9, 1, 0, 0)],
        [2021, 4113030003, "卧龙区阳光幼儿园", 411303, 111, "private", 121, 1, 9, 1800, 1200,
         300000, 3, "2005-03-01"],
    ]  # fmt: skip
    for row in rows:
        ws.append(row)
    ws["N2"].number_format = "yyyy-mm-dd"
    ws["N3"].number_format = "yyyy/m/d"
    write("30_xlsx_excel_dates", "schools/schools_411303_2021.xlsx", workbook_bytes(wb))

    # A datetime in the year column, formatted to show only the year.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(PUPILS_EN)
    ws.append(pupil("P0321", 4113030001, "G1", "G1-01", 2014, 1))
    ws.append(pupil("P0322", 4113030001, "G1", "G1-01", 2014, 2))
    ws["A3"] = datetime(2020, 1, 1)
    ws["A3"].number_format = "yyyy"
    write("32_xlsx_datetime_in_year", "pupils/pupils_411303_2020.xlsx", workbook_bytes(wb))

    # Trailing rows that look filled to Excel (formatted, or holding spaces) but hold nothing.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(PUPILS_EN)
    ws.append(pupil("P0541", 4113030001, "G1", "G1-01", 2014, 1))
    ws.append(pupil("P0542", 4113030001, "G1", "G1-01", 2014, 2))
    for col in range(1, len(PUPILS_EN) + 1):
        ws.cell(row=4, column=col).font = Font(bold=True)
        ws.cell(row=5, column=col, value=" ")
        ws.cell(row=6, column=col).font = Font(italic=True)
    write("54_xlsx_trailing_blank_rows", "pupils/pupils_411303_2020.xlsx", workbook_bytes(wb))

    # Broken workbooks.
    write(
        "59_xls_refused",
        "pupils/pupils_411303_2020.xls",
        bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504),
    )
    good = workbook_bytes(sheet([PUPILS_EN, pupil("P0601", 4113030001, "G1", "G1-01", 2014, 1)]))
    write("60_corrupt_xlsx_truncated", "pupils/pupils_411303_2020.xlsx", good[: len(good) // 2])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body[: len(body) // 2]  # the XML stops in the middle of the sheet
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, body)
    write("61_corrupt_xlsx_broken_xml", "pupils/pupils_411303_2020.xlsx", out.getvalue())

    # A named sheet: the first sheet is an example the loader must not read.
    wb = sheet([PUPILS_EN, pupil("P9999", 4113030001, "G1", "示例", 2014, 1)], title="示例")
    ws = wb.create_sheet("学生")
    ws.append(PUPILS_EN)
    ws.append(pupil("P0621", 4113030001, "G1", "B1", 2014, 1))
    ws.append(pupil("P0622", 4113030001, "G2", "B2", 2013, 2))
    write("62_xlsx_named_sheet", "pupils/pupils_411303_2020.xlsx", workbook_bytes(wb))
    manifest("62_xlsx_named_sheet", "pupils/pupils_411303_2020.xlsx", {"sheet": "学生"})

    wb = sheet([PUPILS_EN, pupil("P0631", 4113030001, "G1", "G1-01", 2014, 1)])
    write("63_xlsx_missing_named_sheet", "pupils/pupils_411303_2020.xlsx", workbook_bytes(wb))
    manifest("63_xlsx_missing_named_sheet", "pupils/pupils_411303_2020.xlsx", {"sheet": "学生名册"})

    wb = sheet(
        [
            ["年份", "行政区划代码", "年龄", "人口数", "残疾人口数"],
            [2020, 411303, 6, 10500, 20],
            [2020, 411303, 7, 10400, 18],
            [2020, 411303, 8, 10300, 17],
        ],
        title="常住人口",
    )
    write("75_population_xlsx", "population/population_411303_2020.xlsx", workbook_bytes(wb))


# ---------------------------------------------------------------- special bytes in CSV


def special_csv() -> None:
    name = "卧龙区第一小学"
    tail = "TAIL-OF-THE-LONG-NAME"
    long_name = name + "X" * (100_000 - len(name) - len(tail)) + tail
    assert len(long_name) == 100_000
    write(
        "49_too_long_100k_name",
        "schools/schools_411303_2021.csv",
        csv_text(
            [
                SCHOOLS_EN,
                [2021, 4113030001, long_name, 411303, 211, "public", 111, 0, 24, 5200.5, 8000,
                 1500000, 24],
                [2021, 4113030002, "卧龙区第一初级中学", 411303, 311, "public", 111, 0, 18, 6100,
                 9000.25, 2100000, 18],
            ]
        ).encode(),
    )  # fmt: skip

    write(
        "51_nul_in_cell",
        "schools/schools_411303_2021.csv",
        csv_text(
            [
                SCHOOLS_EN,
                [2021, 4113030001, "卧龙区\x00第一小学", 411303, 211, "public", 111, 0, 24,
                 5200.5, 8000, 1500000, 24],
                [2021, 4113030002, "卧龙区第一初级中学", 411303, 311, "public", 111, 0, 18, 6100,
                 9000.25, 2100000, 18],
            ]
        ).encode(),
    )  # fmt: skip

    lines = [
        ",".join(PUPILS_EN) + "\r\n",
        "2020,P0521,4113030001,G1,A1,2014,1,0,0,0,new\n",
        "2020,P0522,4113030001,G1,A2,2014,2,0,0,0,new\r",
        "2020,P0523,4113030003,K1,A3,2017,1,0,0,0,new\r\n",
    ]
    write("52_mixed_line_endings", "pupils/pupils_411303_2020.csv", "".join(lines).encode())

    blank = "," * (len(PUPILS_EN) - 1)
    lines = [
        ",".join(PUPILS_EN),
        "2020,P0531,4113030001,G1,G1-01,2014,1,0,0,0,new",
        blank,
        "2020,P0532,4113030001,G0,G1-01,2014,2,0,0,0,new",
        blank,
        "",
        "",
    ]
    write(
        "53_csv_trailing_blank_rows",
        "pupils/pupils_411303_2020.csv",
        "".join(line + "\r\n" for line in lines).encode(),
    )

    write("56_empty_file", "pupils/pupils_411303_2020.csv", b"")


# ---------------------------------------------------------------- parquet


def parquets() -> None:
    table = pa.table(
        {
            "year": ["2020", "2020", "2020"],
            "pupil_id": ["P0641", "P0642", "P0643"],
            "school_code": ["4113030001", "4113030001", "4113030003"],
            "grade": ["G1", "G1", "K1"],
            "class_id": ["G1-01", "G1-02", "K1-01"],
            "birth_year": ["2014", "2014", "2017"],
            "sex": ["1", "2", "2"],
            "migrant": ["0", "1", "0"],
            "left_behind": ["0", "0", "1"],
            "disabled": ["0", "0", "0"],
            "status": ["new", "new", "new"],
        }
    )
    write("64_parquet_clean_pupils", "pupils/pupils_411303_2020.parquet", parquet_bytes(table))

    table = pa.table(
        {
            "年份": pa.array([2021, 2021], pa.int64()),
            "学校标识码": pa.array([4113030001, 4113030002], pa.int64()),
            "学校名称": ["卧龙区第一小学", "卧龙区第一初级中学"],
            "行政区划代码": pa.array([411303, 411303], pa.int64()),
            "办学类型": pa.array([211, 311], pa.int64()),
            "举办者": ["公办", "公办"],
            "城乡分类": pa.array([111, 111], pa.int64()),
            "是否普惠性幼儿园": ["否", "否"],
            "班数": pa.array([24, 18], pa.int64()),
            "教学及辅助用房面积": pa.array([5200.5, 6100.0], pa.float64()),
            "体育运动场馆面积": pa.array([8000.0, 9000.25], pa.float64()),
            "教学仪器设备资产值": pa.array([1500000.0, 2100000.0], pa.float64()),
            "网络多媒体教室数": pa.array([24, 18], pa.int64()),
            "建校年月": pa.array([date(1958, 9, 1), None], pa.date32()),
        }
    )
    write(
        "65_parquet_chinese_columns",
        "schools/schools_411303_2021.parquet",
        parquet_bytes(table),
    )

    table = pa.table(
        {
            "year": pa.array([2020.0, 2020.0, 2020.0], pa.float64()),
            "region_code": ["411303", "411303", "411303"],
            "age": pa.array([3.0, 4.0, 12.5], pa.float64()),
            "population": pa.array([9876.0, 10234.0, 100.0], pa.float64()),
            "disabled_population": pa.array([12.0, 15.0, 0.0], pa.float64()),
        }
    )
    write(
        "66_parquet_float_whole_numbers",
        "population/population_411303_2020.parquet",
        parquet_bytes(table),
    )

    columns = [c for c in TEACHERS_EN if c != "title"]
    row = ["2020", "T0671", "4113030001", "primary", "full_time_teacher", "bachelor", "none",
           "0", "none", "0", "0"]  # fmt: skip
    table = pa.table({c: [v] for c, v in zip(columns, row, strict=True)})
    write(
        "67_parquet_missing_required_column",
        "teachers/teachers_411303_2020.parquet",
        parquet_bytes(table),
    )


# ---------------------------------------------------------------- more edge cases


def more_cases() -> None:
    # A row where only a column outside the contract (备注) is filled is not blank.
    wb = sheet(
        [
            [*SCHOOLS_EN, "备注"],
            [2021, 4113020001, "宛城区第一小学", 411302, 211, "public", 111, 0, 20, 4000, 6000,
             1000000, 20, None],
            [2021, 4113020002, "宛城区实验幼儿园", 411302, 111, "public", 111, 1, 12, 2000, 1500,
             400000, 6, None],
            [None] * len(SCHOOLS_EN) + ["以下空白"],
        ]
    )  # fmt: skip
    write("77_note_row_is_a_record", "schools/schools_411302_2021.xlsx", workbook_bytes(wb))

    # Files that are not deliveries: an Excel lock file and a LibreOffice lock file.
    write(
        "79_lock_files_ignored",
        "pupils/~$pupils_411303_2020.xlsx",
        b"\x08zhangsan" + bytes(44) + b"\x08\x00z\x00h\x00a\x00n\x00g\x00" + bytes(100),
    )
    write(
        "79_lock_files_ignored",
        "pupils/.~lock.pupils_411303_2020.csv#",
        b"zhangsan,PC-01,zhangsan,01.01.2024 08:00,file:///C:/Users/zhangsan;\n",
    )

    wb = openpyxl.Workbook()
    write("82_xlsx_empty_sheet", "pupils/pupils_411303_2020.xlsx", workbook_bytes(wb))

    write(
        "83_corrupt_parquet",
        "pupils/pupils_411303_2020.parquet",
        b"PAR1" + b"this is not a parquet file, only its magic bytes" + b"PAR1",
    )

    table = pa.table(
        {
            "year": ["2020", "2020"],
            "pupil_id": ["P0841", "P0842"],
            "student_name": ["陈小军", "刘小燕"],
            "身份证号": ["411303201405056789", "411303201406061230"],
            "school_code": ["4113030001", "4113030001"],
            "grade": ["G1", "G1"],
            "class_id": ["G1-01", "G1-02"],
            "birth_year": ["2014", "2014"],
            "sex": ["1", "2"],
            "migrant": ["0", "0"],
            "left_behind": ["0", "0"],
            "disabled": ["0", "0"],
            "status": ["new", "new"],
            "监护人手机": ["13611112222", "13633334444"],
        }
    )
    write(
        "84_parquet_personal_columns",
        "pupils/pupils_411303_2020.parquet",
        parquet_bytes(table),
    )

    # Boolean cells in the flag columns.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(PUPILS_EN)
    ws.append([2020, "P0851", 4113030001, "G1", "G1-01", 2014, 1, True, False, False, "new"])
    ws.append([2020, "P0852", 4113030001, "G1", "G1-01", 2014, 2, False, True, True, "new"])
    write("85_xlsx_boolean_flags", "pupils/pupils_411303_2020.xlsx", workbook_bytes(wb))

    # A table that starts at B2: row 1 and column A are empty.
    wb = openpyxl.Workbook()
    ws = wb.active
    rows = [
        PUPILS_EN,
        pupil("P0871", 4113030001, "G1", "G1-01", 2014, 1),
        pupil("P0872", 4113030001, "G99", "G1-01", 2014, 2),
        pupil("P0873", 4113030001, "G1", "G1-02", 2014, 2),
    ]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=2):
            ws.cell(row=r, column=c, value=value)
    write("87_xlsx_table_at_b2", "pupils/pupils_411303_2020.xlsx", workbook_bytes(wb))

    # Mostly UTF-8, with one row pasted in from a GBK file.
    utf8 = csv_text([PUPILS_EN, pupil("P0961", 4113030001, "G1", "一（1）班", 2014, 1)]).encode(
        "utf-8"
    )
    gbk = csv_text([pupil("P0962", 4113030001, "G1", "一（2）班", 2014, 2)]).encode("gbk")
    mixed = utf8 + gbk
    for encoding in ("utf-8", "gb18030"):
        try:
            mixed.decode(encoding)
        except UnicodeDecodeError:
            continue
        raise AssertionError(f"the mixed file must not decode as {encoding}")
    write("96_mixed_utf8_and_gbk", "pupils/pupils_411303_2020.csv", mixed)


def main() -> None:
    encodings()
    workbooks()
    special_csv()
    parquets()
    more_cases()


if __name__ == "__main__":
    main()
