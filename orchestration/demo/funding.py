"""The `funding` extract: per region and year the general-budget education spending (rising
2-6 % a year, except where a profile holds it flat) and the public operating funds of each
stage, per pupil of the public schools they pay for."""

from __future__ import annotations

import numpy as np

from orchestration.demo.common import _S_FUNDING, JUN, KG, PRI, SEN, VOC, _rng
from orchestration.demo.schools import _Schools, _SchoolYear

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
