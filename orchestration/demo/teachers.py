"""The `teachers` extract: staff per school and teaching stage from pupil ratios (卧龙区's
published 2020 staff exactly), hires, leavers and rotation between schools, qualifications,
titles, backbone levels and subjects, and the file of each year."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from orchestration.demo.common import (
    BASE_YEAR,
    COMPULSORY_TYPES,
    N_STAGES,
    N_TSTAGES,
    PLAN_TO_TSTAGE,
    T_JUN,
    T_OTH,
    T_PRE,
    T_PRI,
    T_SPE,
    T_STAGES,
    T_VOC,
    _apportion,
    _draw_cat,
    _FileLog,
    _labels,
    _match,
    _num_str,
    _prefixed,
    _pseudonym,
    _rank_in_runs,
)
from orchestration.demo.published import WOLONG_2020_STAFF
from orchestration.demo.pupils import _RegionState
from orchestration.demo.regions import WOLONG
from orchestration.demo.schools import _planned, _Schools

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
