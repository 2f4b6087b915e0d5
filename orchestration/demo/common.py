"""What every extract of the demo shares: grades, planning stages and school types, birth
cohorts, the random streams (one generator per seed, region, year and stream), the vectorised
helpers (apportioning totals exactly, matching movers to places, keyed pseudonyms) and the CSV
writing with its file log.

The columns written are those of the extract contracts (orchestration.ingest.contracts): the
required ones and the optional ones simulated here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from orchestration.ingest.contracts import CONTRACTS

# The files follow the extract contracts the loaders enforce: one definition of the columns
# (the required ones and the optional ones simulated here; a school's founding date is not).
# The microdata extracts, written as CSV per region and year; the figures bureaus report
# (indicator_reports) are filled-in forms, written separately.
EXTRACTS = tuple(name for name in CONTRACTS if name != "indicator_reports")
GENERATED_OPTIONAL = frozenset({"class_id"})
COLUMNS: dict[str, tuple[str, ...]] = {
    name: tuple(c.name for c in contract.columns if c.required or c.name in GENERATED_OPTIONAL)
    for name, contract in CONTRACTS.items()
}

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
