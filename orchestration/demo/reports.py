"""The demo's reported figures: each demo region's reporting form (`eduwh template`), filled in
the way a bureau would, from the region's own plan targets.

For every target on a reported indicator the generator decides, deterministically from the
seed and the target, whether the region met it (about three in four), missed it (about one in
five) or has not reported it yet (about one in twenty: the row is left empty, so the target is
`no_data`, awaiting report). A trend target (只增不减) gets a rising series, or one that falls in
a middle year; a running sum since the baseline (新建中小学20所) gets yearly figures that add up
to more, or less, than the target. Values stay inside the indicator's range and are whole for
counts. 邯郸市's form also carries five bad rows — an unknown indicator, a computed one, a wrong
unit, a share above 100 % and a person's name as the reporting unit — which the loader
quarantines while the rest of the form loads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import shutil
from pathlib import Path

import numpy as np

from expectations.catalogue import ReportLine, Target, load_targets, report_lines
from orchestration.demo.generate import DEFAULT_SEED
from orchestration.ingest.forms import form_name, write_form

EXTRACT = "indicator_reports"
SHARE_MISSED = 0.2
SHARE_UNREPORTED = 0.05
BAD_FORM_REGION = "130400"
LAST_YEAR = 2025  # the demo's last year of data


def _rng(seed: int, *parts: object) -> np.random.Generator:
    digest = hashlib.sha256("|".join(map(str, (seed, *parts))).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def outcome(target: Target, seed: int) -> str:
    """'met', 'missed' or 'unreported', fixed per target and seed."""
    u = _rng(seed, "outcome", target.target_id).random()
    if u < SHARE_UNREPORTED:
        return "unreported"
    return "missed" if u < SHARE_UNREPORTED + SHARE_MISSED else "met"


def _clamp(value: float, line: ReportLine) -> float:
    if line.min_value is not None:
        value = max(value, line.min_value)
    if line.max_value is not None:
        value = min(value, line.max_value)
    return float(round(value)) if line.is_integer else round(value, 2)


def _step(line: ReportLine, value: float) -> float:
    """The smallest sensible move away from a value: one for counts, else 5 % (at least 0.5)."""
    return 1.0 if line.is_integer else max(abs(value) * 0.05, 0.5)


def _point_value(t: Target, line: ReportLine, met: bool, rng: np.random.Generator) -> float:
    """A value that meets or misses a target on one year's value."""
    v = t.target_value if t.target_value is not None else 0.0
    hi = t.target_value_high if t.target_value_high is not None else v
    u = float(rng.uniform(0.02, 0.15))
    if t.comparator in (">=", ">"):
        if met:
            value = v * (1 + u) if v > 0 else v + _step(line, v) * (1 + 4 * u)
        else:
            value = v * (1 - u) - (_step(line, v) if line.is_integer else 0)
    elif t.comparator in ("<=", "<"):
        if met:
            value = v * (1 - u) - (_step(line, v) if t.comparator == "<" else 0)
        else:
            value = v * (1 + u) + _step(line, v)
    elif t.comparator == "between":
        value = (v + hi) / 2 if met else hi + _step(line, hi) + hi * u
    else:  # "="
        value = v if met else v + _step(line, v)
    return _clamp(value, line)


def _series(t: Target, lines: list[ReportLine], met: bool, seed: int) -> list[float]:
    """Values for the years of a trend target, or a running sum since the baseline."""
    rng = _rng(seed, "series", t.target_id)
    n = len(lines)
    if t.accumulation:
        total = (t.target_value or 0) * (1.15 if met else 0.7)
        if lines[0].is_integer:
            each = [int(total // n)] * n
            each[-1] += int(round(total)) - sum(each)
            return [_clamp(x, lines[0]) for x in each]
        return [_clamp(total / n, lines[0]) for _ in range(n)]
    start = t.baseline.value if t.baseline else float(rng.uniform(50, 500))
    rising = t.comparator == "non_decreasing"
    values = []
    for i in range(n):
        change = 1 + 0.03 * i if rising else 1 - 0.03 * i
        values.append(start * change)
    if not met and n > 2:
        mid = n // 2
        values[mid] = values[mid - 1] * (0.9 if rising else 1.1)
    return [_clamp(x, lines[0]) for x in values]


def filled_values(
    lines: list[ReportLine], region_name: str, seed: int
) -> dict[int, tuple[float | None, str, str, dt.date | None]]:
    """Row index → (value, evidence, reporting unit, report date) for the rows the region has
    reported; the others stay empty."""
    values: dict[int, float] = {}
    by_target: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        by_target.setdefault(line.targets[0].target_id, []).append(i)
    for rows in by_target.values():
        t = lines[rows[0]].targets[0]
        result = outcome(t, seed)
        if result == "unreported":
            continue
        met = result == "met"
        if t.is_trend or t.accumulation:
            for i, value in zip(rows, _series(t, [lines[i] for i in rows], met, seed), strict=True):
                values[i] = value
        else:
            for i in rows:
                rng = _rng(seed, "value", t.target_id, lines[i].year)
                values[i] = _point_value(t, lines[i], met, rng)
    unit = f"{region_name}教育体育局"
    return {
        i: (
            value,
            f"{region_name}教体〔{lines[i].year + 1}〕{i + 1}号",
            unit,
            dt.date(lines[i].year + 1, 1, 15),
        )
        for i, value in values.items()
    }


def _bad_rows(
    lines: list[ReportLine], region_name: str
) -> list[tuple[ReportLine, tuple[float, str, str, dt.date]]]:
    """Five rows a careless form would carry, each breaking one rule of reported figures, on
    keys no other row of the form uses (a year before the targets)."""
    count = next(x for x in lines if x.is_integer)
    share = next(x for x in lines if x.unit == "%")
    date = dt.date(2025, 1, 15)
    unit = f"{region_name}教育体育局"
    early = {"year": min(x.year for x in lines) - 3}
    return [
        (
            dataclasses.replace(count, indicator_id="school_meals_served", **early),
            (120.0, "", unit, date),
        ),
        (
            dataclasses.replace(
                share, indicator_id="preschool_gross_enrolment_rate", breakdown="", **early
            ),
            (93.0, "", unit, date),
        ),
        (dataclasses.replace(count, unit="万个", **early), (2.0, "", unit, date)),
        (dataclasses.replace(share, **early), (130.0, "", unit, date)),
        (dataclasses.replace(share, year=early["year"] - 1), (88.0, "", "张伟", date)),
    ]


def write_demo_reports(
    landing: Path,
    seed: int = DEFAULT_SEED,
    regions: list[str] | None = None,
    last_year: int = LAST_YEAR,
) -> list[dict]:
    """Write each region's filled-in form into `<landing>/indicator_reports/` with the figures
    of the years up to `last_year` (a later year has not been reported yet); returns one
    manifest entry per form (extract, region_code, year, rows, path)."""
    targets = load_targets()
    wanted = regions or sorted({t.region_code for t in targets})
    out = landing / EXTRACT
    shutil.rmtree(out, ignore_errors=True)  # a form of an earlier run must never survive
    files = []
    for region in wanted:
        lines = report_lines(targets, region, list(range(2000, last_year + 1)))
        if not lines:
            continue
        name = lines[0].region_name
        values = filled_values(lines, name, seed)
        if region == BAD_FORM_REGION:
            for line, filled in _bad_rows(lines, name):
                values[len(lines)] = filled
                lines.append(line)
        year = max(x.year for x in lines)
        path = write_form(
            out / form_name(region, year),
            lines,
            title=f"{name}教育规划指标填报表",
            values=values,
        )
        files.append(
            {
                "extract": EXTRACT,
                "region_code": region,
                "year": year,
                "rows": len(values),
                "path": path.relative_to(landing).as_posix(),
            }
        )
    return files
