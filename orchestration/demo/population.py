"""The `population` extract: residents by single year of age, derived from enrolment and the
profile's intended gross enrolment rates, so that the rates land where the plans put them; and
the disabled population of compulsory school age."""

from __future__ import annotations

import numpy as np

from orchestration.demo.common import _S_POPULATION, G1, G6, G7, G9, G10, _apportion, _bf, _rng
from orchestration.demo.schools import _Schools, _SchoolYear


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
                # The warehouse's rate (disabled pupils of grades 1-9 aged 6-14 over the
                # disabled population aged 6-14, dbt vars compulsory_age_*) lands on the
                # profile's: the
                # population is that many, spread over the ages like the enrolled ones.
                want = round(years[year].disabled_compulsory / rate.at(year))
                dis[6:15] = _apportion(
                    np.array([want]), np.zeros(9, dtype=np.int64), enrolled[:9] * 1.0, np.ones(9)
                )
                dis[15] = round(enrolled[9] / rate.at(year))
            out[(sch.region.code, year)] = np.stack([p, dis], axis=1)
    return out
