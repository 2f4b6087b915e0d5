"""Synthetic county-bureau extracts for the education plan warehouse.

The warehouse is developed without access to real pupil-level data, so this module fabricates
what the education bureaus of every region the plans name would deliver each year: one CSV per
extract x region x year for 卧龙区 (南阳市), 洛阳市's 14 county-level units, 巴南区, 泸西县 and the
seven regions of the 2024 work plans (大兴安岭地区 and 邯郸市 as their county-level units, which
their prefecture bureau delivers in one file per extract and year). The data are synthetic but
are built to behave like the real thing where the warehouse depends on it:

* 卧龙区's 2020 files reproduce the baseline published in its 十四五 plan exactly (school counts,
  pupils and staff by stage, sponsor and urban/rural), so the warehouse can be checked against a
  published number end to end; 巴南区's reproduce its published 2020 schools and pupils by
  stage and the rates its plan publishes (学前毛入园率, 公办园 and 普惠 shares, 高中毛入学率,
  残疾儿童入学率).
* Pupils are simulated as cohorts with stable pseudonymous ids: each year last year's pupils are
  promoted, repeat, transfer, leave or drop out, move to the next stage's school at K3/G6/G9, and
  the remaining places are filled with new ids. Indicators that follow pupils across years
  (consolidation, retention, dropout) therefore come from real flows, not from a formula.
* Each region follows a profile (`_Profile`): where its rates start in 2020 and how they move,
  chosen so that its plan's targets come out mixed — some met, some missed — and 洛阳市's
  preschool indicators sit around its plan targets. One named scenario deliberately misses
  洛阳's public-kindergarten-share target so the target checks can be tested in both directions.

Deliberate simplifications, each visible in the data:

* The first simulated year has no dropped_out rows (there is no earlier year to leave) and its
  statuses are approximate (entry grades `new`, the rest `continuing`, a few `repeating`).
* Kindergarten leavers are not recorded as dropouts; pupils who move out of the county vanish.
* 卧龙区's published stages are uneven per grade (more kindergarten than primary pupils per
  grade, ~9 % fewer junior than primary, a third as many senior as junior, because district
  pupils also attend Nanyang city schools), so fewer of its pupils continue at stage changes.
* Population is derived from enrolment and intended gross enrolment rates, so the rates land
  where the plans put them; in 卧龙区 this makes steps between single years of age.
* Only 卧龙区 and 巴南区 have their real size. The others are sized so that the demo stays
  affordable: 洛阳市 about a million pupils, 泸西县 60 000 (most of its real enrolment), the
  regions of the 2024 work plans a few thousand per county (邯郸市's 18 counties together about
  2 % of its real enrolment); a small county keeps one school of each kind, so its rates move
  in steps of a school.

Everything is vectorised with numpy over pupils and teachers; Python loops run only over regions,
years and (when a table of schools is first built) schools. Every random draw comes from a
generator derived from (seed, region, year, stream), so a region-year never depends on how many
draws another one made, and the same arguments always give byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import hashlib
import json
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from orchestration.ingest.contracts import CONTRACTS

__all__ = ["COLUMNS", "EXTRACTS", "SCENARIOS", "generate", "main"]

# The files follow the extract contracts the loaders enforce: one definition of the columns
# (the required ones and the optional ones simulated here; a school's founding date is not).
EXTRACTS = tuple(CONTRACTS)
GENERATED_OPTIONAL = frozenset({"class_id"})
COLUMNS: dict[str, tuple[str, ...]] = {
    name: tuple(c.name for c in contract.columns if c.required or c.name in GENERATED_OPTIONAL)
    for name, contract in CONTRACTS.items()
}
MISS_LUOYANG_PUBLIC_KG = "miss_luoyang_public_kindergarten_share"
SCENARIOS: tuple[str, ...] = (MISS_LUOYANG_PUBLIC_KG,)
MANIFEST_NAME = "_generator_manifest.json"
DEFAULT_SEED = 20210326

# --------------------------------------------------------------------------------------------
# Grades, stages and school types
# --------------------------------------------------------------------------------------------

GRADE_LABELS = ("K1", "K2", "K3") + tuple(f"G{i}" for i in range(1, 13))
N_GRADES = len(GRADE_LABELS)
GRADE_AGE = np.arange(3, 3 + N_GRADES)  # K1 = age 3, G1 = age 6, G12 = age 17
G1, G6, G7, G9, G10, G12 = 3, 8, 9, 11, 12, 14

# Planning stages. Vocational schools share grades G10-G12 with general senior schools but are
# planned separately so the general/vocational split is controlled.
KG, PRI, JUN, SEN, VOC = range(5)
N_STAGES = 5
GRADE_STAGE = np.array([KG] * 3 + [PRI] * 6 + [JUN] * 3 + [SEN] * 3)
# Plan groups: stage x public x urban. Published figures (卧龙区) and the synthetic plan (洛阳)
# are both expressed per group, and the exact-2020 adjustment works group by group.
N_GROUPS = N_STAGES * 4


def _gid(stage: np.ndarray | int, public: np.ndarray | bool, urb: np.ndarray | bool):
    return np.asarray(stage) * 4 + np.asarray(public, dtype=np.int64) * 2 + np.asarray(urb) * 1


# teaching_stage values of staff; a school's staff work in the stage of the pupils they teach.
T_STAGES = ("preschool", "primary", "junior", "senior", "vocational", "special", "other")
T_PRE, T_PRI, T_JUN, T_SEN, T_VOC, T_SPE, T_OTH = range(7)
N_TSTAGES = len(T_STAGES)
PLAN_TO_TSTAGE = np.array([T_PRE, T_PRI, T_JUN, T_SEN, T_VOC])

# type -> (school-code category, first grade, last grade); None = no pupils.
SCHOOL_TYPES: dict[int, tuple[str, tuple[int, int] | None]] = {
    111: ("11", (0, 2)),  # 幼儿园
    211: ("21", (G1, G6)),  # 小学
    218: ("21", (G1, G1 + 3)),  # 小学教学点 (top grade varies per school: G3 or G4)
    311: ("31", (G7, G9)),  # 初级中学
    312: ("31", (G1, G9)),  # 九年一贯制学校
    341: ("34", (G7, G12)),  # 完全中学
    342: ("34", (G10, G12)),  # 高级中学
    345: ("34", (0, G12)),  # 十二年一贯制; 卧龙's 十五年制 schools also have K1-K3
    361: ("36", (G10, G12)),  # 中等职业学校
    511: ("51", (G1, G9)),  # 特殊教育学校
    900: ("99", None),  # 其他 (教师进修学校): staff only
}
COMPULSORY_TYPES = (211, 218, 311, 312, 345)  # public ones have rotation-eligible teachers

STATUS_LABELS = ("continuing", "repeating", "new", "dropped_out")
ST_CONT, ST_REP, ST_NEW, ST_DROP = range(4)

URBAN_CODES = np.array([111, 112])
URBAN_P = np.array([0.75, 0.25])
RURAL_CODES = np.array([121, 122, 123, 210, 220])
RURAL_P = np.array([0.25, 0.10, 0.02, 0.23, 0.40])
TEACHING_POINT_CODES = np.array([210, 220])
TEACHING_POINT_P = np.array([0.25, 0.75])

# Relative size of birth cohorts (moderated version of China's national births, which peaked in
# 2016 and fell by a third by 2022). Drives shrinking kindergartens and the population tables.
_BF_FIRST = 2001
_BF = np.array(
    [0.92, 0.92, 0.93, 0.94, 0.95, 0.95, 0.96, 0.97, 0.98, 0.98, 0.99, 1.01, 1.00, 1.02]
    + [0.99, 1.07, 1.05, 0.96, 0.92, 0.83, 0.78, 0.74, 0.72, 0.72]
)
# Grade factor: each compulsory grade holds ~0.4 % fewer of its cohort than the one below, which
# makes the nine-year consolidation of a cohort ~0.996**8 = 96.8 %.
_GF = np.array([1.0] * 3 + [0.996**k for k in range(9)] + [0.996**8 * 0.99**k for k in range(3)])

BASE_YEAR = 2020  # the year every plan is anchored to (卧龙区's published baseline)
DUAL_QUALIFIED_2020 = 0.376

# --------------------------------------------------------------------------------------------
# 卧龙区 2020 published baseline. Source: 南阳市卧龙区教育体育事业发展"十四五"规划,
# 000_f9a1169e2701243a.txt lines 28–73. The 2020 files must reproduce these numbers exactly.
# --------------------------------------------------------------------------------------------
# (type, public, urban, count, mean pupils per planning stage). Counts are published; the sizes
# are synthetic, chosen so each published pupil total is plausibly spread over its schools.
WOLONG_2020_SCHOOLS: tuple[tuple[int, bool, bool, int, dict[int, float]], ...] = (
    (345, True, True, 2, {KG: 450, PRI: 3000, JUN: 2200, SEN: 1000}),  # 十五年制完全学校 2
    (342, True, True, 3, {SEN: 2800}),  # 高中 3
    (361, True, True, 1, {VOC: 1800}),  # 职业学校 1
    (900, True, True, 1, {}),  # 教师进修学校 1
    (511, True, True, 1, {PRI: 120, JUN: 60}),  # 特殊教育学校 1
    (311, True, True, 3, {JUN: 3000}),  # 城区初中 3
    (312, True, True, 3, {PRI: 1800, JUN: 1800}),  # 九年一贯制 3
    (211, True, True, 12, {PRI: 2600}),  # 城区小学 12
    (111, True, True, 2, {KG: 600}),  # 城区幼儿园 2
    (311, True, False, 20, {JUN: 1170}),  # 农村初中 20
    (211, True, False, 49, {PRI: 980}),  # 农村区域性小学 49
    (218, True, False, 126, {PRI: 54}),  # 教学点 126
    (111, True, False, 90, {KG: 450}),  # 农村幼儿园 90
    (211, False, True, 4, {PRI: 516}),  # 民办小学 4
    (341, False, True, 3, {JUN: 1145, SEN: 400}),  # 民办完全中学 3
    (342, False, True, 3, {SEN: 290}),  # 民办高中 3
    (111, False, True, 89, {KG: 180}),  # 民办城市幼儿园 89
    (111, False, False, 80, {KG: 130}),  # 民办农村幼儿园 80
)
WOLONG_2020_PUBLIC_SCHOOLS = 313
WOLONG_2020_PRIVATE_SCHOOLS = 179
# Enrolment (status != dropped_out), as (total, groups it is spread over). Where the plan
# publishes one number for several groups (public senior = general + vocational, kindergartens
# = urban + rural) the split between the groups is synthetic but the sum is exact.
WOLONG_2020_PUPILS: tuple[tuple[int, tuple[int, ...]], ...] = (
    (12298, (_gid(SEN, True, True), _gid(VOC, True, True))),  # 公办高中生 (incl. 职业学校)
    (43853, (_gid(PRI, True, True),)),  # 城区义务教育 小学
    (19054, (_gid(JUN, True, True),)),  # 城区义务教育 初中
    (54778, (_gid(PRI, True, False),)),  # 农村义务教育 小学
    (23455, (_gid(JUN, True, False),)),  # 农村义务教育 初中
    (42500, (_gid(KG, True, True), _gid(KG, True, False))),  # 公办幼儿园
    (2057, (_gid(SEN, False, True),)),  # 民办高中
    (3434, (_gid(JUN, False, True),)),  # 民办初中
    (2065, (_gid(PRI, False, True),)),  # 民办小学
    (26393, (_gid(KG, False, True), _gid(KG, False, False))),  # 民办幼儿园
)
# Public staff (教职工: both staff categories), as (total, teaching_stage, urban or None for
# both, pupil plan groups whose size scales the figure in other years).
WOLONG_2020_STAFF: tuple[tuple[int, tuple[int, ...], bool | None, tuple[int, ...]], ...] = (
    (811, (T_SEN,), None, (_gid(SEN, True, True),)),  # 高中
    (814, (T_JUN,), True, (_gid(JUN, True, True),)),  # 城市义务教育 初中
    (1224, (T_PRI,), True, (_gid(PRI, True, True),)),  # 城市义务教育 小学
    (1645, (T_JUN,), False, (_gid(JUN, True, False),)),  # 农村义务教育 初中
    (2094, (T_PRI,), False, (_gid(PRI, True, False),)),  # 农村义务教育 小学
    (97, (T_PRE,), None, (_gid(KG, True, True), _gid(KG, True, False))),  # 幼儿园
    # 职业学校, 特殊教育学校, 进修学校: 6747 minus the stages above.
    (62, (T_VOC, T_SPE, T_OTH), None, (_gid(VOC, True, True),)),
)
WOLONG_2020_PUBLIC_STAFF = 6747

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


# --------------------------------------------------------------------------------------------
# 巴南区 2020 published figures. Source: 重庆市巴南区教育事业发展"十四五"规划,
# 002_8ce397d9036d1a9f.txt (transcribed in seeds/plan_baselines.csv, banan_2020_*): 238
# kindergartens (136 public, 102 private), 106 compulsory schools, 9 general senior and 12
# vocational schools, 1 special school; pupils 3.63万 kindergarten (36 381: 19 943 public),
# 6.27万 primary, 2.80万 junior, 1.27万 general senior, 3.14万 vocational. The 2020 files
# reproduce these counts exactly; how they split by sponsor, urban/rural and school type
# beyond what is published is synthetic.
# --------------------------------------------------------------------------------------------
BANAN_2020_SCHOOLS: tuple[tuple[int, bool, bool, int, dict[int, float]], ...] = (
    (111, True, True, 80, {KG: 150}),
    (111, True, False, 56, {KG: 142}),
    (111, False, True, 70, {KG: 170}),
    (111, False, False, 32, {KG: 142}),
    (211, True, True, 36, {PRI: 1230}),
    (211, True, False, 26, {PRI: 380}),
    (218, True, False, 5, {PRI: 40}),
    (312, True, True, 6, {PRI: 700, JUN: 620}),
    (312, True, False, 5, {PRI: 320, JUN: 300}),
    (311, True, True, 13, {JUN: 1350}),
    (311, True, False, 10, {JUN: 380}),
    (211, False, True, 5, {PRI: 500}),
    (342, True, True, 6, {SEN: 1750}),
    (342, True, False, 1, {SEN: 1300}),
    (341, False, True, 2, {JUN: 600, SEN: 450}),
    (361, True, True, 12, {VOC: 2617}),
    (511, True, True, 1, {PRI: 100, JUN: 58}),
    (900, True, True, 1, {}),
)
_ALL_GROUPS = {
    st: tuple(_gid(st, p, u) for p in (True, False) for u in (True, False))
    for st in range(N_STAGES)
}
BANAN_2020_PUPILS: tuple[tuple[int, tuple[int, ...]], ...] = (
    (19943, (_gid(KG, True, True), _gid(KG, True, False))),
    (36381 - 19943, (_gid(KG, False, True), _gid(KG, False, False))),
    (62700, _ALL_GROUPS[PRI]),
    (28000, _ALL_GROUPS[JUN]),
    (12700, _ALL_GROUPS[SEN]),
    (31400, _ALL_GROUPS[VOC]),
)

# --------------------------------------------------------------------------------------------
# Behavioural parameters
# --------------------------------------------------------------------------------------------
# Yearly change of each plan group on top of the birth cohorts: kindergartens shift toward
# public (both plans push 公办园), compulsory pupils urbanise, senior secondary expands.
_TREND = np.ones(N_GROUPS)
_TREND[_gid(KG, True, True)] = _TREND[_gid(KG, True, False)] = 1.025
_TREND[_gid(KG, False, True)] = _TREND[_gid(KG, False, False)] = 0.975
for _st in (PRI, JUN):
    _TREND[_gid(_st, True, True)] = 1.010
    _TREND[_gid(_st, True, False)] = 0.985
_TREND[_gid(SEN, True, True)] = _TREND[_gid(SEN, True, False)] = 1.012
_TREND[_gid(VOC, True, True)] = 1.010

# Pupils per staff member (教职工) by teaching stage, for everyone without a published figure.
_STAFF_RATIO = np.array([9.0, 14.5, 11.5, 10.5, 13.0, 3.5, np.inf])
_STAFF_RATIO_PRIVATE_KG = 8.0
_OTHER_STAFF_P = np.array([0.20, 0.10, 0.12, 0.15, 0.18, 0.15, 0.35])
QUALIFICATIONS = ("postgraduate", "bachelor", "associate", "senior_secondary", "below")
_QUAL_P = np.array(
    [
        [0.01, 0.40, 0.47, 0.11, 0.01],
        [0.02, 0.63, 0.32, 0.03, 0.00],
        [0.04, 0.86, 0.10, 0.00, 0.00],
        [0.14, 0.85, 0.01, 0.00, 0.00],
        [0.08, 0.82, 0.10, 0.00, 0.00],
        [0.03, 0.72, 0.25, 0.00, 0.00],
        [0.20, 0.75, 0.05, 0.00, 0.00],
    ]
)
_QUAL_P_OTHER_STAFF = np.array([0.01, 0.35, 0.38, 0.22, 0.04])
TITLES = ("senior", "first", "second", "third", "unrated")
_TITLE_P = np.array(
    [
        [0.03, 0.20, 0.32, 0.10, 0.35],
        [0.06, 0.40, 0.38, 0.06, 0.10],
        [0.12, 0.42, 0.34, 0.04, 0.08],
        [0.25, 0.40, 0.27, 0.02, 0.06],
        [0.20, 0.38, 0.28, 0.04, 0.10],
        [0.08, 0.40, 0.36, 0.06, 0.10],
        [0.35, 0.45, 0.15, 0.00, 0.05],
    ]
)
_TITLE_P_NEW_HIRE = np.array([0.00, 0.02, 0.20, 0.18, 0.60])
_TITLE_P_OTHER_STAFF = np.array([0.00, 0.05, 0.10, 0.10, 0.75])
BACKBONE_LEVELS = ("none", "school", "county", "city", "province", "national")
SUBJECT_GROUPS = ("pe", "music", "fine_art", "other", "none")

# Per-pupil facility references by planning stage: floor m², sports m², equipment yuan,
# multimedia classrooms per 100 pupils. PRI and JUN are the 优质均衡 thresholds, so schools
# scatter on both sides of them.
_FACILITY_REF = np.array(
    [
        [7.0, 4.0, 900.0, 1.0],
        [4.5, 7.5, 2000.0, 2.3],
        [5.8, 10.2, 2500.0, 2.4],
        [7.0, 11.0, 3500.0, 2.6],
        [8.0, 9.0, 6000.0, 2.5],
    ]
)
_FACILITY_GROWTH = np.array([1.01, 1.0, 1.05, 1.04])  # per year after 2020

# Random-stream ids for _rng; never reuse one for a different purpose.
_S_SCHOOLS, _S_PUPILS, _S_TEACHERS, _S_FUNDING, _S_POPULATION, _S_SCENARIO, _S_IDS = range(1, 8)


def _rng(seed: int, *keys: int) -> np.random.Generator:
    """A generator for one (seed, region, year, stream) combination.

    Deriving every generator from the seed and explicit integer keys (never from a shared,
    advancing generator) keeps each region-year's draws independent of everything else, so a
    scenario or a smaller 洛阳 never perturbs 卧龙区 or other years."""
    return np.random.default_rng(np.random.SeedSequence([seed, *keys]))


def _bf(birth_year: np.ndarray | int) -> np.ndarray:
    idx = np.clip(np.asarray(birth_year) - _BF_FIRST, 0, len(_BF) - 1)
    return _BF[idx]


# --------------------------------------------------------------------------------------------
# Small vectorised helpers
# --------------------------------------------------------------------------------------------


def _rank_in_runs(keys_sorted: np.ndarray) -> np.ndarray:
    """0-based position of each element inside its run of equal keys (keys already sorted)."""
    n = len(keys_sorted)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[True, keys_sorted[1:] != keys_sorted[:-1]]
    start_idx = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    return np.arange(n) - start_idx


def _apportion(
    totals: np.ndarray, group: np.ndarray, weights: np.ndarray, fallback: np.ndarray
) -> np.ndarray:
    """Split integer `totals[g]` over the cells of each group in proportion to `weights`.

    Largest-remainder rounding, so every group's cells add up to its total exactly; this is what
    makes the published 2020 figures come out to the unit. Cells of a group whose weights are
    all zero share by `fallback` instead."""
    w = np.where(np.bincount(group, weights, minlength=len(totals))[group] > 0, weights, fallback)
    wsum = np.bincount(group, w, minlength=len(totals))
    raw = np.where(wsum[group] > 0, totals[group] * w / np.where(wsum > 0, wsum, 1)[group], 0.0)
    base = np.floor(raw + 1e-9).astype(np.int64)
    rem = totals - np.bincount(group, base, minlength=len(totals))
    frac = raw - base
    order = np.lexsort((np.arange(len(raw)), -frac, group))
    rank = _rank_in_runs(group[order])
    extra = np.zeros(len(raw), dtype=np.int64)
    extra[order] = (rank < rem[group[order]]) & (w[order] > 0)
    out = base + extra
    if np.any(np.bincount(group, out, minlength=len(totals)) != totals):
        raise ValueError("apportion: a group with a positive total has no cell to put it in")
    return out


def _match(
    key_p: np.ndarray, prio_p: np.ndarray, rand_p: np.ndarray, key_s: np.ndarray, rand_s: np.ndarray
) -> np.ndarray:
    """Pair each candidate with a free slot of the same key; -1 where none is left.

    Within a key, candidates are served by priority then at random, slots in random order, so a
    pool of movers fills vacancies without any per-pupil Python."""
    out = np.full(len(key_p), -1, dtype=np.int64)
    if len(key_p) == 0 or len(key_s) == 0:
        return out
    p_order = np.lexsort((rand_p, prio_p, key_p))
    s_order = np.lexsort((rand_s, key_s))
    ks = key_s[s_order]
    kp = key_p[p_order]
    rank = _rank_in_runs(kp)
    start = np.searchsorted(ks, kp, "left")
    end = np.searchsorted(ks, kp, "right")
    ok = start + rank < end
    out[p_order[ok]] = s_order[(start + rank)[ok]]
    return out


def _draw_cat(u: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Categorical draw per row: `probs` is (n, k) or (k,), `u` uniform (n,)."""
    cum = np.cumsum(np.atleast_2d(probs), axis=1)
    cum[:, -1] = 1.0 + 1e-12
    return (u[:, None] >= cum).sum(axis=1)


def _pseudonym(seq: np.ndarray, keys: np.ndarray, digits: int) -> np.ndarray:
    """Map sequence numbers to `digits`-digit pseudonyms with a keyed Feistel permutation.

    A Feistel network is a bijection whatever its round function, so ids are unique without a
    lookup table, yet consecutive pupils get unrelated-looking ids (an affine map would show
    its constant step). Halves stay below 10**6, so no product overflows int64."""
    half = 10 ** (digits // 2)
    left, right = np.divmod(seq.astype(np.int64), half)
    for a, b in keys.tolist():
        f = ((right * a) ^ b) % half
        left, right = right, (left + f) % half
    return left * half + right


def _id_keys(seed: int) -> np.ndarray:
    """(2, 4, 2) round keys: pupils, teachers x 4 Feistel rounds x (multiplier, xor mask)."""
    r = _rng(seed, _S_IDS)
    return np.stack(
        [r.integers(1000, 10_000_000, size=(2, 4)), r.integers(0, 2**20, size=(2, 4))], axis=-1
    )


# --------------------------------------------------------------------------------------------
# Schools
# --------------------------------------------------------------------------------------------


@dataclass
class _Schools:
    """One region's schools over the whole simulated period (one row per school)."""

    region: _Region
    code: list[str]
    name: list[str]
    type: np.ndarray
    public: np.ndarray
    urb: np.ndarray
    urban_code: np.ndarray
    open_year: np.ndarray  # first year with the school
    close_year: np.ndarray  # first year without it
    top_grade: np.ndarray
    weight: np.ndarray  # (n, N_STAGES): relative size of each planning stage, in pupils
    staff_noise: np.ndarray
    backbone_rate: np.ndarray  # county-or-higher backbone teachers per 100 pupils
    pea_rate: np.ndarray  # PE/music/art teachers per 100 pupils
    incl_u: np.ndarray  # private kindergartens become 普惠性 once p(year) exceeds this
    fac_mult: np.ndarray  # (n, 4) facility level relative to the stage reference
    offers_base: np.ndarray = field(init=False)  # (n, N_GRADES)
    stage: np.ndarray = field(init=False)  # (n, N_GRADES) planning stage of each grade
    gid: np.ndarray = field(init=False)  # (n, N_GRADES) plan group of each grade

    def __post_init__(self) -> None:
        n = len(self.type)
        offers = np.zeros((n, N_GRADES), dtype=bool)
        for t, (_, grades) in SCHOOL_TYPES.items():
            if grades is None:
                continue
            rows = self.type == t
            g = np.arange(N_GRADES)
            offers[rows] = (g >= grades[0]) & (
                g <= np.minimum(grades[1], self.top_grade[rows, None])
            )
        self.offers_base = offers
        stage = np.broadcast_to(GRADE_STAGE, (n, N_GRADES)).copy()
        stage[(self.type == 361)[:, None] & (GRADE_STAGE == SEN)[None, :]] = VOC
        self.stage = stage
        self.gid = _gid(stage, self.public[:, None], self.urb[:, None])

    def __len__(self) -> int:
        return len(self.type)

    def is_open(self, year: int) -> np.ndarray:
        return (self.open_year <= year) & (year < self.close_year)

    def offers(self, year: int) -> np.ndarray:
        return self.offers_base & self.is_open(year)[:, None]


class _SchoolBuilder:
    """Collects blocks of similar schools, then numbers, names and codes them."""

    def __init__(self, region: _Region, rng: np.random.Generator) -> None:
        self.region = region
        self.rng = rng
        self.rows: dict[str, list] = {k: [] for k in _BUILDER_FIELDS}

    def add(
        self,
        stype: int,
        public: bool,
        urb: bool,
        count: int,
        sizes: dict[int, float],
        open_year: int = 0,
        close_year: int = 9999,
    ) -> None:
        """Add `count` schools whose planning-stage sizes scatter around `sizes` (pupils)."""
        if count <= 0:
            return
        r = self.rng
        spread = np.exp(r.normal(0.0, 0.35, count))
        spread /= spread.mean()
        weight = np.zeros((count, N_STAGES))
        for st, size in sizes.items():
            weight[:, st] = size * spread
        if stype == 218:
            codes = r.choice(TEACHING_POINT_CODES, count, p=TEACHING_POINT_P)
        elif urb:
            codes = r.choice(URBAN_CODES, count, p=URBAN_P)
        else:
            codes = r.choice(RURAL_CODES, count, p=RURAL_P)
        top = np.full(count, N_GRADES - 1)
        if stype == 218:
            top = r.choice([G1 + 2, G1 + 3], count, p=[0.4, 0.6])
        # Crowded urban schools tend to have less space per pupil than rural ones.
        fac = np.exp(r.normal(0.08, 0.25, (count, 4))) * (0.9 if urb else 1.1)
        self.rows["type"] += [stype] * count
        self.rows["public"] += [public] * count
        self.rows["urb"] += [urb] * count
        self.rows["urban_code"] += codes.tolist()
        self.rows["open_year"] += [open_year] * count
        self.rows["close_year"] += [close_year] * count
        self.rows["top_grade"] += top.tolist()
        self.rows["weight"] += list(weight)
        self.rows["staff_noise"] += np.exp(r.normal(0.0, 0.08, count)).tolist()
        self.rows["backbone_rate"] += r.uniform(0.6, 2.2, count).tolist()
        self.rows["pea_rate"] += r.uniform(0.6, 1.4, count).tolist()
        self.rows["incl_u"] += r.random(count).tolist()
        self.rows["fac_mult"] += list(fac)

    def count_open(self, stype: int, public: bool, year: int, urb: bool | None = None) -> int:
        return len(self._open_idx(stype, public, year, urb))

    def _open_idx(self, stype: int, public: bool, year: int, urb: bool | None) -> np.ndarray:
        t = np.array(self.rows["type"])
        p = np.array(self.rows["public"], dtype=bool)
        u = np.array(self.rows["urb"], dtype=bool)
        o = np.array(self.rows["open_year"])
        c = np.array(self.rows["close_year"])
        m = (t == stype) & (p == public) & (o <= year) & (year < c)
        if urb is not None:
            m &= u == urb
        return np.flatnonzero(m)

    def close_some(
        self, stype: int, public: bool, year: int, k: int, rng: np.random.Generator, keep: int
    ) -> None:
        """Close `k` open schools of a kind from `year` on, never leaving fewer than `keep`."""
        idx = self._open_idx(stype, public, year, None)
        k = int(min(k, max(len(idx) - keep, 0)))
        if k > 0:
            for i in rng.choice(idx, k, replace=False).tolist():
                self.rows["close_year"][i] = year

    def build(self) -> _Schools:
        reg = self.region
        types = np.array(self.rows["type"], dtype=np.int64)
        public = np.array(self.rows["public"], dtype=bool)
        names: list[str] = []
        counters: dict[tuple[int, bool], int] = {}
        for t, p in zip(types.tolist(), public.tolist(), strict=True):
            k = counters.get((t, p), 0) + 1
            counters[(t, p)] = k
            names.append(_school_name(reg.name, t, p, k))
        block = reg.code_base if reg.code_base is not None else _school_block(reg) * 40000
        codes = [
            f"{SCHOOL_TYPES[t][0]}{reg.code[:2]}{block + i:06d}"
            for i, t in enumerate(types.tolist())
        ]
        # A region's backbone teachers and its schools' resources scale as its profile says;
        # multiplying after the draws keeps every other region's schools as they were.
        assert reg.profile is not None
        resources = reg.resources
        backbone = resources * reg.profile.backbone
        return _Schools(
            region=reg,
            code=codes,
            name=names,
            type=types,
            public=public,
            urb=np.array(self.rows["urb"], dtype=bool),
            urban_code=np.array(self.rows["urban_code"], dtype=np.int64),
            open_year=np.array(self.rows["open_year"], dtype=np.int64),
            close_year=np.array(self.rows["close_year"], dtype=np.int64),
            top_grade=np.array(self.rows["top_grade"], dtype=np.int64),
            weight=np.array(self.rows["weight"], dtype=float).reshape(-1, N_STAGES),
            staff_noise=np.array(self.rows["staff_noise"]),
            backbone_rate=np.array(self.rows["backbone_rate"]) * backbone,
            pea_rate=np.array(self.rows["pea_rate"]) * resources,
            incl_u=np.array(self.rows["incl_u"]),
            fac_mult=np.array(self.rows["fac_mult"], dtype=float).reshape(-1, 4) * resources,
        )


_BUILDER_FIELDS = (
    "type",
    "public",
    "urb",
    "urban_code",
    "open_year",
    "close_year",
    "top_grade",
    "weight",
    "staff_noise",
    "backbone_rate",
    "pea_rate",
    "incl_u",
    "fac_mult",
)
_BRANDS = ("育才", "阳光", "启明", "博雅", "金太阳", "小天使", "新星", "童乐", "蓝天", "明德")
_PUBLIC_NAME = {
    111: "第{k}幼儿园",
    211: "第{k}小学",
    218: "第{k}教学点",
    311: "第{k}初级中学",
    312: "第{k}九年一贯制学校",
    341: "第{k}中学",
    342: "第{k}高级中学",
    345: "第{k}十五年制学校",
    361: "第{k}中等职业学校",
    511: "特殊教育学校",
    900: "教师进修学校",
}
_PRIVATE_NAME = {111: "幼儿园", 211: "实验小学", 341: "中学", 342: "高级中学", 361: "职业学校"}


def _school_name(region: str, stype: int, public: bool, k: int) -> str:
    if public:
        base = _PUBLIC_NAME[stype].format(k=k)
        return region + (base if k == 1 or "{k}" in _PUBLIC_NAME[stype] else f"{base}{k}")
    brand = _BRANDS[(k - 1) % len(_BRANDS)]
    branch = "" if k <= len(_BRANDS) else f"第{(k - 1) // len(_BRANDS) + 1}"
    return f"{region}{brand}{branch}{_PRIVATE_NAME.get(stype, '学校')}"


def _evolve_schools(
    b: _SchoolBuilder, seed: int, end: int, *, wolong: bool, kg_sizes: dict
) -> None:
    """Closures and openings after 2020, and schools that existed before 2020 only.

    Each year's events use that year's own generator, so the schools of year Y do not depend
    on how far the simulation runs. Years before 2019 simply see the 2019 schools."""
    reg = b.region
    n_tp = b.count_open(218, True, BASE_YEAR)
    n_pkg = b.count_open(111, False, BASE_YEAR)
    # Schools that still existed in 2019 but closed in 2020 (teaching points merged, private
    # kindergartens shut): 卧龙's 2020 counts are published, so these come on top of them.
    pre_tp = 3 if wolong else int(round(0.05 * n_tp))
    pre_pkg_u, pre_pkg_r = (1, 1) if wolong else (int(round(0.015 * n_pkg)),) * 2
    b.add(218, True, False, pre_tp, {PRI: 30.0}, close_year=BASE_YEAR)
    b.add(111, False, True, pre_pkg_u, {KG: kg_sizes[(False, True)] * 0.7}, close_year=BASE_YEAR)
    b.add(111, False, False, pre_pkg_r, {KG: kg_sizes[(False, False)] * 0.7}, close_year=BASE_YEAR)
    for year in range(BASE_YEAR + 1, end + 1):
        r = _rng(seed, int(reg.code), year, _S_SCHOOLS)
        tp_open = b.count_open(218, True, year)
        pkg_open = b.count_open(111, False, year)
        kg_open = b.count_open(111, True, year)
        if wolong:
            k_tp, k_pkg, k_new = r.integers(3, 6), r.integers(2, 5), r.integers(1, 3)
        else:
            k_tp = r.binomial(tp_open, 0.05)
            k_pkg = r.binomial(pkg_open, 0.03)
            k_new = r.binomial(kg_open, 0.03)
        b.close_some(218, True, year, int(k_tp), r, keep=2)
        b.close_some(111, False, year, int(k_pkg), r, keep=3)
        urban_p = 0.5 if wolong else reg.urban_share
        for urb in (r.random(int(k_new)) < urban_p).tolist():
            b.add(111, True, urb, 1, {KG: kg_sizes[(True, urb)]}, open_year=year)


def _check_published_baseline() -> None:
    """The constants transcribe the plans item by item; their sums must match their totals."""
    public = sum(n for _, is_public, _, n, _ in WOLONG_2020_SCHOOLS if is_public)
    private = sum(n for _, is_public, _, n, _ in WOLONG_2020_SCHOOLS if not is_public)
    staff = sum(total for total, *_ in WOLONG_2020_STAFF)
    got = (public, private, staff)
    want = (WOLONG_2020_PUBLIC_SCHOOLS, WOLONG_2020_PRIVATE_SCHOOLS, WOLONG_2020_PUBLIC_STAFF)
    if got != want:
        raise AssertionError(f"卧龙区 baseline constants add up to {got}, not {want}")

    def banan(types: tuple[int, ...], public: bool | None = None) -> int:
        return sum(n for t, p, _, n, _ in BANAN_2020_SCHOOLS if t in types and public in (None, p))

    got = (
        banan((111,), True),
        banan((111,), False),
        banan((211, 218, 311, 312)),
        banan((341, 342)),
        banan((361,)),
        banan((511,)),
    )
    if got != (136, 102, 106, 9, 12, 1):
        raise AssertionError(f"巴南区 school constants add up to {got}")


# Regions sized by their plans' published 2020 figures: (schools, pupil totals by plan groups).
_PUBLISHED = {
    WOLONG.code: (WOLONG_2020_SCHOOLS, WOLONG_2020_PUPILS),
    BANAN.code: (BANAN_2020_SCHOOLS, BANAN_2020_PUPILS),
}


def _published_plan(region: _Region, seed: int, end: int) -> tuple[_Schools, np.ndarray]:
    """Schools and 2020 group totals of a region its plan publishes 2020 figures for: the
    published schools, and each published pupil total split over the groups it covers in
    proportion to the schools' planned sizes (the sum is exact, the split synthetic)."""
    _check_published_baseline()
    schools, pupils = _PUBLISHED[region.code]
    b = _SchoolBuilder(region, _rng(seed, int(region.code), _S_SCHOOLS))
    for stype, public, urb, count, sizes in schools:
        b.add(stype, public, urb, count, sizes)
    # Kindergartens opened later are sized like the published ones of their kind.
    kg_sizes = {(p, u): sizes[KG] for t, p, u, _, sizes in schools if t == 111}
    _evolve_schools(b, seed, end, wolong=region.code == WOLONG.code, kg_sizes=kg_sizes)
    sch = b.build()
    open20 = sch.is_open(BASE_YEAR)
    size_by_group = np.zeros(N_GROUPS)
    for st in range(N_STAGES):
        gid = _gid(st, sch.public, sch.urb)
        size_by_group += np.bincount(gid[open20], sch.weight[open20, st], minlength=N_GROUPS)
    totals = np.zeros(N_GROUPS)
    for total, groups in pupils:
        g = np.array(groups)
        totals[g] = _apportion(
            np.array([total]), np.zeros(len(g), dtype=np.int64), size_by_group[g], np.ones(len(g))
        )
    return sch, totals


def _county_plan(
    region: _Region, area: _Area, seed: int, end: int, scale: float, public_kg_share: float
) -> tuple[_Schools, np.ndarray]:
    """Schools and 2020 group totals of one county of an area (洛阳's counties and every other
    region without published figures), from its size, urban share and profile."""
    prof = region.profile
    assert prof is not None
    c0 = area.pupils / 14.0 * region.pop_10k / sum(c.pop_10k for c in area.counties)
    ages = GRADE_AGE
    cohort = c0 * _bf(BASE_YEAR - ages) * _GF
    kg = cohort[:3].sum() * 0.90
    pri = cohort[G1 : G6 + 1].sum()
    jun = cohort[G7 : G9 + 1].sum()
    senior = cohort[G10:].sum() * 0.92
    gen, voc = senior * prof.senior[0], senior * prof.senior[1]
    u = region.urban_share
    u_sen = 1.0 if u >= 0.9 else 0.75
    ps = public_kg_share
    full = np.zeros(N_GROUPS)
    full[_gid(KG, True, True)] = kg * ps * u
    full[_gid(KG, True, False)] = kg * ps * (1 - u)
    full[_gid(KG, False, True)] = kg * (1 - ps) * u
    full[_gid(KG, False, False)] = kg * (1 - ps) * (1 - u)
    full[_gid(PRI, False, True)] = pri * prof.primary[1]
    full[_gid(PRI, True, True)] = pri * prof.primary[0] * u
    full[_gid(PRI, True, False)] = pri * prof.primary[0] * (1 - u)
    full[_gid(JUN, False, True)] = jun * prof.junior[1]
    full[_gid(JUN, True, True)] = jun * prof.junior[0] * u
    full[_gid(JUN, True, False)] = jun * prof.junior[0] * (1 - u)
    full[_gid(SEN, False, True)] = gen * prof.general_senior[1]
    full[_gid(SEN, True, True)] = gen * prof.general_senior[0] * u_sen
    full[_gid(SEN, True, False)] = gen * prof.general_senior[0] * (1 - u_sen)
    full[_gid(VOC, True, True)] = voc
    has_tp = u < 0.9
    tp_share = 0.08 if has_tp else 0.0

    b = _SchoolBuilder(region, _rng(seed, int(region.code), _S_SCHOOLS))
    totals = np.zeros(N_GROUPS)

    def block(stype: int, public: bool, urb: bool, shares: dict[int, float], avg: float, mn: int):
        """Schools holding `shares` of their groups; the first share's stage sets the count.

        At a small scale the minimum count and size keep every kind of school present and
        populated (a lean profile keeps one of each: small counties stay small); the group
        totals are the sum of what the blocks hold, so they stay consistent with the schools
        either way."""
        first = next(iter(shares))
        g_full = full[_gid(first, public, urb)] * shares[first]
        if g_full <= 0:
            return
        count = max(1 if prof.lean else mn, int(round(g_full / avg * scale)))
        sizes = {
            st: max(full[_gid(st, public, urb)] * sh * scale / count, _min_size(stype, st))
            for st, sh in shares.items()
        }
        b.add(stype, public, urb, count, sizes)
        for st, size in sizes.items():
            totals[_gid(st, public, urb)] += size * count

    for urb in (True, False):
        block(111, True, urb, {KG: 1.0}, 300 if urb else 170, 3)
        block(111, False, urb, {KG: 1.0}, 220 if urb else 120, 3)
    block(211, True, True, {PRI: 0.88}, 1400, 3)
    block(312, True, True, {PRI: 0.12, JUN: 0.15}, 800, 1)
    block(311, True, True, {JUN: 0.85}, 1500, 2)
    block(211, True, False, {PRI: 0.88 - tp_share}, 480, 3)
    if has_tp:
        block(218, True, False, {PRI: tp_share}, 45, 2)
    block(312, True, False, {PRI: 0.12, JUN: 0.15}, 450, 1)
    block(311, True, False, {JUN: 0.85}, 750, 2)
    block(211, False, True, {PRI: 1.0}, 900, 1)
    block(341, False, True, {JUN: 1.0, SEN: 0.6}, 900, 1)
    block(342, False, True, {SEN: 0.4}, 1000, 1)
    block(342, True, True, {SEN: 1.0}, 2200, 1)
    block(342, True, False, {SEN: 1.0}, 1500, 1)
    block(361, True, True, {VOC: 1.0}, 1600, 1)
    if region.special_school:
        special = {PRI: max(65 * scale, 12.0), JUN: max(35 * scale, 6.0)}
        b.add(511, True, True, 1, special)
        for st, size in special.items():
            totals[_gid(st, True, True)] += size
    b.add(900, True, True, 1, {})
    kg_avg = {(True, True): 300.0, (True, False): 170.0, (False, True): 220.0}
    kg_avg[(False, False)] = 120.0
    kg_sizes = {k: max(v * scale, _MIN_SIZE[KG]) for k, v in kg_avg.items()}
    _evolve_schools(b, seed, end, wolong=False, kg_sizes=kg_sizes)
    sch = b.build()
    # Minimum sizes inflate public and private kindergartens alike; grow the side that fell
    # short so the county keeps its intended public share at any scale.
    pub_g = [_gid(KG, True, True), _gid(KG, True, False)]
    priv_g = [_gid(KG, False, True), _gid(KG, False, False)]
    pub, priv = totals[pub_g].sum(), totals[priv_g].sum()
    if pub > 0 and priv > 0:
        f = ps / (1 - ps) * priv / pub
        side, groups = (sch.public, pub_g) if f > 1 else (~sch.public, priv_g)
        factor = f if f > 1 else 1 / f
        sch.weight[side & (sch.type == 111), KG] *= factor
        totals[groups] *= factor
    return sch, totals


# Smallest planned size of a school's stage (pupils), so a small county has no empty schools.
_MIN_SIZE = {KG: 45.0, PRI: 90.0, JUN: 60.0, SEN: 60.0, VOC: 60.0}


def _min_size(stype: int, stage: int) -> float:
    return 12.0 if stype == 218 else _MIN_SIZE[stage]


def _public_kg_shares(area: _Area) -> dict[str, float]:
    """2020 public-kindergarten share per county: the area's share; across a prefecture's
    counties higher in rural counties (township central kindergartens are public) and lower in
    the urban districts, so that the prefecture as a whole has its share."""
    share = area.profile.public_kg
    if len(area.counties) == 1:
        return {area.counties[0].code: share}
    raw = {c.code: 0.54 - 0.10 * c.urban_share for c in area.counties}
    w = {c.code: c.pop_10k for c in area.counties}
    city = sum(raw[k] * w[k] for k in raw) / sum(w.values())
    return {k: v * share / city for k, v in raw.items()}


# --------------------------------------------------------------------------------------------
# Plans: expected pupils per school and grade in each year
# --------------------------------------------------------------------------------------------


def _planned(totals2020: np.ndarray, year: int) -> np.ndarray:
    """(N_GROUPS, N_GRADES) planned pupils of each group and grade in `year`.

    A grade's size follows its birth cohort, so next year's grade g+1 is this year's grade g
    times the group trend: cohorts stay consistent and the flow simulation rarely over- or
    under-fills a school."""
    stages = np.arange(N_GROUPS) // 4
    cur = _bf(year - GRADE_AGE) * _GF
    ref = _bf(BASE_YEAR - GRADE_AGE) * _GF
    stage_of_grade = np.where(GRADE_STAGE[None, :] == SEN, SEN, GRADE_STAGE[None, :])
    in_stage = (stage_of_grade == np.where(stages == VOC, SEN, stages)[:, None]).astype(float)
    ref_sum = (in_stage * ref).sum(axis=1)
    trend = _TREND ** (year - BASE_YEAR)
    return totals2020[:, None] * trend[:, None] * in_stage * cur[None, :] / ref_sum[:, None]


def _targets(sch: _Schools, totals2020: np.ndarray, year: int):
    """Per-cell targets (float), group integer totals, and the offers mask for `year`."""
    offers = sch.offers(year)
    w = np.take_along_axis(sch.weight, sch.stage, axis=1) * offers
    planned = _planned(totals2020, year)
    den = np.zeros((N_GROUPS, N_GRADES))
    np.add.at(den, (sch.gid, np.broadcast_to(np.arange(N_GRADES), sch.gid.shape)), w)
    g_idx = np.broadcast_to(np.arange(N_GRADES), sch.gid.shape)
    den_cell = den[sch.gid, g_idx]
    target = np.where(
        den_cell > 0, planned[sch.gid, g_idx] * w / np.where(den_cell > 0, den_cell, 1), 0.0
    )
    group_total = np.rint((planned * (den > 0)).sum(axis=1)).astype(np.int64)
    return target, group_total, offers


# --------------------------------------------------------------------------------------------
# Pupils
# --------------------------------------------------------------------------------------------


@dataclass
class _Pupils:
    pid: np.ndarray  # sequence number (scrambled into the id only when written)
    school: np.ndarray
    grade: np.ndarray
    birth: np.ndarray
    sex: np.ndarray
    migrant: np.ndarray
    left: np.ndarray
    disabled: np.ndarray
    status: np.ndarray
    klass: np.ndarray  # class number within school-grade, -1 for dropped-out rows

    @staticmethod
    def empty() -> _Pupils:
        z = np.zeros(0, dtype=np.int64)
        return _Pupils(z, z, z, z, z, z, z, z, z, z)

    def take(self, idx: np.ndarray) -> _Pupils:
        return _Pupils(**{k: v[idx] for k, v in self.__dict__.items()})

    @staticmethod
    def concat(parts: Sequence[_Pupils]) -> _Pupils:
        keys = _Pupils.empty().__dict__.keys()
        return _Pupils(**{k: np.concatenate([p.__dict__[k] for p in parts]) for k in keys})

    def __len__(self) -> int:
        return len(self.pid)


@dataclass
class _RegionState:
    sch: _Schools
    totals2020: np.ndarray
    exact_2020: bool
    next_pid: int
    next_tid: int
    pupils: _Pupils | None = None
    teachers: dict[str, np.ndarray] | None = None


def _new_pupils(
    st: _RegionState, rng: np.random.Generator, year: int, cells: np.ndarray, status: int
) -> _Pupils:
    sch = st.sch
    school, grade = cells // N_GRADES, cells % N_GRADES
    n = len(cells)
    pid = st.next_pid + np.arange(n, dtype=np.int64)
    st.next_pid += n
    u = rng.random((n, 6))
    # Mostly on-age; some a year older (late start or an earlier repeat), a few younger.
    birth = year - GRADE_AGE[grade] - np.where(u[:, 0] < 0.12, 1, np.where(u[:, 0] > 0.97, -1, 0))
    urb = sch.urb[school]
    migrant = u[:, 2] < np.where(urb, 0.12, 0.04)
    left = ~urb & ~migrant & (u[:, 3] < 0.10)
    disabled = (sch.type[school] == 511) | (u[:, 4] < 0.0035)
    return _Pupils(
        pid=pid,
        school=school,
        grade=grade,
        birth=birth,
        sex=np.where(u[:, 1] < 0.53, 1, 2),
        migrant=migrant.astype(np.int64),
        left=left.astype(np.int64),
        disabled=disabled.astype(np.int64),
        status=np.full(n, status, dtype=np.int64),
        klass=np.full(n, -1, dtype=np.int64),
    )


def _initial_pupils(st: _RegionState, year: int, rng: np.random.Generator) -> _Pupils:
    target, group_total, offers = _targets(st.sch, st.totals2020, year)
    counts = _apportion(group_total, st.sch.gid.ravel(), target.ravel(), offers.ravel() * 1.0)
    cells = np.repeat(np.arange(counts.size), counts)
    p = _new_pupils(st, rng, year, cells, ST_CONT)
    first = np.argmax(st.sch.offers_base, axis=1)
    # Without a previous year, entry grades are new and a few others are repeaters.
    p.status[p.grade == first[p.school]] = ST_NEW
    p.status[(p.status == ST_CONT) & (rng.random(len(p)) < 0.006)] = ST_REP
    return p


def _advance_pupils(
    st: _RegionState, year: int, rng: np.random.Generator
) -> tuple[_Pupils, _Pupils]:
    """One school year: returns (enrolled pupils, dropped-out rows)."""
    sch = st.sch
    prev = st.pupils
    assert prev is not None
    target, group_total, offers = _targets(sch, st.totals2020, year)
    open_now = sch.is_open(year)
    s, g = prev.school, prev.grade
    n = len(prev)
    comp = (g >= G1) & (g <= G9)
    kg = g < G1
    sen = g >= G10
    special = sch.type[s] == 511
    rural = ~sch.urb[s]
    p_drop = np.select(
        [comp & special, comp & rural, comp, sen & (sch.type[s] == 361), sen],
        [0.01, 0.004, 0.002, 0.03, 0.012],
        0.0,
    )
    p_drop[~open_now[s]] = 0.0  # a closing school's pupils are all moved, never orphaned
    zero_from = sch.region.profile.zero_dropouts_from
    if zero_from is not None and year >= zero_from:
        p_drop[comp] = 0.0  # 控辍保学: the region keeps every compulsory-age pupil in school
    p_rep = np.select([kg, comp], [0.003, 0.007], 0.005)
    p_leave = np.select([kg, comp], [0.03, 0.008], 0.004)  # moved away: no row at all
    p_trans = np.where(special, 0.0, np.select([kg, comp], [0.02, 0.012], 0.004))
    u = rng.random(n)
    c1 = p_drop
    c2 = c1 + p_rep
    c3 = c2 + p_leave
    c4 = c3 + p_trans
    drop = u < c1
    rep = (u >= c1) & (u < c2)
    trans = (u >= c3) & (u < c4)
    prom = u >= c4
    ng = np.where(rep, g, np.minimum(g + 1, G12))
    graduate = (prom | trans) & (g == G12)
    stay_prom = prom & ~graduate & offers[s, ng]
    stay_rep = rep & offers[s, g]
    # At a stage change inside one school (K3->G1, G6->G7, G9->G10 in 312/341/345 schools) the
    # next stage is often smaller (a 完全中学 has fewer senior than junior places): only as many
    # as it has places stay on, the others compete for places elsewhere like everyone else.
    boundary = np.flatnonzero(stay_prom & np.isin(g, (G1 - 1, G6, G9)))
    if len(boundary):
        bcell = s[boundary] * N_GRADES + ng[boundary]
        order = np.lexsort((rng.random(len(boundary)), bcell))
        rank = np.empty(len(boundary), dtype=np.int64)
        rank[order] = _rank_in_runs(bcell[order])
        over = rank >= np.floor(target.ravel()[bcell] + 1e-9)
        stay_prom[boundary[over]] = False
    stay = stay_prom | stay_rep
    pool = (prom & ~graduate & ~stay_prom) | (rep & ~stay_rep) | (trans & ~graduate)

    n_cells = len(sch) * N_GRADES
    cell_stay = s[stay] * N_GRADES + ng[stay]
    stay_cnt = np.bincount(cell_stay, minlength=n_cells)
    # Special schools and the teacher-training school take no movers.
    receiving = offers & ~np.isin(sch.type, (511, 900))[:, None]
    cap = np.where(receiving.ravel(), np.floor(target.ravel() - stay_cnt + 1e-9), 0)
    cap = np.maximum(cap, 0).astype(np.int64)
    slots = np.repeat(np.arange(n_cells), cap)
    slot_grade = slots % N_GRADES
    slot_urb = sch.urb[slots // N_GRADES].astype(np.int64)

    pool_idx = np.flatnonzero(pool)
    pg = ng[pool_idx]
    pu = sch.urb[s[pool_idx]].astype(np.int64)
    prio = trans[pool_idx].astype(np.int64)  # stage changes and closures before transfers
    rp, rs = rng.random(len(pool_idx)), rng.random(len(slots))
    # Movers prefer a school of the same urban/rural kind, then take any place in the county.
    hit = _match(pg * 2 + pu, prio, rp, slot_grade * 2 + slot_urb, rs)
    free = np.ones(len(slots), dtype=bool)
    free[hit[hit >= 0]] = False
    left_p = np.flatnonzero(hit < 0)
    free_idx = np.flatnonzero(free)
    hit2 = _match(pg[left_p], prio[left_p], rp[left_p], slot_grade[free_idx], rs[free_idx])
    hit[left_p[hit2 >= 0]] = free_idx[hit2[hit2 >= 0]]
    placed = hit >= 0
    moved_idx = pool_idx[placed]
    moved_cell = slots[hit[placed]]

    stayers = prev.take(np.flatnonzero(stay))
    stayers.grade = ng[stay]
    stayers.status = np.where(stay_rep[stay], ST_REP, ST_CONT)
    movers = prev.take(moved_idx)
    movers.school = moved_cell // N_GRADES
    movers.grade = moved_cell % N_GRADES
    movers.status = np.select(
        [rep[moved_idx], trans[moved_idx] & (movers.school != s[moved_idx])],
        [ST_REP, ST_NEW],
        ST_CONT,
    )
    movers.left = np.where(sch.urb[movers.school], 0, movers.left)

    carried = _Pupils.concat([stayers, movers])
    gid = sch.gid.ravel()
    if st.exact_2020 and year == BASE_YEAR:
        carried = _trim_to_totals(carried, gid, group_total, len(stayers), rng)
    existing = np.bincount(carried.school * N_GRADES + carried.grade, minlength=n_cells)
    existing_g = np.bincount(gid, existing, minlength=N_GROUPS).astype(np.int64)
    need = np.maximum(group_total - existing_g, 0)
    deficit = np.maximum(target.ravel() - existing, 0) * offers.ravel()
    new_cnt = _apportion(need, gid, deficit, target.ravel() * offers.ravel())
    newcomers = _new_pupils(st, rng, year, np.repeat(np.arange(n_cells), new_cnt), ST_NEW)

    enrolled = _Pupils.concat([carried, newcomers])
    dropouts = prev.take(np.flatnonzero(drop))
    dropouts.status = np.full(len(dropouts), ST_DROP)
    dropouts.klass = np.full(len(dropouts), -1)
    return enrolled, dropouts


def _trim_to_totals(
    carried: _Pupils, gid: np.ndarray, totals: np.ndarray, n_stayers: int, rng: np.random.Generator
) -> _Pupils:
    """Make carried-over pupils fit published group totals (卧龙区 and 巴南区, 2020).

    Repeaters and a cohort shrinking by less than the plan can leave a group a few pupils above
    its published figure before any newcomer is added; that many of them instead move out of
    the district this year (no row), movers before pupils staying at their school."""
    g = gid[carried.school * N_GRADES + carried.grade]
    excess = np.maximum(np.bincount(g, minlength=len(totals)) - totals, 0)
    if not excess.any():
        return carried
    mover = (np.arange(len(carried)) >= n_stayers).astype(np.int64)
    order = np.lexsort((rng.random(len(carried)), 1 - mover, g))
    rank = np.empty(len(carried), dtype=np.int64)
    rank[order] = _rank_in_runs(g[order])
    return carried.take(np.flatnonzero(rank >= excess[g]))


def _assign_classes(sch: _Schools, p: _Pupils, year: int, rng: np.random.Generator) -> np.ndarray:
    """Split each school-grade into classes; returns the class count per school.

    The intended class size is drawn per school-grade: mostly normal sizes, some 大班额 (56-65)
    and a few 超大班额 (66+), both becoming rarer every year as the plans require. From the year
    a region's profile keeps to the standard class sizes, no primary class has more than 45
    pupils and no junior class more than 50."""
    n_cells = len(sch) * N_GRADES
    cell = p.school * N_GRADES + p.grade
    n_in = np.bincount(cell, minlength=n_cells)
    stage = sch.stage.ravel()
    urb = np.repeat(sch.urb, N_GRADES)
    mean = np.array([31.0, 43.0, 47.0, 50.0, 45.0])[stage] - np.where(urb, 0.0, 4.0)
    # Draw only for cells that have pupils: the table also holds schools that open in later
    # years, and their count must not shift this year's draws.
    active = np.flatnonzero(n_in > 0)
    u = np.zeros((n_cells, 2))
    u[active] = rng.random((len(active), 2))
    noise = np.zeros(n_cells)
    noise[active] = rng.normal(0.0, 3.0, len(active))
    desired = mean + noise
    t = year - 2019
    p_super = np.clip(0.06 - 0.012 * t, 0.0, None) * np.where(urb, 1.0, 0.4)
    p_large = np.clip(0.20 - 0.03 * t, 0.02, None) * np.where(urb, 1.0, 0.5)
    big_ok = stage != KG
    since = sch.region.profile.standard_classes_from
    cap = np.where(stage == PRI, 45.0, np.where(stage == JUN, 50.0, np.inf))  # seeds/stages.csv
    capped = np.isfinite(cap) & (since is not None and year >= since)
    big_ok &= ~capped
    desired = np.where(big_ok & (u[:, 0] < p_super), 67 + 7 * u[:, 1], desired)
    desired = np.where(
        big_ok & (u[:, 0] >= p_super) & (u[:, 0] < p_super + p_large), 57 + 7 * u[:, 1], desired
    )
    stype = np.repeat(sch.type, N_GRADES)
    desired = np.where(stype == 511, 10.0, desired)
    k = np.maximum(1, np.rint(n_in / desired)).astype(np.int64)
    # A grade too big for classes of the standard size is split further (rounding alone can
    # leave one of 60).
    k = np.where(capped, np.maximum(k, np.ceil(n_in / np.where(capped, cap, 1.0))), k)
    k = k.astype(np.int64)
    k = np.where(stype == 218, 1, k)  # a teaching point has one class per grade
    k = np.where(n_in > 0, k, 0)
    order = np.lexsort((rng.random(len(p)), cell))
    rank = _rank_in_runs(cell[order])
    klass = np.empty(len(p), dtype=np.int64)
    klass[order] = rank % k[cell[order]]
    p.klass = klass
    return k.reshape(len(sch), N_GRADES).sum(axis=1)


# --------------------------------------------------------------------------------------------
# Teachers
# --------------------------------------------------------------------------------------------

_T_FIELDS = ("tid", "school", "tstage", "cat", "qual", "title", "u_bb", "u_lvl", "u_subj", "u_s2")
_T_FIELDS += ("u_dq", "rot", "elig")


def _staff_targets(st: _RegionState, year: int, enrol_st: np.ndarray, scale: float) -> np.ndarray:
    """(n_schools, N_TSTAGES) staff per school and teaching stage."""
    sch = st.sch
    n = len(sch)
    open_now = sch.is_open(year)
    tst = np.zeros((n, N_TSTAGES))
    for plan_st in range(N_STAGES):
        np.add.at(tst, (np.arange(n), PLAN_TO_TSTAGE[plan_st]), enrol_st[:, plan_st])
    special = sch.type == 511
    tst[special, T_SPE] = tst[special].sum(axis=1)
    tst[special, :T_SPE] = 0
    ratio = np.broadcast_to(_STAFF_RATIO, (n, N_TSTAGES)).copy()
    ratio[~sch.public, T_PRE] = _STAFF_RATIO_PRIVATE_KG
    want = tst / ratio * sch.staff_noise[:, None]
    min_staff = np.where(sch.type == 218, 2, 1)[:, None]
    out = np.where(tst > 0, np.maximum(np.rint(want), min_staff), 0).astype(np.int64)
    other_staff = max(3, int(round(40 * scale)))
    out[:, T_OTH] = np.where(
        (sch.type == 900) & open_now, np.rint(other_staff * sch.staff_noise), 0
    )
    if sch.region.code != WOLONG.code:  # the only plan that publishes staff
        return out
    # 卧龙区 public staff: the published 2020 figures, scaled in other years with the planned
    # pupils of the same groups, spread over schools in proportion to their pupils.
    planned_now = _planned(st.totals2020, year).sum(axis=1)
    planned_ref = _planned(st.totals2020, BASE_YEAR).sum(axis=1)
    w = np.where(tst > 0, want, 0.0)
    w[:, T_OTH] = np.where((sch.type == 900) & open_now, 12.0, 0.0)
    # The published kindergarten staff (97 for 42 500 pupils) are the establishment posts, held
    # mostly by the district's urban kindergartens; rural kindergartens get a handful.
    w[:, T_PRE] *= np.where(sch.urb, 10.0, 1.0)
    group = np.full((n, N_TSTAGES), len(WOLONG_2020_STAFF), dtype=np.int64)
    totals = np.zeros(len(WOLONG_2020_STAFF) + 1, dtype=np.int64)
    for i, (total, tstages, urban, pupil_groups) in enumerate(WOLONG_2020_STAFF):
        m = np.zeros((n, N_TSTAGES), dtype=bool)
        m[:, list(tstages)] = True
        m &= (sch.public & open_now)[:, None]
        if urban is not None:
            m &= (sch.urb == urban)[:, None]
        group[m] = i
        pg = list(pupil_groups)
        factor = planned_now[pg].sum() / planned_ref[pg].sum()
        totals[i] = total if year == BASE_YEAR else int(round(total * factor))
    exact = group < len(WOLONG_2020_STAFF)
    res = _apportion(
        totals, group.ravel(), w.ravel() * exact.ravel(), exact.ravel() * (tst.ravel() > 0) * 1.0
    )
    res = res.reshape(n, N_TSTAGES)
    return np.where(exact, res, out)


def _new_teachers(
    st: _RegionState, rng: np.random.Generator, cells: np.ndarray, first_year: bool
) -> dict[str, np.ndarray]:
    n = len(cells)
    tstage = cells % N_TSTAGES
    tid = st.next_tid + np.arange(n, dtype=np.int64)
    st.next_tid += n
    u = rng.random((n, 9))
    cat = (u[:, 0] < _OTHER_STAFF_P[tstage]).astype(np.int64)
    qual = np.where(
        cat == 1, _draw_cat(u[:, 1], _QUAL_P_OTHER_STAFF), _draw_cat(u[:, 1], _QUAL_P[tstage])
    )
    title_p = _TITLE_P[tstage] if first_year else np.broadcast_to(_TITLE_P_NEW_HIRE, (n, 5))
    title = np.where(
        cat == 1, _draw_cat(u[:, 2], _TITLE_P_OTHER_STAFF), _draw_cat(u[:, 2], title_p)
    )
    return {
        "tid": tid,
        "school": cells // N_TSTAGES,
        "tstage": tstage,
        "cat": cat,
        "qual": qual,
        "title": title,
        "u_bb": u[:, 3],
        "u_lvl": u[:, 4],
        "u_subj": u[:, 5],
        "u_s2": u[:, 6],
        "u_dq": u[:, 7],
        "rot": np.zeros(n, dtype=np.int64),
        "elig": np.zeros(n, dtype=np.int64),
    }


def _t_take(t: dict[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[idx] for k, v in t.items()}


def _t_concat(parts: Sequence[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([p[k] for p in parts]) for k in _T_FIELDS}


def _eligible_cells(sch: _Schools) -> np.ndarray:
    """(n, N_TSTAGES): cells whose full-time teachers can be rotation-eligible (public compulsory
    schools, primary and junior teaching stages)."""
    m = np.zeros((len(sch), N_TSTAGES), dtype=bool)
    base = sch.public & np.isin(sch.type, COMPULSORY_TYPES)
    m[:, T_PRI] = base
    m[:, T_JUN] = base
    return m


def _advance_teachers(
    st: _RegionState, year: int, want: np.ndarray, rng: np.random.Generator, first_year: bool
) -> dict[str, np.ndarray]:
    sch = st.sch
    n_cells = want.size
    elig_cells = _eligible_cells(sch).ravel()
    if first_year:
        cells = np.repeat(np.arange(n_cells), want.ravel())
        t = _new_teachers(st, rng, cells, first_year=True)
        u = rng.random((len(cells), 2))
        t["elig"] = (elig_cells[cells] & (t["cat"] == 0) & (u[:, 0] < 0.4)).astype(np.int64)
        t["rot"] = (t["elig"].astype(bool) & (u[:, 1] < 0.12)).astype(np.int64)
        return t
    prev = st.teachers
    assert prev is not None
    n = len(prev["tid"])
    open_now = sch.is_open(year)
    u = rng.random((n, 4))
    leave = u[:, 0] < 0.05  # ~5 % turnover: retirements and departures
    closed = ~open_now[prev["school"]]
    cell = prev["school"] * N_TSTAGES + prev["tstage"]
    elig = ~leave & ~closed & elig_cells[cell] & (prev["cat"] == 0) & (u[:, 1] < 0.4)
    rot = elig & (u[:, 2] < 0.12)
    school = prev["school"].copy()
    # Rotation: rotating teachers of one teaching stage swap schools among themselves (a roll by
    # half the group after sorting by school), so every school keeps its head count.
    ri = np.flatnonzero(rot)
    if len(ri):
        order = np.lexsort((rng.random(len(ri)), school[ri], prev["tstage"][ri]))
        ri = ri[order]
        ts = prev["tstage"][ri]
        rank = _rank_in_runs(ts)
        size = np.bincount(ts, minlength=N_TSTAGES)[ts]
        start = np.arange(len(ri)) - rank
        dest = start + (rank + size // 2) % size
        school[ri] = prev["school"][ri[dest]]
        rot[ri] &= school[ri] != prev["school"][ri]
    # A few teachers a year are promoted one professional title up (unrated -> third -> ...).
    title = prev["title"] - ((prev["cat"] == 0) & (prev["title"] > 0) & (u[:, 3] < 0.04))
    cur = {
        **prev,
        "school": school,
        "title": title,
        "rot": rot.astype(np.int64),
        "elig": elig.astype(np.int64),
    }
    keep_idx = np.flatnonzero(~leave & ~closed)
    redeploy_idx = np.flatnonzero(~leave & closed)
    kept = _t_take(cur, keep_idx)
    kcell = kept["school"] * N_TSTAGES + kept["tstage"]
    order = np.lexsort((rng.random(len(kcell)), 1 - kept["rot"], kcell))
    rank = np.empty(len(kcell), dtype=np.int64)
    rank[order] = _rank_in_runs(kcell[order])
    ok = rank < want.ravel()[kcell]  # overstaffed schools shed their surplus (retirements)
    kept = _t_take(kept, np.flatnonzero(ok))
    kcell = kcell[ok]
    deficit = np.maximum(want.ravel() - np.bincount(kcell, minlength=n_cells), 0)
    slots = np.repeat(np.arange(n_cells), deficit)
    red = _t_take(cur, redeploy_idx)
    red["rot"] = np.zeros(len(redeploy_idx), dtype=np.int64)
    red["elig"] = np.zeros(len(redeploy_idx), dtype=np.int64)
    hit = _match(
        red["tstage"],
        np.zeros(len(redeploy_idx), dtype=np.int64),
        rng.random(len(redeploy_idx)),
        slots % N_TSTAGES,
        rng.random(len(slots)),
    )
    red = _t_take(red, np.flatnonzero(hit >= 0))
    red["school"] = slots[hit[hit >= 0]] // N_TSTAGES
    used = np.zeros(len(slots), dtype=bool)
    used[hit[hit >= 0]] = True
    hires = _new_teachers(st, rng, slots[~used], first_year=False)
    return _t_concat([kept, red, hires])


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _write_csv(
    path: Path, columns: Sequence[str], arrays: Sequence[pa.Array], append: bool = False
) -> int:
    """Write a table as plain UTF-8 CSV (no quoting: generated values never contain commas), or
    append its rows to the file already begun."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.table(list(arrays), names=list(columns))
    with path.open("ab" if append else "wb") as fh:
        if not append:
            fh.write((",".join(columns) + "\n").encode("utf-8"))
        pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    return table.num_rows


def _str(values: np.ndarray | list[str]) -> pa.Array:
    return pa.array(values, type=pa.string())


def _num_str(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values), pa.string())


def _prefixed(prefix: str, numbers: np.ndarray, digits: int) -> pa.Array:
    padded = pc.utf8_lpad(_num_str(numbers), width=digits, padding="0")
    return pc.binary_join_element_wise(prefix, padded, "")


def _labels(labels: Sequence[str], idx: np.ndarray) -> pa.Array:
    return pc.take(_str(list(labels)), pa.array(idx.astype(np.int64)))


@dataclass
class _FileLog:
    """The files written, one per extract, delivering region and year. A prefecture that
    delivers for its counties gets their rows one county after the other in one file."""

    out_dir: Path
    files: list[dict] = field(default_factory=list)
    _begun: dict[str, dict] = field(default_factory=dict)

    def write(self, extract: str, region: str, year: int, arrays: Sequence[pa.Array]) -> None:
        rel = (Path(extract) / f"{extract}_{region}_{year}.csv").as_posix()
        entry = self._begun.get(rel)
        rows = _write_csv(self.out_dir / rel, COLUMNS[extract], arrays, append=entry is not None)
        if entry is not None:
            entry["rows"] += rows
            return
        entry = {"extract": extract, "region_code": region, "year": year, "path": rel, "rows": rows}
        self._begun[rel] = entry
        self.files.append(entry)


def _write_pupils(log: _FileLog, sch: _Schools, year: int, p: _Pupils, keys: np.ndarray) -> None:
    order = np.lexsort((p.pid, p.klass, p.status == ST_DROP, p.grade, p.school))
    p = p.take(order)
    codes = _labels(sch.code, p.school)
    grades = _labels(GRADE_LABELS, p.grade)
    nn = _labels(
        [f"{i:02d}" for i in range(1, max(int(p.klass.max(initial=0)) + 2, 2))],
        np.maximum(p.klass, 0),
    )
    class_id = pc.binary_join_element_wise(codes, grades, nn, "-")
    class_id = pc.if_else(pa.array(p.klass < 0), pa.scalar("", pa.string()), class_id)
    log.write(
        "pupils",
        sch.region.file_region,
        year,
        [
            _num_str(np.full(len(p), year)),
            _prefixed("P", _pseudonym(p.pid, keys[0], 12), 12),
            codes,
            grades,
            class_id,
            _num_str(p.birth),
            _num_str(p.sex),
            _num_str(p.migrant),
            _num_str(p.left),
            _num_str(p.disabled),
            _labels(STATUS_LABELS, p.status),
        ],
    )


def _teacher_attributes(
    sch: _Schools, t: dict[str, np.ndarray], enrol_school: np.ndarray, year: int
) -> dict[str, np.ndarray]:
    """Backbone level, subject group and dual qualification for one year.

    Each teacher carries fixed random numbers; the school's needs in the year set the
    thresholds. A teacher's status therefore stays put unless the school's staffing changes,
    while school-level rates land around the 优质均衡 thresholds (1 backbone and 0.9 PE/arts
    teachers per 100 pupils), some schools above and some below."""
    s = t["school"]
    full = t["cat"] == 0
    nft = np.maximum(np.bincount(s[full], minlength=len(sch)), 1)
    per_ft = enrol_school / (100.0 * nft)
    p_bb = np.clip(sch.backbone_rate * per_ft, 0.0, 0.6)
    p_bb = np.where(sch.type == 900, 0.3, p_bb)[s]
    county_plus = full & (t["u_bb"] < p_bb)
    p_pea = np.clip(sch.pea_rate * per_ft, 0.05, 0.35)[s]
    arts = full & (t["tstage"] != T_PRE) & (t["tstage"] != T_OTH) & (t["u_subj"] < p_pea)
    if sch.region.profile.lean:
        # A small county has one school or two of a stage: were none of them to have a PE/arts
        # or a county-level backbone teacher, the county's 差异系数 of that measure would divide
        # by a mean of 0. Each primary and junior staff then has at least one of each: the
        # teacher with the lowest draw.
        compulsory = full & ((t["tstage"] == T_PRI) | (t["tstage"] == T_JUN))
        county_plus |= _first_where_none(
            s * N_TSTAGES + t["tstage"], compulsory, county_plus, t["u_bb"]
        )
        arts |= _first_where_none(s * N_TSTAGES + t["tstage"], compulsory, arts, t["u_subj"])
    lvl = _draw_cat(t["u_lvl"], np.array([0.62, 0.30, 0.07, 0.01]))
    backbone = np.where(county_plus, 2 + lvl, np.where(full & (t["u_bb"] < p_bb + 0.12), 1, 0))
    subj = np.where(arts, _draw_cat(t["u_s2"], np.array([0.45, 0.30, 0.25])), 3)
    subj = np.where(full, subj, 4)
    # 双师型: the profile's share of full-time vocational teachers (洛阳 and 卧龙: 37.6 % in
    # 2020, 洛阳's published baseline, 001_a06619f67622513c.txt lines 202–204, +3 points a
    # year). A quota (the teachers with the lowest draws) rather than a coin per teacher, so the
    # share is the rate, not a sample.
    p_dq = sch.region.profile.dual_qualified.at(year)
    eligible = full & (t["tstage"] == T_VOC)
    quota = round(p_dq * int(eligible.sum()))
    order = np.argsort(np.where(eligible, t["u_dq"], np.inf), kind="stable")
    dq = np.zeros(len(s), dtype=bool)
    dq[order[:quota]] = True
    return {"backbone": backbone, "subject": subj, "dq": dq.astype(np.int64)}


def _first_where_none(
    group: np.ndarray, eligible: np.ndarray, has: np.ndarray, u: np.ndarray
) -> np.ndarray:
    """For each group of eligible rows none of which `has`, the row with the lowest `u`."""
    n_groups = int(group.max(initial=-1)) + 1
    lacking = np.bincount(group[has & eligible], minlength=n_groups) == 0
    cand = np.flatnonzero(eligible & lacking[group])
    order = cand[np.lexsort((u[cand], group[cand]))]
    first = np.r_[True, group[order][1:] != group[order][:-1]] if len(order) else order
    out = np.zeros(len(group), dtype=bool)
    out[order[first]] = True
    return out


def _write_teachers(
    log: _FileLog,
    sch: _Schools,
    year: int,
    t: dict[str, np.ndarray],
    enrol_school: np.ndarray,
    keys: np.ndarray,
) -> None:
    order = np.lexsort((t["tid"], t["tstage"], t["school"]))
    t = _t_take(t, order)
    a = _teacher_attributes(sch, t, enrol_school, year)
    log.write(
        "teachers",
        sch.region.file_region,
        year,
        [
            _num_str(np.full(len(t["tid"]), year)),
            _prefixed("T", _pseudonym(t["tid"], keys[1], 10), 10),
            _labels(sch.code, t["school"]),
            _labels(T_STAGES, t["tstage"]),
            _labels(("full_time_teacher", "other_staff"), t["cat"]),
            _labels(QUALIFICATIONS, t["qual"]),
            _labels(TITLES, t["title"]),
            _labels(BACKBONE_LEVELS, a["backbone"]),
            _num_str(a["dq"]),
            _labels(SUBJECT_GROUPS, a["subject"]),
            _num_str(t["rot"]),
            _num_str(t["elig"]),
        ],
    )


@dataclass
class _SchoolYear:
    """What the schools file and the end-of-run tables need from one region-year."""

    open_idx: np.ndarray
    classes: np.ndarray  # per school (all schools)
    enrol_stage: np.ndarray  # (n_schools, N_STAGES)
    public: np.ndarray  # sponsor as written (the scenario may change it)
    inclusive: np.ndarray
    grade_counts: np.ndarray  # (N_GRADES,) enrolled pupils by grade
    disabled_by_age: np.ndarray  # (19,) enrolled disabled pupils by age
    disabled_compulsory: int  # enrolled disabled pupils of grades 1-9, any age
    teachers: int


def _facilities(sch: _Schools, year: int, enrol: np.ndarray) -> np.ndarray:
    """(n, 4) floor m², sports m², equipment yuan, multimedia rooms.

    Facilities are sized once from a school's planned pupils and grow slowly afterwards, so
    per-pupil values move with enrolment the way real ones do."""
    size = sch.weight.sum(axis=1)
    ref = np.where(size[:, None] > 0, sch.weight @ _FACILITY_REF / np.maximum(size, 1)[:, None], 0)
    ref = np.where(sch.type[:, None] == 511, _FACILITY_REF[PRI] * 3, ref)
    ref = np.where(sch.type[:, None] == 900, _FACILITY_REF[SEN], ref)
    base = np.maximum(size, np.where(sch.type == 900, 60.0, 40.0))[:, None] * ref * sch.fac_mult
    base[:, 3] /= 100.0
    grown = base * _FACILITY_GROWTH ** max(year - BASE_YEAR, 0)
    since = sch.region.profile.equipped_from
    if since is not None and year >= since:
        # Equipment and multimedia classrooms bought up to the 优质均衡 standard (the higher of
        # the primary and junior thresholds) for every compulsory school's current pupils.
        compulsory = np.isin(sch.type, COMPULSORY_TYPES + (341, 511))[:, None]
        need = enrol[:, None] * np.maximum(_FACILITY_REF[PRI, 2:], _FACILITY_REF[JUN, 2:])
        need[:, 1] /= 100.0
        grown[:, 2:] = np.where(compulsory, np.maximum(grown[:, 2:], need * 1.02), grown[:, 2:])
        grown[:, 2] = np.ceil(grown[:, 2] / 100.0) * 100.0
        grown[:, 3] = np.ceil(grown[:, 3])
    grown[:, 3] = np.maximum(np.rint(grown[:, 3]), np.where(enrol > 0, 1, 0))
    grown[:, 2] = np.rint(grown[:, 2] / 100.0) * 100.0
    return grown


def _write_schools(log: _FileLog, sch: _Schools, year: int, sy: _SchoolYear) -> None:
    i = sy.open_idx
    fac = _facilities(sch, year, sy.enrol_stage.sum(axis=1))[i]
    log.write(
        "schools",
        sch.region.file_region,
        year,
        [
            _num_str(np.full(len(i), year)),
            _str([sch.code[k] for k in i.tolist()]),
            _str([sch.name[k] for k in i.tolist()]),
            _str([sch.region.code] * len(i)),
            _num_str(sch.type[i]),
            _labels(("private", "public"), sy.public[i].astype(np.int64)),
            _num_str(sch.urban_code[i]),
            _num_str(sy.inclusive[i].astype(np.int64)),
            _num_str(sy.classes[i]),
            _num_str(np.round(fac[:, 0], 1)),
            _num_str(np.round(fac[:, 1], 1)),
            _num_str(fac[:, 2].astype(np.int64)),
            _num_str(fac[:, 3].astype(np.int64)),
        ],
    )


def _inclusive(sch: _Schools, public: np.ndarray, year: int) -> np.ndarray:
    """普惠性: public kindergartens (and 345 schools' kindergarten sections) always; of the
    private kindergartens, the first regions' once the year's share passes their draw. The
    share (73 % in 2020, +2 points a year) puts 洛阳's 普惠性幼儿园覆盖率 at its published 2020
    baseline of 86 %. The other regions' private kindergartens are chosen for their whole area
    once every county is simulated (_inclusive_quota)."""
    prof = sch.region.profile
    kg = sch.type == 111
    out = (kg & public) | ((sch.type == 345) & public)
    if prof.inclusive_by_quota:
        return out
    return out | (kg & ~public & (sch.incl_u < prof.inclusive_private.at(year)))


def _inclusive_quota(counties: list[tuple[_Schools, dict[int, _SchoolYear]]]) -> None:
    """Recognise private kindergartens of an area as 普惠性 until their pupils are the year's
    share of the area's private kindergarten pupils: smallest kindergartens first (普惠 fees
    suit small neighbourhood kindergartens), stopping at the one that brings the pupils nearest
    the share. Taken over the whole area, the coverage its plan states lands within a fraction
    of a point, though a county has only a few private kindergartens."""
    prof = counties[0][0].region.profile
    for year in counties[0][1]:
        parts = []
        for k, (sch, years) in enumerate(counties):
            sy = years[year]
            pupils = sy.enrol_stage[:, KG]
            idx = np.flatnonzero((sch.type == 111) & ~sy.public & (pupils > 0))
            parts.append(
                (np.full(len(idx), k), idx, sch.weight[idx, KG], sch.incl_u[idx], pupils[idx])
            )
        county, idx, size, u, pupils = (np.concatenate(a) for a in zip(*parts, strict=True))
        order = np.lexsort((u, size))
        covered = np.r_[0.0, np.cumsum(pupils[order])]
        share = prof.inclusive_private.at(year)
        take = order[: int(np.argmin(np.abs(covered - share * covered[-1])))]
        for c, i in zip(county[take].tolist(), idx[take].tolist(), strict=True):
            sy = counties[c][1][year]
            sy.inclusive = sy.inclusive.copy()
            sy.inclusive[i] = True


# --------------------------------------------------------------------------------------------
# Region simulation
# --------------------------------------------------------------------------------------------


def _simulate_region(
    st: _RegionState,
    seed: int,
    sim_years: list[int],
    write_years: set[int],
    log: _FileLog,
    keys: np.ndarray,
    scale: float,
) -> dict[int, _SchoolYear]:
    sch = st.sch
    code = int(sch.region.code)
    out: dict[int, _SchoolYear] = {}
    for i, year in enumerate(sim_years):
        rp = _rng(seed, code, year, _S_PUPILS)
        if i == 0:
            enrolled = _initial_pupils(st, year, rp)
            dropouts = _Pupils.empty()
        else:
            enrolled, dropouts = _advance_pupils(st, year, rp)
        classes = _assign_classes(sch, enrolled, year, rp)
        st.pupils = enrolled
        enrol_stage = np.zeros((len(sch), N_STAGES))
        np.add.at(enrol_stage, (enrolled.school, sch.stage[enrolled.school, enrolled.grade]), 1)
        rt = _rng(seed, code, year, _S_TEACHERS)
        want = _staff_targets(st, year, enrol_stage, scale)
        st.teachers = _advance_teachers(st, year, want, rt, first_year=(i == 0))
        age = year - enrolled.birth
        dis = enrolled.disabled.astype(bool) & (age >= 0) & (age <= 18)
        out[year] = _SchoolYear(
            open_idx=np.flatnonzero(sch.is_open(year)),
            classes=classes,
            enrol_stage=enrol_stage,
            public=sch.public.copy(),
            inclusive=_inclusive(sch, sch.public, year),
            grade_counts=np.bincount(enrolled.grade, minlength=N_GRADES),
            disabled_by_age=np.bincount(age[dis], minlength=19)[:19],
            disabled_compulsory=int(
                (
                    enrolled.disabled.astype(bool) & (enrolled.grade >= G1) & (enrolled.grade <= G9)
                ).sum()
            ),
            teachers=len(st.teachers["tid"]),
        )
        if year in write_years:
            both = _Pupils.concat([enrolled, dropouts])
            _write_pupils(log, sch, year, both, keys)
            _write_teachers(log, sch, year, st.teachers, enrol_stage.sum(axis=1), keys)
    return out


# --------------------------------------------------------------------------------------------
# Funding and population
# --------------------------------------------------------------------------------------------

FUNDING_ITEMS = (
    "edu_general_budget",
    "operating_funds_preschool",
    "operating_funds_primary",
    "operating_funds_junior",
    "operating_funds_senior",
)
# Yuan per pupil per year in 2019: public operating funds by stage (primary and junior close
# to Henan's 生均公用经费 standards); general-budget spending per pupil is in the profiles.
_OPERATING_RATE = np.array([650.0, 720.0, 920.0, 1100.0])


def _funding_rows(
    sch: _Schools, years: dict[int, _SchoolYear], seed: int, sim_years: list[int]
) -> dict[int, np.ndarray]:
    code = int(sch.region.code)
    prof = sch.region.profile
    level = _rng(seed, code, _S_FUNDING).uniform(0.92, 1.08)
    out: dict[int, np.ndarray] = {}
    budget = 0.0
    for i, year in enumerate(sim_years):
        sy = years[year]
        r = _rng(seed, code, year, _S_FUNDING)
        total = sy.enrol_stage.sum()
        if i == 0:
            budget = total * prof.budget_per_pupil * level
        else:
            rise = r.uniform(0.02, 0.06)  # grows every year (只增不减) unless the profile says
            change = prof.budget_change
            budget *= 1.0 + (change[1] if change is not None and change[0] == year else rise)
        pub = sch.public[:, None] & (sch.is_open(year)[:, None])
        e = sy.enrol_stage * pub
        # Schools under 100 pupils are funded as 100 (primary and junior).
        small = np.where((e > 0) & (e < 100), 100.0, e)
        stage_pupils = np.array(
            [
                e[:, KG].sum(),
                small[:, PRI].sum(),
                small[:, JUN].sum(),
                e[:, SEN].sum() + e[:, VOC].sum(),
            ]
        )
        growth = 1.03 ** (year - 2019) * r.uniform(0.99, 1.01, 4)
        ops = stage_pupils * _OPERATING_RATE * level * growth
        out[year] = np.rint(np.r_[budget, ops]).astype(np.int64)
    return out


def _population(
    regions: list[_Schools],
    per_region: list[dict[int, _SchoolYear]],
    seed: int,
    sim_years: list[int],
) -> dict[tuple[str, int], np.ndarray]:
    """(region, year) -> (19, 2) population and disabled population by single year of age.

    Population is derived from enrolment and the gross enrolment rates of each region's profile,
    so the indicators land where the plans put them: 卧龙 kindergarten 89.5 % in 2020, 洛阳 92 %
    rising to 95 % in 2025, 巴南 100 % (a prefecture's counties are calibrated together, at the
    level its plan states the rate, with county variation), senior secondary as the profiles
    say. Where 卧龙's published stages differ in size per grade (it has more kindergarten than
    primary pupils per grade, and far fewer senior than junior ones), this gives steps between
    ages; the rates win over a smooth age profile."""
    pop: dict[tuple[str, int], np.ndarray] = {}
    dis_rate: dict[str, float] = {}
    cities: dict[str, list[tuple[_Schools, dict[int, _SchoolYear]]]] = {}
    for sch, years in zip(regions, per_region, strict=True):
        code = int(sch.region.code)
        prof = sch.region.profile
        assert prof is not None
        fixed = _rng(seed, code, _S_POPULATION)
        kg_off = sen_off = 1.0
        if prof.county_noise:
            kg_off = float(np.exp(fixed.normal(0.0, 0.02)))
            sen_off = float(np.exp(fixed.normal(0.0, 0.01)))
            cities.setdefault(sch.region.parent, []).append((sch, years))
        sen_base = prof.ger_senior.start * sen_off
        # Share of disabled school-age children who are enrolled (入学率 ~96-97 %), unless the
        # profile sets it.
        dis_rate[sch.region.code] = float(fixed.uniform(0.95, 0.985))
        for year in sim_years:
            r = _rng(seed, code, year, _S_POPULATION)
            gc = years[year].grade_counts.astype(float)
            p = np.zeros(19)
            p[3:6] = gc[:3] / (prof.ger_kg.at(year) * kg_off)
            p[6:12] = gc[G1 : G6 + 1] / 1.02 * r.uniform(0.985, 1.015, 6)
            p[12:15] = gc[G7 : G9 + 1] * r.uniform(0.985, 1.015, 3)
            p[15:18] = gc[G10:] / prof.ger_senior.at(year, start=sen_base)
            p[:3] = p[3] * _bf(year - np.arange(3)) / _bf(year - 3)
            p[18] = p[17] * r.uniform(0.98, 1.02)
            pop[(sch.region.code, year)] = p
    for counties in cities.values():
        ger_kg = counties[0][0].region.profile.ger_kg
        for year in sim_years:
            kids = sum(float(y[year].grade_counts[:3].sum()) for _, y in counties)
            den = sum(float(pop[(s.region.code, year)][3:6].sum()) for s, _ in counties)
            if den > 0:
                f = kids / ger_kg.at(year) / den
                for s, _ in counties:
                    pop[(s.region.code, year)][3:6] *= f
    out: dict[tuple[str, int], np.ndarray] = {}
    for sch, years in zip(regions, per_region, strict=True):
        rate = sch.region.profile.disabled_rate
        for year in sim_years:
            p = np.rint(pop[(sch.region.code, year)]).astype(np.int64)
            dis = np.zeros(19, dtype=np.int64)
            enrolled = years[year].disabled_by_age[6:16]
            if rate is None:
                # Rounding x / rate (rate < 1) never falls below x: never fewer disabled
                # children than are enrolled.
                dis[6:16] = np.rint(enrolled / dis_rate[sch.region.code]).astype(np.int64)
            else:
                # The warehouse's rate (disabled pupils of grades 1-9 over the disabled
                # population aged 6-14, dbt vars compulsory_age_*) lands on the profile's: the
                # population is that many, spread over the ages like the enrolled ones.
                want = round(years[year].disabled_compulsory / rate.at(year))
                dis[6:15] = _apportion(
                    np.array([want]), np.zeros(9, dtype=np.int64), enrolled[:9] * 1.0, np.ones(9)
                )
                dis[15] = round(enrolled[9] / rate.at(year))
            out[(sch.region.code, year)] = np.stack([p, dis], axis=1)
    return out


# --------------------------------------------------------------------------------------------
# Scenario
# --------------------------------------------------------------------------------------------

SCENARIO_YEAR = 2025
SCENARIO_PUBLIC_KG_SHARE = 0.45


def _apply_miss_scenario(
    regions: list[_Schools], per_region: list[dict[int, _SchoolYear]], seed: int
) -> None:
    """Pull 洛阳's 2025 public-kindergarten share to ~45 % by reporting some public
    kindergartens as private (公建民营: publicly built, privately run, still 普惠性).

    Only the sponsor (and inclusive flag) of those schools in the 2025 schools files changes:
    pupils, classes, staff, funding and population stay exactly as in the default run, so a
    test can isolate the share indicator, and the gross enrolment rate is unchanged."""
    cand: list[tuple[int, int, int]] = []  # (region position, school index, pupils)
    pub_kids = all_kids = 0
    for ri, (sch, years) in enumerate(zip(regions, per_region, strict=True)):
        if sch.region.parent != LUOYANG_CODE or SCENARIO_YEAR not in years:
            continue
        sy = years[SCENARIO_YEAR]
        kids = sy.enrol_stage[:, KG]
        all_kids += int(kids.sum())
        pub_kids += int(kids[sy.public].sum())
        idx = np.flatnonzero(sy.public & (sch.type == 111) & (kids > 0))
        cand += [(ri, int(i), int(kids[i])) for i in idx.tolist()]
    if all_kids == 0:
        return
    order = _rng(seed, SCENARIO_YEAR, _S_SCENARIO).permutation(len(cand))
    excess = pub_kids - SCENARIO_PUBLIC_KG_SHARE * all_kids
    tolerance = 0.005 * all_kids  # land within half a point below 45 %, not a school below
    for k in order.tolist():
        if excess <= 0:
            break
        ri, i, kids = cand[k]
        if kids > excess + tolerance:
            continue
        sy = per_region[ri][SCENARIO_YEAR]
        sy.public = sy.public.copy()
        sy.public[i] = False
        sy.inclusive = sy.inclusive.copy()
        sy.inclusive[i] = True
        excess -= kids


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def generate(
    out_dir: Path,
    *,
    seed: int = DEFAULT_SEED,
    years: Sequence[int] = range(2019, 2026),
    luoyang_scale: float = 1.0,
    scenario: str | None = None,
    regions: Sequence[str] | None = None,
    tier: str | None = None,
) -> dict:
    """Write the synthetic extracts of every region the plans name into `out_dir`.

    Files go to `out_dir/<extract>/<extract>_<region_code>_<year>.csv` (a prefecture that
    delivers for its counties: its own code); the manifest, also returned, goes to
    `out_dir/_generator_manifest.json`. `luoyang_scale` sizes every region whose size is
    synthetic (all but 卧龙区 and 巴南区, which are sized by their plans' published figures);
    `regions` limits the run to some of the plans' regions (codes in AREA_CODES), without
    changing their files. The simulation always starts in 2019 (or earlier if asked for), so a
    requested year's files do not depend on which other years were requested, and the 2020
    files of 卧龙区 and 巴南区 always match their published baselines."""
    if scenario is not None and scenario not in SCENARIOS:
        valid = ", ".join(["None", *SCENARIOS])
        raise ValueError(f"unknown scenario {scenario!r}; valid scenarios: {valid}")
    year_list = sorted({int(y) for y in years})
    if not year_list:
        raise ValueError("years must not be empty")
    if year_list[0] < 1990 or year_list[-1] > 2100:
        raise ValueError("years must lie between 1990 and 2100")
    if not luoyang_scale > 0:
        raise ValueError("luoyang_scale must be positive")
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    areas_in_run = _areas(regions, tier)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for extract in EXTRACTS:  # stale files of an earlier run must never survive
        shutil.rmtree(out_dir / extract, ignore_errors=True)

    start, end = min(2019, year_list[0]), year_list[-1]
    sim_years = list(range(start, end + 1))
    write_years = set(year_list)
    keys = _id_keys(seed)
    log = _FileLog(out_dir)

    # (schools, 2020 group totals, exact 2020 totals, scale of the staff-only school)
    plans: list[tuple[_Schools, np.ndarray, bool, float]] = []
    for area in areas_in_run:
        if area.published:
            sch, totals = _published_plan(area.counties[0], seed, end)
            plans.append((sch, totals, True, luoyang_scale if area.code == WOLONG.code else 1.0))
            continue
        shares = _public_kg_shares(area)
        for county in area.counties:
            sch, totals = _county_plan(county, area, seed, end, luoyang_scale, shares[county.code])
            plans.append((sch, totals, False, luoyang_scale))

    schools: list[_Schools] = []
    per_region: list[dict[int, _SchoolYear]] = []
    for sch, totals, exact, scale in plans:
        ordinal = sch.region.ordinal
        state = _RegionState(sch, totals, exact, ordinal * 10**9, ordinal * 10**7)
        per_region.append(_simulate_region(state, seed, sim_years, write_years, log, keys, scale))
        schools.append(sch)

    if scenario == MISS_LUOYANG_PUBLIC_KG:
        _apply_miss_scenario(schools, per_region, seed)
    area_of = {c.code: a.code for a in areas_in_run for c in a.counties}
    areas: dict[str, list[tuple[_Schools, dict[int, _SchoolYear]]]] = {}
    for sch, years_data in zip(schools, per_region, strict=True):
        areas.setdefault(area_of[sch.region.code], []).append((sch, years_data))
    for counties in areas.values():
        if counties[0][0].region.profile.inclusive_by_quota:
            _inclusive_quota(counties)

    for sch, years_data in zip(schools, per_region, strict=True):
        for year in year_list:
            _write_schools(log, sch, year, years_data[year])
    for sch, years_data in zip(schools, per_region, strict=True):
        funding = _funding_rows(sch, years_data, seed, sim_years)
        for year in year_list:
            n = len(FUNDING_ITEMS)
            log.write(
                "funding",
                sch.region.file_region,
                year,
                [
                    _num_str(np.full(n, year)),
                    _str([sch.region.code] * n),
                    _str(list(FUNDING_ITEMS)),
                    _num_str(funding[year]),
                ],
            )
    population = _population(schools, per_region, seed, sim_years)
    for sch in schools:
        for year in year_list:
            table = population[(sch.region.code, year)]
            log.write(
                "population",
                sch.region.file_region,
                year,
                [
                    _num_str(np.full(19, year)),
                    _str([sch.region.code] * 19),
                    _num_str(np.arange(19)),
                    _num_str(table[:, 0]),
                    _num_str(table[:, 1]),
                ],
            )

    files = sorted(
        log.files, key=lambda f: (EXTRACTS.index(f["extract"]), f["region_code"], f["year"])
    )
    manifest = {
        "seed": seed,
        "years": year_list,
        "luoyang_scale": luoyang_scale,
        "scenario": scenario,
        "regions": [a.code for a in areas_in_run],
        "tier": tier,
        "files": files,
    }
    (out_dir / MANIFEST_NAME).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return manifest


def _parse_years(text: str) -> list[int]:
    """`2019-2025`, `2020` or `2019,2021,2023`."""
    years: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            lo, hi = (int(x) for x in part.split("-", 1))
            years += list(range(lo, hi + 1))
        elif part:
            years.append(int(part))
    return years


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.demo.generate", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--out", required=True, help="folder to write the extracts into")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--years", default="2019-2025", help="e.g. 2019-2025 or 2020,2021")
    parser.add_argument(
        "--luoyang-scale",
        type=float,
        default=1.0,
        help="size of the regions of synthetic size (all but 卧龙区 and 巴南区)",
    )
    parser.add_argument("--scenario", default=None, choices=SCENARIOS)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    manifest = generate(
        Path(args.out),
        seed=args.seed,
        years=_parse_years(args.years),
        luoyang_scale=args.luoyang_scale,
        scenario=args.scenario,
    )
    for extract in EXTRACTS:
        files = [f for f in manifest["files"] if f["extract"] == extract]
        rows = sum(f["rows"] for f in files)
        print(f"{extract}: {len(files)} files, {rows} rows")
    print(f"done in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
