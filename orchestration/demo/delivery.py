"""Turn the generator's plain CSV files into what bureaus actually send.

The generator writes every extract as clean UTF-8 CSV with the contract's English headers. Real
deliveries are messier, and the demo should exercise the loader the way they do, so
`as_bureau_exports` rewrites some of the files in place:

- 卧龙区 pupils and teachers: GB18030 CSV with Chinese headers and Chinese code labels (男/女,
  是/否, 专任教师 …), carrying personal data as bureau systems export it — 姓名 and 身份证号
  (synthetic, with valid check digits), and 联系电话 for staff — which the loader must drop;
- 卧龙区 schools: an XLSX workbook with a merged title row above the Chinese header;
- 洛阳市's population: Parquet with integer columns;
- one county's funding (洛龙区 410311): UTF-8 with BOM, amounts with thousands separators;
- 卧龙区 pupils 2021: three defective rows appended (two exact copies of earlier rows and a pupil
  at a school code that does not exist), which the loader must quarantine.

The generator manifest records each file's format and its defective rows (`defect_rows`), so a
test knows how many rows the warehouse must hold and how many the quarantine.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from orchestration.ingest.contracts import CONTRACTS, code_lists

WOLONG = "411303"
LUOYANG_FUNDING_WITH_SEPARATORS = "410311"
DEFECTS_FILE = ("pupils", WOLONG, 2021)
UNKNOWN_SCHOOL = "9999999999"
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂子涵浩宇欣怡梓轩雨萱一诺博文")
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK = np.array(list("10X98765432"))
# The columns each restyled extract shows with Chinese labels instead of codes.
LABELLED = {
    "pupils": ("sex", "migrant", "left_behind", "disabled"),
    "teachers": ("staff_category", "teaching_stage", "title", "dual_qualified"),
    "schools": ("sponsor", "inclusive_kindergarten"),
}


def _text(table: pa.Table, name: str) -> pa.Array:
    return table.column(name).combine_chunks()


def _labelled(values: pa.Array, code_list: str) -> pa.Array:
    """Codes -> their first Chinese label, as a bureau export shows them."""
    codes = code_lists()[code_list].codes
    keys = pa.array(list(codes), pa.string())
    labels = pa.array(list(codes.values()), pa.string())
    return pc.take(labels, pc.index_in(values, value_set=keys))


def _fake_names(rng: np.random.Generator, n: int) -> pa.Array:
    parts = [pc.take(pa.array(SURNAMES), pa.array(rng.integers(0, len(SURNAMES), n)))]
    for _ in range(2):
        parts.append(pc.take(pa.array(GIVEN), pa.array(rng.integers(0, len(GIVEN), n))))
    return pc.binary_join_element_wise(*parts, "")


def _fake_id_cards(rng: np.random.Generator, birth_years: np.ndarray, region: str) -> pa.Array:
    """Synthetic 18-character resident ID numbers with a valid GB 11643 check digit."""
    n = len(birth_years)
    month = rng.integers(1, 13, n)
    day = rng.integers(1, 29, n)
    seq = rng.integers(0, 1000, n)
    body = np.empty((n, 17), dtype=np.int64)
    body[:, :6] = np.array([int(c) for c in region])
    for i, (values, width) in enumerate(((birth_years, 4), (month, 2), (day, 2), (seq, 3))):
        start = 6 + sum((4, 2, 2, 3)[:i])
        for d in range(width):
            body[:, start + d] = values // 10 ** (width - 1 - d) % 10
    check = ID_CHECK[(body * ID_WEIGHTS).sum(axis=1) % 11]
    # the 17 digits as one number (a region code has no leading zero, so none is lost), in
    # arrays rather than a Python loop over 1.6 million rows
    digits = (body * 10 ** np.arange(16, -1, -1, dtype=np.int64)).sum(axis=1)
    return pc.binary_join_element_wise(
        pc.cast(pa.array(digits), pa.string()), pa.array(check.tolist(), pa.string()), ""
    )


def _fake_phones(rng: np.random.Generator, n: int) -> pa.Array:
    numbers = 13_000_000_000 + rng.integers(0, 6_999_999_999, n)
    return pc.cast(pa.array(numbers), pa.string())


def _chinese_headers(table: pa.Table, extract: str) -> pa.Table:
    contract = CONTRACTS[extract]
    for name in LABELLED.get(extract, ()):
        col = contract.column(name)
        i = table.schema.get_field_index(name)
        table = table.set_column(i, name, _labelled(_text(table, name), col.codes))
    names = [
        contract.column(n).label_zh if n in {c.name for c in contract.columns} else n
        for n in table.column_names
    ]
    return table.rename_columns(names)


def _csv_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(quoting_style="needed"))
    return sink.getvalue().to_pybytes()


def _read(path: Path) -> pa.Table:
    """A generated CSV with every column as text, exactly as written."""
    with path.open(encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split(",")
    return pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in header}, strings_can_be_null=False
        ),
    )


def _person_columns(table: pa.Table, extract: str, rng: np.random.Generator) -> pa.Table:
    n = table.num_rows
    if extract == "pupils":
        births = np.asarray(pc.cast(_text(table, "birth_year"), pa.int64()))
    else:
        births = rng.integers(1962, 2001, n)
    table = table.append_column("姓名", _fake_names(rng, n))
    table = table.append_column("身份证号", _fake_id_cards(rng, births, WOLONG))
    if extract == "teachers":
        table = table.append_column("联系电话", _fake_phones(rng, n))
    return table


def _defects(table: pa.Table) -> tuple[pa.Table, int]:
    """Two exact copies of earlier rows and one new pupil at a school that does not exist."""
    copies = table.slice(0, 2)
    stray = table.slice(2, 1)
    for name, value in (("school_code", UNKNOWN_SCHOOL), ("pupil_id", "P-DEFECT-0001")):
        i = stray.schema.get_field_index(name)
        stray = stray.set_column(i, name, pa.array([value], pa.string()))
    return pa.concat_tables([table, copies, stray]), 3


def _write_xlsx(path: Path, table: pa.Table, title: str) -> None:
    import openpyxl

    wb = openpyxl.Workbook(write_only=False)
    ws = wb.active
    ws.title = "学校基本情况"
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=table.num_columns)
    ws.append(table.column_names)
    numeric = {
        c.label_zh for c in CONTRACTS["schools"].columns if c.kind in ("year", "integer", "decimal")
    }
    columns = [
        [float(v) if name in numeric and "." in v else int(v) if name in numeric else v
         for v in table.column(name).to_pylist()]
        for name in table.column_names
    ]  # fmt: skip
    for row in zip(*columns, strict=True):
        ws.append(row)
    wb.save(path)


def _grouped(number: str) -> str:
    """'2350823764.5' -> '2,350,823,764.5', as a spreadsheet's number format shows it."""
    whole, _, fraction = number.partition(".")
    return f"{int(whole):,}" + (f".{fraction}" if fraction else "")


def as_bureau_exports(out_dir: Path, seed: int = 20210326) -> dict:
    """Rewrite the selected generated files in place and update the generator manifest."""
    manifest_path = out_dir / "_generator_manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    rng = np.random.default_rng(seed)
    for entry in manifest["files"]:
        extract, region, year = entry["extract"], entry["region_code"], entry["year"]
        path = out_dir / entry["path"]
        entry.setdefault("format", "csv utf-8")
        entry.setdefault("defect_rows", 0)
        if region == WOLONG and extract in ("pupils", "teachers"):
            table = _read(path)
            if (extract, region, year) == DEFECTS_FILE:
                table, entry["defect_rows"] = _defects(table)
            table = _chinese_headers(_person_columns(table, extract, rng), extract)
            path.write_bytes(_csv_bytes(table).decode("utf-8").encode("gb18030"))
            entry["format"] = "csv gb18030, Chinese headers, personal columns"
        elif region == WOLONG and extract == "schools":
            table = _chinese_headers(_read(path), extract)
            new = path.with_suffix(".xlsx")
            _write_xlsx(new, table, f"南阳市卧龙区{year}年学校基本情况统计表")
            path.unlink()
            entry["path"] = new.relative_to(out_dir).as_posix()
            entry["format"] = "xlsx, merged title row"
        elif extract == "population" and region != WOLONG:
            table = _read(path)
            typed = pa.table(
                {
                    n: pc.cast(table.column(n), pa.int64()) if n != "region_code" else table[n]
                    for n in table.column_names
                }
            )
            new = path.with_suffix(".parquet")
            pq.write_table(typed, new)
            path.unlink()
            entry["path"] = new.relative_to(out_dir).as_posix()
            entry["format"] = "parquet"
        elif extract == "funding" and region == LUOYANG_FUNDING_WITH_SEPARATORS:
            table = _read(path)
            amounts = [_grouped(v) for v in table.column("amount_yuan").to_pylist()]
            i = table.schema.get_field_index("amount_yuan")
            table = table.set_column(i, "amount_yuan", pa.array(amounts, pa.string()))
            path.write_bytes(b"\xef\xbb\xbf" + _csv_bytes(table))
            entry["format"] = "csv utf-8 with BOM, thousands separators"
    manifest["delivery"] = "bureau"
    manifest_path.write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return manifest
