"""Named deviations from the default demo, for tests: `miss_luoyang_public_kindergarten_share`
reports some of 洛阳市's public kindergartens as private in 2025, until its public share misses
its plan's target (pupils, staff and everything else unchanged)."""

from __future__ import annotations

import numpy as np

from orchestration.demo.common import _S_SCENARIO, KG, _rng
from orchestration.demo.regions import LUOYANG_CODE
from orchestration.demo.schools import _Schools, _SchoolYear

MISS_LUOYANG_PUBLIC_KG = "miss_luoyang_public_kindergarten_share"
SCENARIOS: tuple[str, ...] = (MISS_LUOYANG_PUBLIC_KG,)


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
