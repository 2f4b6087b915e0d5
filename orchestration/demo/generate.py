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
import json
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from orchestration.demo.common import (
    _S_PUPILS,
    _S_TEACHERS,
    COLUMNS,
    EXTRACTS,
    G1,
    G9,
    N_GRADES,
    N_STAGES,
    _FileLog,
    _id_keys,
    _num_str,
    _rng,
    _str,
)
from orchestration.demo.funding import FUNDING_ITEMS, _funding_rows
from orchestration.demo.population import _population
from orchestration.demo.pupils import (
    _advance_pupils,
    _assign_classes,
    _initial_pupils,
    _Pupils,
    _RegionState,
    _write_pupils,
)
from orchestration.demo.regions import WOLONG, _areas
from orchestration.demo.scenarios import MISS_LUOYANG_PUBLIC_KG, SCENARIOS, _apply_miss_scenario
from orchestration.demo.schools import (
    _county_plan,
    _inclusive,
    _inclusive_quota,
    _public_kg_shares,
    _published_plan,
    _Schools,
    _SchoolYear,
    _write_schools,
)
from orchestration.demo.teachers import _advance_teachers, _staff_targets, _write_teachers

__all__ = ["COLUMNS", "EXTRACTS", "SCENARIOS", "generate", "main"]
MANIFEST_NAME = "_generator_manifest.json"
DEFAULT_SEED = 20210326


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
            # the numerator of 残疾儿童少年义务教育入学率: grades 1-9, aged 6-14 (适龄)
            disabled_compulsory=int(
                (
                    enrolled.disabled.astype(bool)
                    & (enrolled.grade >= G1)
                    & (enrolled.grade <= G9)
                    & (age >= 6)
                    & (age <= 14)
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
