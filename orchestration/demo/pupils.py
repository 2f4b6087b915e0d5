"""The `pupils` extract: pupils simulated as cohorts with stable pseudonymous ids (promoted,
repeating, transferring, leaving or dropping out each year, moving on at K3/G6/G9, new ids
filling the remaining places), their classes, and the file of each year."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.demo.common import (
    BASE_YEAR,
    G1,
    G6,
    G9,
    G10,
    G12,
    GRADE_AGE,
    GRADE_LABELS,
    JUN,
    KG,
    N_GRADES,
    N_GROUPS,
    PRI,
    ST_CONT,
    ST_DROP,
    ST_NEW,
    ST_REP,
    STATUS_LABELS,
    _apportion,
    _FileLog,
    _labels,
    _match,
    _num_str,
    _prefixed,
    _pseudonym,
    _rank_in_runs,
)
from orchestration.demo.schools import _Schools, _targets

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
