"""The regions the demo generates and how each behaves: a rate's path over the years
(`_Path`), a region's profile (`_Profile`: where its rates start in 2020 and how they move, so
that its plan's targets come out mixed), the county-level units (`_Region`) and the areas the
plans name (`_Area`), and the scale tiers of the benchmark (county, city, province)."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from orchestration.demo.common import BASE_YEAR

DUAL_QUALIFIED_2020 = 0.376  # 洛阳市's published 双师型 share, the default profile's start

# --------------------------------------------------------------------------------------------
# Regions and their profiles
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Path:
    """A rate over the years: `start` in 2020, changing by `slope` a year, kept in [low, high]."""

    start: float
    slope: float = 0.0
    low: float = 0.0
    high: float = 1.0

    def at(self, year: int, start: float | None = None) -> float:
        s = self.start if start is None else start
        return float(np.clip(s + self.slope * (year - BASE_YEAR), self.low, self.high))


@dataclass(frozen=True)
class _Profile:
    """How a region's indicators move: the rates its plan targets start where its published
    baseline (or, without one, a plausible figure) puts them and move so that some targets are
    met and some missed. A prefecture's counties share one profile; its rates then hold for the
    prefecture as a whole (the unit its plan states them for)."""

    ger_kg: _Path  # 学前三年毛入园率 (population 3-5 is derived from it)
    ger_senior: _Path  # 高中阶段毛入学率 (population 15-17 likewise)
    public_kg: float = 0.5  # 公办园在园幼儿占比 in 2020; rises ~1.2 points a year (_TREND)
    # Private kindergartens recognised as 普惠性: by a coin per school against the year's share
    # (the first regions), or as a quota of the pupils of the whole area (_inclusive_quota), so
    # that a published coverage is met to a fraction of a point however few private
    # kindergartens each county has.
    inclusive_private: _Path = _Path(0.73, 0.02, 0.5, 0.85)
    inclusive_by_quota: bool = True
    dual_qualified: _Path = _Path(DUAL_QUALIFIED_2020, 0.03, 0.3, 0.65)  # 双师型 share
    # Enrolled disabled pupils of grades 1-9 over the disabled population aged 6-14; None: the
    # first regions' rate drawn per region (96-97 %).
    disabled_rate: _Path | None = None
    # Counties of a prefecture scatter around its rates (which hold for the prefecture).
    county_noise: bool = False
    budget_per_pupil: float = 12000.0  # general-budget education spending per pupil, 2019
    # (year, change) replacing that year's usual 2-6 % rise of the budget (0.0: held flat)
    budget_change: tuple[int, float] | None = None
    # (public, private) shares of primary, junior and general senior pupils; (general,
    # vocational) shares of senior pupils. Pairs rather than one share, so that the first
    # regions' arithmetic (and files) stay exactly as they were.
    primary: tuple[float, float] = (0.95, 0.05)
    junior: tuple[float, float] = (0.93, 0.07)
    general_senior: tuple[float, float] = (0.85, 0.15)
    senior: tuple[float, float] = (0.58, 0.42)
    zero_dropouts_from: int | None = None  # 控辍保学 常态清零: no compulsory dropouts from then
    # 消除大班额 and more: from this year no class above the standard size (primary 45, junior 50)
    standard_classes_from: int | None = None
    # 优质均衡: from this year every compulsory school's equipment and multimedia classrooms per
    # pupil reach the standard
    equipped_from: int | None = None
    backbone: float = 1.0  # county-level-or-higher backbone teachers, relative to the others
    lean: bool = False  # a small county has one school of each kind, not several (_county_plan)


@dataclass(frozen=True)
class _Region:
    """A county-level unit that delivers (or whose prefecture delivers) extracts."""

    code: str
    name: str
    parent: str
    ordinal: int  # keeps pupil/teacher id ranges (and, per province, school codes) disjoint
    pop_10k: float = 0.0  # resident population: the share of its prefecture's pupils it has
    urban_share: float = 0.0  # share of pupils in urban-coded (城区) schools
    profile: _Profile | None = None
    delivery: str = ""  # the region whose files carry its rows (its prefecture), if not itself
    resources: float = 1.0  # teachers and facilities of its schools, relative to the others
    special_school: bool = True
    # First number of its school codes; None: from its block among the plans' regions of its
    # province (_school_block). The province tier numbers its 157 counties itself.
    code_base: int | None = None

    @property
    def file_region(self) -> str:
        return self.delivery or self.code


@dataclass(frozen=True)
class _Area:
    """A region a plan names: one county-level unit, or a prefecture whose counties are
    generated so that its indicators are sums over them."""

    code: str
    name: str
    counties: tuple[_Region, ...]
    pupils: float = 0.0  # kindergarten to senior secondary pupils in 2020 at scale 1.0
    published: bool = False  # sized by its plan's 2020 figures, at every scale

    @property
    def profile(self) -> _Profile:
        profile = self.counties[0].profile
        assert profile is not None
        return profile


def _counties(
    parent: str,
    profile: _Profile,
    first_ordinal: int,
    rows: Sequence[tuple],
    *,
    city_files: bool = False,
) -> tuple[_Region, ...]:
    """The county-level units of an area from (code, name, population in 10 000s, urban share[,
    keyword overrides]) rows, numbered from `first_ordinal`."""
    return tuple(
        _Region(
            code,
            name,
            parent,
            first_ordinal + i,
            pop,
            urban,
            profile,
            parent if city_files else "",
            **(extra[0] if extra else {}),
        )
        for i, (code, name, pop, urban, *extra) in enumerate(rows)
    )


WOLONG_PROFILE = _Profile(
    ger_kg=_Path(0.895, 0.005, 0.88, 0.93),
    ger_senior=_Path(0.915, 0.003, 0.0, 0.96),
    inclusive_by_quota=False,
    budget_per_pupil=9500.0,
)
WOLONG = _Region("411303", "卧龙区", "411300", 1, profile=WOLONG_PROFILE)
LUOYANG_CODE = "410300"
# 洛阳 is calibrated at city level to its plan's 2020 rates (学前毛入园率 92 rising to 95,
# 普惠 86, 公办园 48; 001_a06619f67622513c.txt).
LUOYANG_PROFILE = _Profile(
    ger_kg=_Path(0.92, 0.006, 0.85, 0.97),
    ger_senior=_Path(0.93, 0.003, 0.0, 0.96),
    public_kg=0.48,
    inclusive_by_quota=False,
    county_noise=True,
)
# Populations and urban shares are rough, public-knowledge orders of magnitude; only their
# relative sizes matter (the city total is fixed at ~1.0 million pupils below).
LUOYANG_COUNTIES = _counties(
    LUOYANG_CODE,
    LUOYANG_PROFILE,
    2,
    (
        ("410302", "老城区", 20, 0.92),
        ("410303", "西工区", 40, 0.97),
        ("410304", "瀍河回族区", 22, 0.85),
        ("410305", "涧西区", 55, 0.97),
        ("410307", "偃师区", 60, 0.50),
        ("410308", "孟津区", 50, 0.45),
        ("410311", "洛龙区", 70, 0.75),
        ("410323", "新安县", 48, 0.35),
        ("410324", "栾川县", 34, 0.30),
        ("410325", "嵩县", 55, 0.28),
        ("410326", "汝阳县", 43, 0.30),
        ("410327", "宜阳县", 68, 0.32),
        ("410328", "洛宁县", 45, 0.30),
        ("410329", "伊川县", 80, 0.38),
    ),
)
LUOYANG_PUPILS_2020 = 1_000_000  # kindergarten to senior secondary, whole city, scale 1.0

# 巴南区: its 2020 rates as its plan publishes them (002_8ce397d9036d1a9f.txt, tables 1-2 and
# seeds/plan_baselines.csv): 学前毛入园率 100, 普惠 78.93, 高中毛入学率 95.81, 残疾儿童入学率 93, no
# dropouts. By 2025: 毛入园率 and 公办园 share above their targets, 双师型 55 % reached, the
# budget never falls; missed: 高中毛入学率 98.5, and the budget per pupil fell in 2022 (the
# budget was held flat while pupils still grew).
BANAN_PROFILE = _Profile(
    ger_kg=_Path(1.00, 0.002, 0.9, 1.05),
    ger_senior=_Path(0.9581, 0.003, 0.0, 1.0),
    inclusive_private=_Path(0.5337, 0.04, 0.0, 0.9),
    dual_qualified=_Path(0.45, 0.025, 0.0, 0.65),
    disabled_rate=_Path(0.93, 0.004),
    budget_per_pupil=13000.0,
    budget_change=(2022, 0.0),
    zero_dropouts_from=BASE_YEAR - 1,
)
BANAN = _Region("500113", "巴南区", "500100", 16, urban_share=0.6, profile=BANAN_PROFILE)

# 泸西县 (003_59a37f879a074739.txt, 2023-2025; no published baselines): a rural county of about
# 450 000 people. By 2025 公办园 50 % and 普惠 92 % reached, dropouts gone, every class within
# the standard size (so no 大班额), every compulsory school's equipment and multimedia
# classrooms at the 优质均衡 standard, rotation above 10 %. Missed: the other 优质均衡 measures
# in some schools, 残疾儿童入学率 97 %, 100 % of 随迁子女 in public schools (some attend a
# private school), backbone teachers (20 % of the rotated, 1 per 100 pupils in every school),
# and 600 yuan per preschool pupil (the warehouse divides public kindergartens' funds by all
# kindergarten pupils).
LUXI_PROFILE = _Profile(
    ger_kg=_Path(0.90, 0.008, 0.8, 1.0),
    ger_senior=_Path(0.86, 0.012, 0.0, 0.96),
    public_kg=0.50,
    inclusive_private=_Path(0.70, 0.03, 0.0, 0.95),
    dual_qualified=_Path(0.30, 0.03, 0.0, 0.65),
    disabled_rate=_Path(0.955),
    budget_per_pupil=10500.0,
    zero_dropouts_from=2023,
    standard_classes_from=2024,
    equipped_from=2025,
    backbone=0.55,
)
# The 2024 work plans of 004_3227ec60a49dc19a.txt (regions in seeds/plan_regions.csv), targets
# for 2024. 大兴安岭地区: dropouts remain in 2024 (动态清零 missed); 加格达奇区, assessed first for
# 优质均衡, has well-resourced schools, every one meeting the standard (校校达标). It has no
# special school: the warehouse would count one among the schools to meet the standard, and its
# teachers (teaching stage `special`) give it no teacher measures.
DAXINGANLING_CODE = "232700"
DAXINGANLING_PROFILE = _Profile(
    lean=True,
    ger_kg=_Path(0.93, 0.005, 0.8, 1.0),
    ger_senior=_Path(0.93, 0.003, 0.0, 0.98),
    public_kg=0.72,
    inclusive_private=_Path(0.75, 0.03, 0.0, 0.95),
    disabled_rate=_Path(0.95, 0.005),
    county_noise=True,
    budget_per_pupil=16000.0,
)
# 荣成市: no target the warehouse computes; ordinary figures.
RONGCHENG_PROFILE = _Profile(
    lean=True,
    ger_kg=_Path(0.97, 0.003, 0.8, 1.0),
    ger_senior=_Path(0.95, 0.003, 0.0, 0.99),
    public_kg=0.62,
    inclusive_private=_Path(0.80, 0.02, 0.0, 0.95),
    disabled_rate=_Path(0.96, 0.004),
    budget_per_pupil=15000.0,
)
# 济南市市中区: 普惠 93 % met, 公办园 56 % missed (an urban district of private kindergartens).
SHIZHONG_PROFILE = _Profile(
    lean=True,
    ger_kg=_Path(0.99, 0.0, 0.8, 1.05),
    ger_senior=_Path(0.97, 0.002, 0.0, 1.0),
    public_kg=0.44,
    inclusive_private=_Path(0.80, 0.03, 0.0, 0.95),
    disabled_rate=_Path(0.97, 0.003),
    budget_per_pupil=16000.0,
)
# 邯郸市: 毛入园率, 普惠, 公办园, 高中毛入学率 and both 只增不减 met; missed: 双师型 60 %, the
# private share of compulsory pupils (5 %) and, with it, 随迁子女 in public schools (90 %).
HANDAN_CODE = "130400"
HANDAN_PROFILE = _Profile(
    lean=True,
    ger_kg=_Path(0.935, 0.004, 0.8, 1.0),
    ger_senior=_Path(0.935, 0.003, 0.0, 0.99),
    public_kg=0.56,
    inclusive_private=_Path(0.68, 0.02, 0.0, 0.95),
    dual_qualified=_Path(0.40, 0.035, 0.0, 0.65),
    disabled_rate=_Path(0.95, 0.004),
    county_noise=True,
    budget_per_pupil=11000.0,
    primary=(0.94, 0.06),
    junior=(0.92, 0.08),
)
# 青神县: 毛入园率 and 普惠 met; 公办园 85.5 % and 高中毛入学率 95 % missed.
QINGSHEN_PROFILE = _Profile(
    lean=True,
    ger_kg=_Path(0.94, 0.004, 0.8, 1.0),
    ger_senior=_Path(0.92, 0.005, 0.0, 0.99),
    public_kg=0.78,
    inclusive_private=_Path(0.75, 0.02, 0.0, 0.95),
    disabled_rate=_Path(0.95, 0.004),
)
# 正安县: 毛入园率, 普惠 and 公办园 met, 大班额 stays eliminated; dropouts remain.
ZHENGAN_PROFILE = _Profile(
    lean=True,
    ger_kg=_Path(0.945, 0.003, 0.8, 1.0),
    ger_senior=_Path(0.88, 0.008, 0.0, 0.98),
    public_kg=0.62,
    inclusive_private=_Path(0.55, 0.03, 0.0, 0.95),
    disabled_rate=_Path(0.95, 0.004),
    budget_per_pupil=10500.0,
)
# 定边县: 残疾学生入学率 95 % met.
DINGBIAN_PROFILE = _Profile(
    lean=True,
    ger_kg=_Path(0.92, 0.005, 0.8, 1.0),
    ger_senior=_Path(0.90, 0.006, 0.0, 0.98),
    public_kg=0.60,
    inclusive_private=_Path(0.70, 0.03, 0.0, 0.95),
    disabled_rate=_Path(0.965),
)

# Every region the plans name, in the order they are generated. Sizes other than 卧龙区's and
# 巴南区's are modest (the demo's cost grows with its pupils): pupils are those at scale 1.0.
AREAS: tuple[_Area, ...] = (
    _Area(WOLONG.code, WOLONG.name, (WOLONG,), published=True),
    _Area(LUOYANG_CODE, "洛阳市", LUOYANG_COUNTIES, LUOYANG_PUPILS_2020),
    _Area(BANAN.code, BANAN.name, (BANAN,), published=True),
    _Area(
        "532527",
        "泸西县",
        _counties("532500", LUXI_PROFILE, 17, (("532527", "泸西县", 45, 0.30),)),
        60_000,
    ),
    _Area(
        DAXINGANLING_CODE,
        "大兴安岭地区",
        _counties(
            DAXINGANLING_CODE,
            DAXINGANLING_PROFILE,
            18,
            (
                ("232701", "漠河市", 5.5, 0.60),
                ("232721", "呼玛县", 4.0, 0.35),
                ("232722", "塔河县", 7.0, 0.55),
                ("232761", "加格达奇区", 14.0, 1.0, {"resources": 1.8, "special_school": False}),
                ("232762", "松岭区", 1.5, 0.45),
                ("232763", "新林区", 2.0, 0.50),
                ("232764", "呼中区", 1.2, 0.60),
            ),
            city_files=True,
        ),
        8_000,
    ),
    _Area(
        "371082",
        "荣成市",
        _counties("371000", RONGCHENG_PROFILE, 25, (("371082", "荣成市", 71, 0.60),)),
        5_000,
    ),
    _Area(
        "370103",
        "市中区",
        _counties("370100", SHIZHONG_PROFILE, 26, (("370103", "市中区", 72, 0.98),)),
        5_000,
    ),
    _Area(
        HANDAN_CODE,
        "邯郸市",
        _counties(
            HANDAN_CODE,
            HANDAN_PROFILE,
            27,
            (
                ("130402", "邯山区", 71, 0.90),
                ("130403", "丛台区", 68, 0.95),
                ("130404", "复兴区", 37, 0.90),
                ("130406", "峰峰矿区", 50, 0.60),
                ("130407", "肥乡区", 33, 0.35),
                ("130408", "永年区", 80, 0.40),
                ("130423", "临漳县", 60, 0.30),
                ("130424", "成安县", 40, 0.35),
                ("130425", "大名县", 80, 0.30),
                ("130426", "涉县", 40, 0.40),
                ("130427", "磁县", 55, 0.35),
                ("130430", "邱县", 23, 0.30),
                ("130431", "鸡泽县", 30, 0.35),
                ("130432", "广平县", 27, 0.30),
                ("130433", "馆陶县", 33, 0.30),
                ("130434", "魏县", 90, 0.30),
                ("130435", "曲周县", 45, 0.30),
                ("130481", "武安市", 80, 0.50),
            ),
            city_files=True,
        ),
        20_000,
    ),
    _Area(
        "511425",
        "青神县",
        _counties("511400", QINGSHEN_PROFILE, 45, (("511425", "青神县", 17, 0.45),)),
        4_000,
    ),
    _Area(
        "520324",
        "正安县",
        _counties("520300", ZHENGAN_PROFILE, 46, (("520324", "正安县", 38, 0.30),)),
        5_000,
    ),
    _Area(
        "610825",
        "定边县",
        _counties("610800", DINGBIAN_PROFILE, 47, (("610825", "定边县", 34, 0.40),)),
        5_000,
    ),
)
AREA_CODES = tuple(a.code for a in AREAS)

# Scale tiers (bench/run.py): a county, a city, a province. The province tier is every current
# county-level unit of 河南省 from the national code list, sized to about 15 million pupils a
# year (kindergarten to senior secondary), with 洛阳's profile for all.
TIERS = ("county", "city", "province")
_TIER_REGIONS = {"county": (WOLONG.code,), "city": (LUOYANG_CODE,)}
PROVINCE_CODE = "410000"
PROVINCE_PUPILS_2020 = 15_000_000
_PROVINCE_ORDINAL = 100  # ordinals above every plan region's: id ranges stay disjoint


def _province_areas() -> tuple[_Area, ...]:
    """One area per prefecture of 河南省, its counties sized by a synthetic population (a
    deterministic draw per code: the code list has no population) and urban by kind of unit."""
    seed_file = Path(__file__).resolve().parents[2] / "seeds" / "regions.csv"
    with seed_file.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    names = {r["region_code"]: r["region_name"] for r in rows}
    counties = [
        r
        for r in rows
        if r["region_level"] == "county"
        and r["region_code"][:2] == PROVINCE_CODE[:2]
        and not r["valid_to_year"]
    ]
    by_prefecture: dict[str, list[tuple]] = {}
    for r in sorted(counties, key=lambda r: r["region_code"]):
        code, name = r["region_code"], r["region_name"]
        pop = 30 + int(hashlib.sha256(code.encode()).hexdigest(), 16) % 100
        urban = 0.9 if name.endswith("区") else 0.5 if name.endswith("市") else 0.35
        by_prefecture.setdefault(r["parent_code"], []).append((code, name, pop, urban))
    total = sum(c[2] for cs in by_prefecture.values() for c in cs)
    areas, ordinal = [], _PROVINCE_ORDINAL
    for prefecture, rows_ in by_prefecture.items():
        units = tuple(
            dataclasses.replace(region, code_base=(region.ordinal - _PROVINCE_ORDINAL) * 6000)
            for region in _counties(prefecture, LUOYANG_PROFILE, ordinal, rows_)
        )
        ordinal += len(units)
        share = sum(c[2] for c in rows_) / total
        areas.append(
            _Area(
                prefecture, names.get(prefecture, prefecture), units, PROVINCE_PUPILS_2020 * share
            )
        )
    return tuple(areas)


def _areas(regions: Sequence[str] | None, tier: str | None) -> tuple[_Area, ...]:
    """The areas a run generates: a tier's, the named plan regions', or every plan region."""
    if tier is not None:
        if tier not in TIERS:
            raise ValueError(f"tier must be one of {', '.join(TIERS)}, not {tier!r}")
        if regions is not None:
            raise ValueError("give a tier or regions, not both")
        if tier == "province":
            return _province_areas()
        regions = _TIER_REGIONS[tier]
    chosen = AREA_CODES if regions is None else tuple(dict.fromkeys(str(r) for r in regions))
    unknown = sorted(set(chosen) - set(AREA_CODES))
    if unknown or not chosen:
        raise ValueError(f"regions must be some of {', '.join(AREA_CODES)}, not {unknown}")
    return tuple(a for a in AREAS if a.code in chosen)


def _school_block(region: _Region) -> int:
    """The region's number among the generated regions of its province: school codes carry the
    province and this block (卧龙区 and 洛阳's counties keep the numbers they always had)."""
    same = [c for a in AREAS for c in a.counties if c.code[:2] == region.code[:2]]
    return 1 + sum(c.ordinal < region.ordinal for c in same)
