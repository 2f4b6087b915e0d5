"""The extract contracts: what a bureau's file must contain, defined once.

Each extract (schools, pupils, teachers, funding, population) has a contract: its columns with
type, whether required, the Chinese headers each is also accepted under, allowed codes, ranges,
the natural key and row rules. The loader validates against these objects and
`docs/extract_contracts.md` is rendered from them (`python -m orchestration.ingest.contracts`),
so the page a bureau reads and the checks the warehouse runs cannot disagree.
"""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
SEEDS_DIR = PROJECT_DIR / "seeds"

# Column kinds. Numbers and codes are compared after Unicode NFKC normalisation (full-width
# digits and commas become ASCII); free text is kept exactly as written.
YEAR, INTEGER, DECIMAL, CODE, TEXT, ID, DATE = (
    "year",
    "integer",
    "decimal",
    "code",
    "text",
    "id",
    "date",
)
NUMERIC_KINDS = frozenset({YEAR, INTEGER, DECIMAL})
NORMALISED_KINDS = frozenset({YEAR, INTEGER, DECIMAL, CODE, DATE})


@dataclass(frozen=True)
class CodeList:
    """Allowed values of a code column. `labels` maps other spellings a bureau export uses
    (Chinese labels, 是/否) to the code; a value that is neither a code nor a label is refused."""

    name: str
    source: str
    codes: Mapping[str, str]  # code -> description
    labels: Mapping[str, str] = field(default_factory=dict)  # label -> code

    def accepted(self) -> dict[str, str]:
        """Every accepted spelling (normalised) -> code."""
        out = {normalise_label(c): c for c in self.codes}
        out.update({normalise_label(label): code for label, code in self.labels.items()})
        return out


def normalise_label(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


def _inline(name: str, entries: Mapping[str, tuple[str, ...]], describe: str = "") -> CodeList:
    """Code list written in this file: code -> (Chinese label, other accepted spellings...)."""
    return CodeList(
        name=name,
        source=describe or "defined in orchestration/ingest/contracts.py",
        codes={code: spellings[0] for code, spellings in entries.items()},
        labels={s: code for code, spellings in entries.items() for s in spellings},
    )


@cache
def _seed_rows(seed: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / seed).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _seed_list(
    name: str, seed: str | tuple[str, ...], code_col: str, label_col: str | None
) -> CodeList:
    seeds = (seed,) if isinstance(seed, str) else seed
    rows = [r for s in seeds for r in _seed_rows(s)]
    labels = [r[label_col] for r in rows] if label_col else []
    # A label maps to a code only when it is unique (region names repeat across provinces).
    unique = {lbl for lbl in labels if labels.count(lbl) == 1}
    return CodeList(
        name=name,
        source="` and `".join(f"seeds/{s}" for s in seeds),
        codes={r[code_col]: (r[label_col] if label_col else "") for r in rows},
        labels={r[label_col]: r[code_col] for r in rows if label_col and r[label_col] in unique},
    )


@cache
def same_county_codes() -> dict[str, frozenset[str]]:
    """A region code -> the codes that are the same county at another time: the codes it was
    renamed or merged into (its successors) and the codes renamed or merged into it (its
    predecessors), itself included (seeds/regions_historical.csv). Two codes merged into one
    are different areas and not in each other's set; a split code has no successor."""
    successor = {
        r["region_code"]: r["successor_code"]
        for r in _seed_rows("regions_historical.csv")
        if r["successor_code"]
    }
    predecessors: dict[str, set[str]] = {}
    for old, new in successor.items():
        predecessors.setdefault(new, set()).add(old)

    def later(code: str) -> set[str]:
        return {code} | (later(successor[code]) if code in successor else set())

    def earlier(code: str) -> set[str]:
        return {code}.union(*(earlier(p) for p in predecessors.get(code, ())))

    codes = set(successor) | set(predecessors)
    return {c: frozenset(later(c) | earlier(c)) for c in codes}


@cache
def region_descendants() -> dict[str, frozenset[str]]:
    """Region code -> itself and every code below it (retired county codes under their
    prefecture), plus, for a county, its other codes (same_county_codes): a file delivered for
    偃师区 may carry rows under 偃师市's code, and the reverse."""
    rows = _seed_rows("regions.csv") + _seed_rows("regions_historical.csv")
    children: dict[str, list[str]] = {}
    for r in rows:
        children.setdefault(r["parent_code"], []).append(r["region_code"])

    def below(code: str) -> set[str]:
        return {code}.union(*(below(c) for c in children.get(code, ())))

    same = same_county_codes()
    return {
        r["region_code"]: frozenset(
            below(r["region_code"]).union(*(same.get(c, {c}) for c in below(r["region_code"])))
        )
        for r in rows
    }


@cache
def code_lists() -> dict[str, CodeList]:
    flag = {"1": ("是", "y", "yes", "true"), "0": ("否", "n", "no", "false")}
    lists = [
        # retired codes too: a file delivered under a retired code loads, and dbt keeps its
        # figures under the code that replaced it (int_regions.current_region_code)
        _seed_list("region", ("regions.csv", "regions_historical.csv"), "region_code", None),
        _seed_list("school_type", "school_types.csv", "school_type_code", "school_type_name_zh"),
        _seed_list(
            "urban_rural", "urban_rural_types.csv", "urban_rural_code", "urban_rural_name_zh"
        ),
        _seed_list("grade", "grades.csv", "grade_code", "grade_name_zh"),
        _inline("flag", flag),
        _inline("sponsor", {"public": ("公办", "公立"), "private": ("民办", "私立")}),
        # GB/T 2261.1 sex codes
        _inline("sex", {"1": ("男", "male", "m"), "2": ("女", "female", "f")}),
        _inline(
            "pupil_status",
            {
                "continuing": ("在校", "在读"),
                "repeating": ("留级", "复读"),
                "new": ("新生", "新入学"),
                "dropped_out": ("辍学", "流失"),
            },
        ),
        _inline(
            "teaching_stage",
            {
                "preschool": ("学前", "学前教育", "幼儿园"),
                "primary": ("小学",),
                "junior": ("初中",),
                "senior": ("普通高中", "高中"),
                "vocational": ("中职", "中等职业教育"),
                "special": ("特殊教育", "特教"),
                "other": ("其他",),
            },
        ),
        _inline("staff_category", {"full_time_teacher": ("专任教师",), "other_staff": ("其他",)}),
        _inline(
            "qualification",
            {
                "postgraduate": ("研究生",),
                "bachelor": ("本科",),
                "associate": ("专科",),
                "senior_secondary": ("高中",),
                "below": ("高中以下",),
            },
        ),
        _inline(
            "title",
            {
                "senior": ("高级",),
                "first": ("一级",),
                "second": ("二级",),
                "third": ("三级",),
                "unrated": ("未定级",),
            },
        ),
        _inline(
            "backbone_level",
            {
                "national": ("国家级",),
                "province": ("省级",),
                "city": ("市级",),
                "county": ("县级",),
                "school": ("校级",),
                "none": ("无",),
            },
        ),
        _inline(
            "subject_group",
            {
                "pe": ("体育",),
                "music": ("音乐",),
                "fine_art": ("美术",),
                "other": ("其他学科",),
                "none": ("无",),
            },
        ),
        _seed_list("funding_item", "funding_items.csv", "item_code", "item_name_zh"),
        # every indicator, so that a computed one can be told apart from an unknown one
        _seed_list(
            "indicator",
            ("plan_indicators.csv", "indicators.csv"),
            "indicator_id",
            "indicator_name_zh",
        ),
    ]
    return {c.name: c for c in lists}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    label_zh: str
    description: str
    aliases: tuple[str, ...] = ()
    required: bool = True
    codes: str | None = None  # name of a CodeList
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = 200
    pattern: str | None = None  # full-match regular expression, after normalisation
    pseudonymise_as: str | None = None  # id columns: the warehouse column holding the keyed hash

    @property
    def warehouse_name(self) -> str:
        return self.pseudonymise_as or self.name

    def headers(self) -> tuple[str, ...]:
        return (self.name, self.label_zh, *self.aliases)


@dataclass(frozen=True)
class RowRule:
    """A rule across columns of one row; `condition` is SQL over the typed values (`t_<col>`)
    that is true when the row is wrong."""

    reason: str
    column: str
    condition: str
    description: str


@dataclass(frozen=True)
class ExtractContract:
    name: str
    label_zh: str
    description: str
    grain: str
    columns: tuple[Column, ...]
    natural_key: tuple[str, ...]
    row_rules: tuple[RowRule, ...] = ()
    # the school code must exist in the schools extract of the same year
    school_reference: bool = False
    # rows may describe years other than the file's (a report filed in one year restates the
    # figures of earlier years); the file's year then only identifies the delivery
    rows_of_other_years: bool = False
    # a form's rows are pre-filled: one whose value in this column is empty is not reported
    # yet, and counts as a blank row (not read), not as a row missing a value
    unreported_when_empty: str | None = None

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]

    @property
    def warehouse_columns(self) -> list[str]:
        return [c.warehouse_name for c in self.columns]

    @property
    def pseudonymise(self) -> dict[str, str]:
        return {c.name: c.pseudonymise_as for c in self.columns if c.pseudonymise_as}


def _year() -> Column:
    return Column(
        "year", YEAR, "年份", "School year the record describes (autumn term).",
        aliases=("学年", "统计年份", "年度"), minimum=1990, maximum=2100,
    )  # fmt: skip


def _school_code() -> Column:
    return Column(
        "school_code", CODE, "学校标识码", "National 10-digit school identification code.",
        aliases=("学校代码", "学校编码"), pattern=r"[0-9]{10}",
    )  # fmt: skip


def _region_code() -> Column:
    return Column(
        "region_code", CODE, "行政区划代码", "6-digit administrative division code.",
        aliases=("区划代码", "所在地区代码", "地区代码"), codes="region",
    )  # fmt: skip


def _flag(name: str, label: str, description: str, *aliases: str, required=True) -> Column:
    return Column(name, CODE, label, description, aliases, required=required, codes="flag")


CONTRACTS: dict[str, ExtractContract] = {
    c.name: c
    for c in (
        ExtractContract(
            "schools",
            "学校基本情况",
            "One row per school: type, sponsor, location and facilities.",
            "one row per school per year",
            (
                _year(),
                _school_code(),
                Column(
                    "school_name",
                    TEXT,
                    "学校名称",
                    "Registered school name.",
                    aliases=("学校（机构）名称",),
                    max_length=100,
                ),
                _region_code(),
                Column(
                    "school_type_code",
                    CODE,
                    "办学类型",
                    "MoE school type (办学类型) code.",
                    aliases=("办学类型代码", "学校类型"),
                    codes="school_type",
                ),
                Column(
                    "sponsor",
                    CODE,
                    "举办者",
                    "Public (公办) or private (民办).",
                    aliases=("举办者类型", "办学性质", "公办民办"),
                    codes="sponsor",
                ),
                Column(
                    "urban_rural_code",
                    CODE,
                    "城乡分类",
                    "NBS urban-rural code (城乡分类代码).",
                    aliases=("城乡分类代码", "城乡类型"),
                    codes="urban_rural",
                ),
                _flag(
                    "inclusive_kindergarten",
                    "是否普惠性幼儿园",
                    "1 when a kindergarten is recognised as 普惠性 (inclusive).",
                    "普惠性幼儿园",
                ),
                Column(
                    "classes",
                    INTEGER,
                    "班数",
                    "Number of classes.",
                    aliases=("班级数",),
                    minimum=0,
                    maximum=2000,
                ),
                Column(
                    "teaching_floor_area_m2",
                    DECIMAL,
                    "教学及辅助用房面积",
                    "Teaching and auxiliary floor area, m².",
                    aliases=("教学及辅助用房面积（平方米）",),
                    minimum=0,
                    maximum=10_000_000,
                ),
                Column(
                    "sports_ground_area_m2",
                    DECIMAL,
                    "体育运动场馆面积",
                    "Sports ground area, m².",
                    aliases=("体育运动场（馆）面积", "体育运动场馆面积（平方米）"),
                    minimum=0,
                    maximum=10_000_000,
                ),
                Column(
                    "equipment_value_yuan",
                    DECIMAL,
                    "教学仪器设备资产值",
                    "Value of teaching equipment, yuan.",
                    aliases=("教学仪器设备资产值（元）",),
                    minimum=0,
                    maximum=1e11,
                ),
                Column(
                    "multimedia_classrooms",
                    INTEGER,
                    "网络多媒体教室数",
                    "Networked multimedia classrooms.",
                    aliases=("网络多媒体教室",),
                    minimum=0,
                    maximum=10_000,
                ),
                Column(
                    "founded_date",
                    DATE,
                    "建校年月",
                    "Date the school was founded, if given.",
                    aliases=("建校日期", "建校时间"),
                    required=False,
                ),
            ),
            natural_key=("year", "school_code"),
        ),
        ExtractContract(
            "pupils",
            "学生名册",
            "One row per pupil enrolled (or dropped out) in the year.",
            "one row per pupil per year",
            (
                _year(),
                Column(
                    "pupil_id",
                    ID,
                    "学籍号",
                    "Bureau pupil id; replaced by a keyed hash.",
                    aliases=("全国学籍号", "学生标识", "学生编号"),
                    max_length=64,
                    pseudonymise_as="pupil_key",
                ),
                _school_code(),
                Column(
                    "grade",
                    CODE,
                    "年级",
                    "Grade code K1–K3, G1–G12.",
                    aliases=("年级代码",),
                    codes="grade",
                ),
                Column(
                    "class_id",
                    TEXT,
                    "班级",
                    "Class identifier within the school.",
                    aliases=("班级号", "班级编号"),
                    required=False,
                    max_length=50,
                ),
                Column(
                    "birth_year",
                    YEAR,
                    "出生年份",
                    "Year of birth (never the full date).",
                    aliases=("出生年",),
                    minimum=1970,
                    maximum=2100,
                ),
                Column(
                    "sex",
                    CODE,
                    "性别",
                    "1 male, 2 female (GB/T 2261.1); 男/女 accepted.",
                    aliases=("性别码",),
                    codes="sex",
                ),
                _flag(
                    "migrant",
                    "是否随迁子女",
                    "1 for children of migrant workers (随迁子女).",
                    "是否进城务工人员随迁子女",
                    "随迁子女",
                ),
                _flag("left_behind", "是否留守儿童", "1 for left-behind children.", "留守儿童"),
                _flag("disabled", "是否残疾", "1 for pupils with a disability.", "残疾"),
                Column(
                    "status",
                    CODE,
                    "学籍状态",
                    "continuing, repeating, new or dropped_out.",
                    aliases=("在校状态",),
                    codes="pupil_status",
                ),
            ),
            natural_key=("year", "pupil_id"),
            row_rules=(
                RowRule(
                    "implausible_age",
                    "birth_year",
                    "t_year - t_birth_year not between 1 and 30",
                    "a pupil's age (year − birth year) must be between 1 and 30",
                ),
            ),
            school_reference=True,
        ),
        ExtractContract(
            "teachers",
            "教职工名册",
            "One row per staff member in the year.",
            "one row per staff member per year",
            (
                _year(),
                Column(
                    "teacher_id",
                    ID,
                    "教职工号",
                    "Bureau staff id; replaced by a keyed hash.",
                    aliases=("教师标识", "工号", "教职工编号"),
                    max_length=64,
                    pseudonymise_as="teacher_key",
                ),
                _school_code(),
                Column(
                    "teaching_stage",
                    CODE,
                    "任教学段",
                    "Stage the person teaches.",
                    aliases=("学段",),
                    codes="teaching_stage",
                ),
                Column(
                    "staff_category",
                    CODE,
                    "岗位类别",
                    "Full-time teacher or other staff.",
                    aliases=("教职工类别",),
                    codes="staff_category",
                ),
                Column(
                    "qualification",
                    CODE,
                    "最高学历",
                    "Highest qualification.",
                    aliases=("学历",),
                    codes="qualification",
                ),
                Column(
                    "title",
                    CODE,
                    "专业技术职务",
                    "Professional title.",
                    aliases=("职称",),
                    codes="title",
                ),
                Column(
                    "backbone_level",
                    CODE,
                    "骨干教师级别",
                    "Backbone-teacher level.",
                    aliases=("骨干教师",),
                    codes="backbone_level",
                ),
                _flag(
                    "dual_qualified",
                    "是否双师型教师",
                    "1 for dual-qualified (双师型) teachers.",
                    "双师型教师",
                ),
                Column(
                    "subject_group",
                    CODE,
                    "任教学科组",
                    "Subject group (PE, music, art...).",
                    aliases=("任教学科",),
                    codes="subject_group",
                ),
                _flag(
                    "rotated",
                    "是否交流轮岗",
                    "1 when the person rotated to another school.",
                    "交流轮岗",
                ),
                _flag(
                    "rotation_eligible",
                    "是否应交流",
                    "1 when the person is due to rotate.",
                    "应交流",
                ),
            ),
            natural_key=("year", "teacher_id"),
            school_reference=True,
        ),
        ExtractContract(
            "funding",
            "教育经费",
            "One row per region, year and funding item, in yuan.",
            "one row per region per year per funding item",
            (
                _year(),
                _region_code(),
                Column(
                    "item_code",
                    CODE,
                    "经费项目",
                    "Funding item.",
                    aliases=("项目代码", "项目"),
                    codes="funding_item",
                ),
                Column(
                    "amount_yuan",
                    DECIMAL,
                    "金额",
                    "Amount in yuan.",
                    aliases=("金额（元）",),
                    minimum=0,
                    maximum=1e13,
                ),
            ),
            natural_key=("year", "region_code", "item_code"),
        ),
        ExtractContract(
            "population",
            "常住人口",
            "Resident population by single year of age, the denominators of enrolment rates.",
            "one row per region per year per single year of age",
            (
                _year(),
                _region_code(),
                Column(
                    "age",
                    INTEGER,
                    "年龄",
                    "Age in completed years.",
                    aliases=("岁",),
                    minimum=0,
                    maximum=120,
                ),
                Column(
                    "population",
                    INTEGER,
                    "人口数",
                    "Resident population of that age.",
                    aliases=("常住人口", "人数"),
                    minimum=0,
                    maximum=1_000_000_000,
                ),
                Column(
                    "disabled_population",
                    INTEGER,
                    "残疾人口数",
                    "Residents of that age with a disability.",
                    aliases=("残疾人口",),
                    minimum=0,
                    maximum=1_000_000_000,
                ),
            ),
            natural_key=("year", "region_code", "age"),
            row_rules=(
                RowRule(
                    "inconsistent_values",
                    "disabled_population",
                    "t_disabled_population > t_population",
                    "disabled population cannot exceed the population of the same age",
                ),
            ),
        ),
        ExtractContract(
            "indicator_reports",
            "指标填报",
            "Figures no microdata extract gives, reported by the responsible unit on the form "
            "`eduwh template` writes: one row per region, year and indicator.",
            "one row per region per year per indicator",
            (
                _year(),
                _region_code(),
                Column(
                    "indicator_id",
                    CODE,
                    "指标代码",
                    "The indicator (seeds/plan_indicators.csv), as the template names it.",
                    aliases=("指标编码",),
                    codes="indicator",
                ),
                Column(
                    "breakdown",
                    TEXT,
                    "分项",
                    "Which figure of the indicator, when the region reports several in a year "
                    "(a stage, a subgroup or a project, as the template names it); empty for one.",
                    aliases=("分项名称",),
                    required=False,
                    max_length=200,
                ),
                Column(
                    "value",
                    DECIMAL,
                    "填报值",
                    "The figure, in the indicator's unit.",
                    aliases=("数值", "填报数值"),
                ),
                Column(
                    "unit",
                    TEXT,
                    "单位",
                    "The indicator's unit, as the template gives it.",
                    aliases=("计量单位",),
                    max_length=50,
                ),
                Column(
                    "reporting_unit",
                    TEXT,
                    "填报单位",
                    "The organisation responsible for the figure (never a person's name).",
                    aliases=("报送单位",),
                    max_length=100,
                ),
                Column(
                    "evidence",
                    TEXT,
                    "佐证材料",
                    "Document number or note the figure rests on.",
                    aliases=("依据", "文件文号", "佐证"),
                    required=False,
                    max_length=500,
                ),
                Column(
                    "report_date",
                    DATE,
                    "填报日期",
                    "The date the figure was reported.",
                    aliases=("报送日期",),
                ),
            ),
            natural_key=("year", "region_code", "indicator_id", "breakdown"),
            rows_of_other_years=True,
            unreported_when_empty="value",
        ),
    )
}

# Headers that carry personal data, in whatever extract they arrive: dropped before anything is
# written. Matched after normalisation, and also by the fragments below (e.g. 学生姓名, 家长电话).
PERSONAL_HEADERS = frozenset(
    {
        "name", "pupil_name", "student_name", "teacher_name", "full_name",
        "id_card", "id_card_number", "id_number", "identity_number", "phone", "phone_number",
        "mobile", "telephone", "tel", "address", "home_address", "birth_date", "date_of_birth",
        "email",
    }
)  # fmt: skip
PERSONAL_HEADER_FRAGMENTS = (
    "姓名", "名字", "身份证", "证件号", "电话", "手机", "联系方式", "住址", "地址", "出生日期",
    "生日", "邮箱", "监护人",
)  # fmt: skip

# Why a row can be quarantined; the reason code is stored, the text is what people read.
REASONS: dict[str, str] = {
    "missing_value": "a required value is empty",
    "not_an_integer": "not a whole number",
    "not_a_number": "not a number",
    "bad_thousands_separator": "commas that are not thousands separators (e.g. 1,23)",
    "scientific_notation": "a number in scientific notation, which Excel writes when it has "
    "rounded the value; format the column as a number and export again",
    "out_of_range": "outside the allowed range",
    "not_a_date": "not a date (write YYYY-MM-DD; an Excel serial number is not accepted)",
    "bad_format": "does not have the required format",
    "unknown_code": "not one of the allowed codes",
    "unknown_region": "not a region code in the region reference",
    "unknown_indicator": "not an indicator the warehouse knows (seeds/plan_indicators.csv); "
    "use the indicator code the template gives",
    "computed_indicator": "an indicator the warehouse computes from the extracts, so it is not "
    "reported; the value column gives the computed figure where there is one",
    "unit_mismatch": "not the indicator's unit (the template's 单位); report in that unit",
    "region_level_not_targeted": "no plan target on this indicator at this region's level (nor "
    "above it, for figures that add up), so the figure is not used",
    "not_an_organisation": "looks like a person's name; give the reporting organisation "
    "(e.g. 县教育体育局基教股), not a person; value not stored",
    "region_outside_file": "a region that is not the file's region or inside it",
    "unknown_school": "a school code not in the schools extract of the same year",
    "year_mismatch": "a year different from the year the file is for",
    "too_long": "longer than the column allows",
    "formula_injection": "starts like a spreadsheet formula (=, +, -, @)",
    "control_character": "contains a control character (e.g. NUL)",
    "personal_data_in_value": "looks like an ID-card or phone number in a non-personal column; "
    "value not stored",
    "duplicate_row": "an exact copy of an earlier row of the same file (the first copy is loaded)",
    "conflicting_key": "the same natural key as another row of the file with different values; "
    "none of them is loaded because which one is right is unknown",
    "wrong_field_count": "a different number of fields than the header",
    "implausible_age": "the age implied by year and birth year is implausible",
    "inconsistent_values": "values of the row contradict each other",
    "delivered_under_another_code": "the file was refused as a whole because the same extract, "
    "county and year is already delivered under the county's other code (a retired code or the "
    "code that replaced it); this row itself was valid",
    "file_over_threshold": "the file was refused as a whole because too many rows broke the "
    "contract; this row itself was valid",
}


def is_personal_header(header: str) -> bool:
    h = normalise_header(header)
    return h in PERSONAL_HEADERS or any(f in h for f in PERSONAL_HEADER_FRAGMENTS)


def normalise_header(header: object) -> str:
    """Header spelling as matched: NFKC (full-width brackets), lower case, no spaces or the
    asterisk templates use to mark required columns."""
    text = unicodedata.normalize("NFKC", str(header or "")).strip().lower()
    return re.sub(r"[\s*＊]+", "", text)


@cache
def header_index(extract: str) -> dict[str, str]:
    """Accepted header spelling (normalised) -> contract column name."""
    out: dict[str, str] = {}
    for col in CONTRACTS[extract].columns:
        for h in col.headers():
            out[normalise_header(h)] = col.name
    return out


def render_markdown() -> str:
    """The documentation page for bureaus and analysts, generated from CONTRACTS."""
    lists = code_lists()
    out = [
        "# Extract contracts",
        "",
        "<!-- Generated by `python -m orchestration.ingest.contracts > docs/extract_contracts.md`;"
        " do not edit by hand. -->",
        "",
        "What each file a bureau sends must contain, and what the loader does with it. The same",
        "definitions (`orchestration/ingest/contracts.py`) drive the validation, so this page is",
        "the rule that is applied.",
        "",
        "## Files",
        "",
        "- Put each file in the folder of its extract: `<landing>/<extract>/`. Name it",
        "  `<extract>_<region code>_<year>.<ext>` (e.g. `pupils_411303_2024.xlsx`) so a corrected",
        "  file for the same extract, region and year supersedes the earlier one; or say so in a",
        "  manifest beside it (`<file name>.manifest.json`, keys `region_code`, `year`,",
        "  `encoding`, `sheet`, `delimiter`).",
        "- Formats: CSV (UTF-8, UTF-8 with BOM, or GB18030/GBK, detected or declared in the",
        "  manifest), XLSX (first sheet or the manifest's `sheet`), Parquet. Legacy `.xls` is",
        "  refused: save it as `.xlsx`.",
        "- The header row may have title rows above it (up to 30 rows are searched). Columns are",
        "  matched by the English name or any Chinese header listed below, ignoring spaces,",
        "  full-width brackets and a leading `*`. Columns not in the contract are ignored and",
        "  reported.",
        "- Personal data never enters the warehouse: columns whose header names a person's name,",
        "  ID-card number, phone number, address, birth date or e-mail are dropped before",
        "  anything is written; pupil and teacher ids are replaced by a keyed hash.",
        "- A row whose every cell is empty is not a record: it is counted as blank and skipped.",
        "- Numbers: full-width digits are read as digits; commas are accepted only as thousands",
        "  separators (`1,234` or `1，234`); anything else is quarantined with a reason.",
        "  Codes may be given as the code or as one of the labels listed below.",
        "",
        "## What happens to a file",
        "",
        "- **Refused** (nothing from it is loaded, the reason is one sentence): unreadable, not",
        "  UTF-8 or GB18030, empty, no data rows, a required column missing, two columns for the",
        "  same field, an unknown extract folder or format, or more quarantined rows than the",
        "  threshold (`EDUWH_QUARANTINE_MAX_SHARE`, default 5 %).",
        "- **Loaded**, with each row that breaks the contract put in `raw._quarantine` with the",
        "  file, row number (as a spreadsheet shows it), column, value and reason code. For every",
        "  file `rows read = rows loaded + rows quarantined`, recorded in `raw._load_audit`.",
        "- **Unchanged**: a file whose content (SHA-256) was seen before changes nothing.",
        "- A new file for the same extract, region and year **supersedes** the earlier one: the",
        "  views `raw.<extract>` show current rows only; `raw.<extract>_history` keeps every",
        "  version.",
        "",
        "## Row quarantine reasons",
        "",
        "| reason code | meaning |",
        "|---|---|",
        *(f"| `{code}` | {text} |" for code, text in REASONS.items()),
        "",
    ]
    for contract in CONTRACTS.values():
        out += [
            f"## `{contract.name}` — {contract.label_zh}",
            "",
            contract.description,
            "",
            f"- Grain: {contract.grain}.",
            f"- Natural key: {', '.join(f'`{k}`' for k in contract.natural_key)}"
            " (duplicates within a file are quarantined).",
        ]
        if contract.school_reference:
            out.append("- `school_code` must exist in the schools extract of the same year.")
        out += [f"- Row rule `{r.reason}`: {r.description}." for r in contract.row_rules]
        out += [
            "",
            "| column | 中文表头 (also accepted) | type | required | allowed values |",
            "|---|---|---|---|---|",
        ]
        for col in contract.columns:
            allowed = []
            if col.codes:
                cl = lists[col.codes]
                allowed.append(
                    f"codes from `{cl.source}`"
                    if cl.source.startswith("seeds/")
                    else ", ".join(f"`{c}` {d}" for c, d in cl.codes.items())
                )
            if col.minimum is not None or col.maximum is not None:
                allowed.append(f"{col.minimum:g} to {col.maximum:g}")
            if col.pattern:
                allowed.append(f"pattern `{col.pattern}`")
            if col.kind in (TEXT, ID):
                allowed.append(f"at most {col.max_length} characters")
            if col.pseudonymise_as:
                allowed.append(f"stored only as keyed hash `{col.pseudonymise_as}`")
            headers = col.label_zh + (f" ({', '.join(col.aliases)})" if col.aliases else "")
            out.append(
                f"| `{col.name}` | {headers} | {col.kind} | "
                f"{'yes' if col.required else 'no'} | {'; '.join(allowed)} |"
            )
        out.append("")
    out += ["## Code lists", ""]
    for cl in lists.values():
        if cl.source.startswith("seeds/"):
            out.append(
                f"- `{cl.name}`: {len(cl.codes):,} codes from `{cl.source}`"
                + (f"; its {len(cl.labels)} unique Chinese names are accepted too." if cl.labels
                   else ".")
            )  # fmt: skip
        else:
            spelled = "; ".join(
                f"`{c}` = {', '.join(s for s, code in cl.labels.items() if code == c)}"
                for c in cl.codes
            )
            out.append(f"- `{cl.name}`: {spelled}.")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render_markdown())
