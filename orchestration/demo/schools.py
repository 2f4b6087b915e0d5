"""The `schools` extract: each region's schools over the simulated years (built in blocks of
similar schools, opened and closed as enrolment moves), the planned pupils per school, grade
and plan group, the facilities, the 普惠性 status of private kindergartens, and the file of each
year."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from orchestration.demo.common import (
    _GF,
    _S_SCHOOLS,
    BASE_YEAR,
    COMPULSORY_TYPES,
    G1,
    G6,
    G7,
    G9,
    G10,
    GRADE_AGE,
    GRADE_STAGE,
    JUN,
    KG,
    N_GRADES,
    N_GROUPS,
    N_STAGES,
    PRI,
    RURAL_CODES,
    RURAL_P,
    SCHOOL_TYPES,
    SEN,
    TEACHING_POINT_CODES,
    TEACHING_POINT_P,
    URBAN_CODES,
    URBAN_P,
    VOC,
    _apportion,
    _bf,
    _FileLog,
    _gid,
    _labels,
    _num_str,
    _rng,
    _str,
)
from orchestration.demo.published import (
    BANAN_2020_PUPILS,
    BANAN_2020_SCHOOLS,
    WOLONG_2020_PRIVATE_SCHOOLS,
    WOLONG_2020_PUBLIC_SCHOOLS,
    WOLONG_2020_PUBLIC_STAFF,
    WOLONG_2020_PUPILS,
    WOLONG_2020_SCHOOLS,
    WOLONG_2020_STAFF,
)
from orchestration.demo.regions import BANAN, WOLONG, _Area, _Region, _school_block

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
    disabled_compulsory: int  # enrolled disabled pupils of grades 1-9 aged 6-14
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
