"""The 2020 figures two plans publish, which the demo's 2020 files reproduce exactly: 卧龙区's
schools, pupils and staff (000_f9a1169e2701243a.txt) and 巴南区's schools and pupils
(002_8ce397d9036d1a9f.txt)."""

from __future__ import annotations

from orchestration.demo.common import (
    JUN,
    KG,
    N_STAGES,
    PRI,
    SEN,
    T_JUN,
    T_OTH,
    T_PRE,
    T_PRI,
    T_SEN,
    T_SPE,
    T_VOC,
    VOC,
    _gid,
)

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
