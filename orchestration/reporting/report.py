"""The plan-progress report: one static HTML page built from the served warehouse.

It shows the status counts, a region × indicator heat map of each cell's worst status, per
region a small chart of each targeted indicator against its target line, baseline and
milestones, and the worst misses with the plan's own sentence.

The page is one self-contained file (inline CSS, inline SVG drawn here, no JavaScript, no web
fonts): bureau intranets often have no internet, and a single file can be mailed or copied onto
a share. Chinese text uses the fonts the reader's system already has.

Milestones and target descriptions come from `expectations.catalogue.Target`, the definitions
the validation used, applied to the baseline the progress mart recorded; statuses are read from
`marts.mart_plan_progress`, never recomputed here. Importable without Dagster.
"""

from __future__ import annotations

import html
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from expectations.catalogue import Baseline, Target
from expectations.progress import STATUSES, miss_rank, shortfall
from expectations.suite import check_years

# Worst first: a heat-map cell shows the worst status of its targets. `no_data` ranks above
# on_track and met because a target that cannot be checked must not look fine.
SEVERITY = ("missed", "at_risk", "no_data", "on_track", "met")
STATUS_LABELS = {
    "met": ("已达成", "met"),
    "on_track": ("进度正常", "on track"),
    "at_risk": ("有风险", "at risk"),
    "missed": ("未达成", "missed"),
    "no_data": ("无数据", "no data"),
}
# ColorBrewer RdYlGn with grey for no data; every cell also carries its label, so colour is
# never the only cue. (background, text colour with enough contrast on it)
STATUS_COLOURS = {
    "met": ("#1a9850", "#ffffff"),
    "on_track": ("#a6d96a", "#1b1b1b"),
    "at_risk": ("#fdae61", "#1b1b1b"),
    "missed": ("#d73027", "#ffffff"),
    "no_data": ("#d0d0d0", "#1b1b1b"),
}
BINDING_LABELS = {"binding": "约束性 binding", "expected": "预期性 expected"}
SERIES_COLOUR = "#2b5c8a"
FALL_COLOUR = "#b2182b"

# System CJK fonts on Windows, macOS, and Linux (Noto/Source Han, WenQuanYi): nothing to download
FONT_STACK = (
    '"Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC", '
    '"Source Han Sans SC", "WenQuanYi Micro Hei", "Segoe UI", system-ui, sans-serif'
)

if set(SEVERITY) != set(STATUSES) or set(STATUS_LABELS) != set(STATUSES):
    raise RuntimeError("the report's statuses differ from expectations.progress.STATUSES")


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


@dataclass(frozen=True)
class RecordedTarget(Target):
    """A target as `marts.mart_plan_progress` recorded it, with the baseline the validation
    used: `Target.milestone` then gives the same milestones without re-reading the seeds (which
    may have changed since the warehouse was built)."""

    recorded_baseline: Baseline | None = None

    @property
    def baseline(self) -> Baseline | None:
        return self.recorded_baseline


@dataclass(frozen=True)
class TargetRow:
    target: RecordedTarget
    status: str
    actual: float | None
    actual_year: int | None
    due: float | None
    gap: float | None
    failures: str | None


@dataclass(frozen=True)
class Indicator:
    indicator_id: str
    name_zh: str
    name_en: str
    unit: str


def _target_row(r: dict[str, Any]) -> TargetRow:
    baseline = None
    if r["baseline_value"] is not None:
        # only year and value take part in milestones; the rest identifies it
        baseline = Baseline(
            baseline_id="",
            region_code=r["region_code"],
            indicator_id=r["indicator_id"],
            stage="",
            subgroup="",
            year=int(r["baseline_year"]),
            value=float(r["baseline_value"]),
            source_file="",
            source_line=0,
            source_quote="",
        )
    target = RecordedTarget(
        target_id=r["target_id"],
        region_code=r["region_code"],
        region_name=r["region_name"],
        indicator_id=r["indicator_id"],
        target_year=int(r["target_year"]),
        comparator=r["comparator"],
        target_value=_float(r["target_value"]),
        target_value_high=_float(r["target_value_high"]),
        unit=r["unit"] or "",
        binding=r["binding"] or "",
        source_file=r["source_file"] or "",
        source_line=int(r["source_line"] or 0),
        source_quote=r["source_quote"] or "",
        measurable="true",
        notes="",
        recorded_baseline=baseline,
    )
    return TargetRow(
        target=target,
        status=r["status"],
        actual=_float(r["actual_value"]),
        actual_year=None if r["actual_year"] is None else int(r["actual_year"]),
        due=_float(r["value_due"]),
        gap=_float(r["gap"]),
        failures=r["failures"],
    )


def _float(value: Any) -> float | None:
    if value is None:
        return None
    v = float(value)
    return None if math.isnan(v) else v


def _records(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@dataclass
class ReportData:
    targets: list[TargetRow]
    indicators: dict[str, Indicator]  # in dim_indicator's order
    # (region_code, indicator_id) -> {year: value}; only targeted pairs
    series: dict[tuple[str, str], dict[int, float | None]]
    regions: dict[str, str]  # region_code -> name, targeted regions in code order
    catalogue_rows: int
    enforced_rows: int
    data_years: tuple[int, int] | None


def load(warehouse_path: Path) -> ReportData:
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        progress = _records(
            con,
            "select * from marts.mart_plan_progress "
            "order by region_code, indicator_id, target_year, target_id",
        )
        # DuckDB scans a table in insertion order, i.e. seeds/indicators.csv's order, which
        # groups indicators by stage; that is the order a reader expects.
        indicator_rows = _records(
            con,
            "select indicator_id, indicator_name_zh, indicator_name_en, unit "
            "from marts.dim_indicator",
        )
        value_rows = _records(
            con,
            """
            select v.region_code, v.indicator_id, v.year, v.value
            from marts.mart_indicator_values as v
            inner join (
                select distinct region_code, indicator_id from marts.mart_plan_progress
            ) as p
                on v.region_code = p.region_code and v.indicator_id = p.indicator_id
            order by v.region_code, v.indicator_id, v.year
            """,
        )
        catalogue_rows, enforced_rows = con.execute(
            "select count(*), count(*) filter (where is_enforced) from marts.mart_target_coverage"
        ).fetchone()
        first, last = con.execute(
            "select min(year), max(year) from marts.mart_indicator_values"
        ).fetchone()

    indicators = {
        r["indicator_id"]: Indicator(
            r["indicator_id"],
            r["indicator_name_zh"] or r["indicator_id"],
            r["indicator_name_en"] or "",
            r["unit"] or "",
        )
        for r in indicator_rows
    }
    series: dict[tuple[str, str], dict[int, float | None]] = defaultdict(dict)
    for r in value_rows:
        series[(r["region_code"], r["indicator_id"])][int(r["year"])] = _float(r["value"])
    targets = [_target_row(r) for r in progress]
    regions = dict(sorted({t.target.region_code: t.target.region_name for t in targets}.items()))
    return ReportData(
        targets=targets,
        indicators=indicators,
        series=dict(series),
        regions=regions,
        catalogue_rows=int(catalogue_rows),
        enforced_rows=int(enforced_rows),
        data_years=None if first is None else (int(first), int(last)),
    )


def build_report(warehouse_path: Path, out_dir: Path) -> Path:
    """Write the report of the warehouse at `warehouse_path` (opened read-only) to
    `out_dir/index.html` and return that path."""
    data = load(warehouse_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / "index.html"
    page.write_text(render(data, warehouse_path), encoding="utf-8")
    return page


# ---------------------------------------------------------------------------------------------
# Formatting


def fmt_number(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def fmt_gap(gap: float | None) -> str:
    # + 0.0 turns the -0.0 of an exactly met "= 0" target into 0.0
    return "—" if gap is None else f"{gap + 0.0:+,.2f}"


def _fmt_tick(value: float) -> str:
    """Axis labels in the units Chinese readers use for large sums (万 = 10⁴, 亿 = 10⁸)."""
    a = abs(value)
    if a >= 1e8:
        return f"{value / 1e8:g}亿"
    if a >= 1e4:
        return f"{value / 1e4:g}万"
    return f"{value:g}"


def worst_status(statuses: list[str]) -> str:
    return min(statuses, key=SEVERITY.index)


def _badge(status: str) -> str:
    zh, en = STATUS_LABELS[status]
    return f'<span class="badge s-{status}">{_e(zh)} <span class="en">{_e(en)}</span></span>'


def _indicator_label(ind: Indicator, tag: str = "span") -> str:
    return f'<{tag} class="zh">{_e(ind.name_zh)}</{tag}> <span class="en">{_e(ind.name_en)}</span>'


def worst_misses(targets: list[TargetRow]) -> list[TargetRow]:
    """Missed, then at-risk targets; binding before expected; the largest shortfall first
    (trend targets, which have no gap, after those with one)."""
    misses = [t for t in targets if t.status in ("missed", "at_risk")]

    def key(t: TargetRow):
        return miss_rank(t.status, t.target.binding, t.gap, t.due, t.target.target_id)

    return sorted(misses, key=key)


# ---------------------------------------------------------------------------------------------
# Chart


def _nice_step(span: float, ticks: int = 4) -> float:
    raw = span / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def falls(target: Target, series: dict[int, float | None]) -> list[tuple[int, float, float]]:
    """The years of a trend target (只增不减) whose value moved the wrong way on the year
    before: (year, previous, value)."""
    found = []
    for year in check_years(target, sorted(series)):
        value, previous = series.get(year), series.get(year - 1)
        if value is None or previous is None:
            continue
        if (target.comparator == "non_decreasing" and value < previous) or (
            target.comparator == "non_increasing" and value > previous
        ):
            found.append((year, previous, value))
    return found


def milestones(target: Target) -> list[tuple[int, float]]:
    """Every interim year's milestone between the baseline and the target year."""
    points = []
    for year in range(target.baseline_year + 1, target.target_year):
        value = target.milestone(year)
        if value is not None:
            points.append((year, value))
    return points


def chart(series: dict[int, float | None], rows: list[TargetRow], unit: str) -> str | None:
    """A small SVG line chart of one region's indicator against its targets, or None when there
    is nothing to draw."""
    width, height = 380, 200
    left, right, top, bottom = 56, 14, 12, 26
    plot_w, plot_h = width - left - right, height - top - bottom

    years = set(series)
    ys = [v for v in series.values() if v is not None]
    if not ys:
        return None
    for row in rows:
        t = row.target
        years |= {t.baseline_year, t.target_year}
        ys += [v for v in (t.target_value, t.target_value_high) if v is not None and not t.is_trend]
        if t.baseline is not None:
            ys.append(t.baseline.value)
        ys += [v for _, v in milestones(t)]
    x0, x1 = min(years), max(years)
    if x0 == x1:
        x0, x1 = x0 - 1, x1 + 1
    lo, hi = min(ys), max(ys)
    if lo == hi:
        lo, hi = lo - (abs(lo) * 0.1 or 1), hi + (abs(hi) * 0.1 or 1)
    step = _nice_step(hi - lo)
    lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step

    def x(year: float) -> float:
        return left + (year - x0) / (x1 - x0) * plot_w

    def y(value: float) -> float:
        return top + (hi - value) / (hi - lo) * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" xmlns="http://www.w3.org/2000/svg">'
    ]
    # grid and axes
    tick = lo
    while tick <= hi + step / 2:
        ty = y(tick)
        parts.append(
            f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{ty:.1f}" y2="{ty:.1f}"/>'
            f'<text class="tick" x="{left - 5}" y="{ty + 3.5:.1f}" text-anchor="end">'
            f"{_e(_fmt_tick(round(tick, 10)))}</text>"
        )
        tick += step
    every = 1 if x1 - x0 <= 10 else 2
    for year in range(x0, x1 + 1, every):
        parts.append(
            f'<text class="tick" x="{x(year):.1f}" y="{height - 8}" text-anchor="middle">'
            f"{year}</text>"
        )
    parts.append(
        f'<text class="unit" x="4" y="{top + 4}" dominant-baseline="hanging">{_e(unit)}</text>'
    )

    for row in rows:
        t = row.target
        colour = STATUS_COLOURS[row.status][0]
        label = f"{t.target_year}: {t.describe()} ({STATUS_LABELS[row.status][1]})"
        if t.is_trend:
            for year, previous, value in falls(t, series):
                parts.append(
                    f'<path class="fall" d="M{x(year) - 6:.1f},{y(value) - 9:.1f} '
                    f'h12 l-6,9 z" fill="{FALL_COLOUR}"><title>'
                    f"{_e(f'{year}: {fmt_number(value)}, fell from {fmt_number(previous)}')}"
                    "</title></path>"
                )
            continue
        if t.comparator == "between" and t.target_value_high is not None:
            band_top, band_bottom = y(t.target_value_high), y(t.target_value)
            parts.append(
                f'<rect class="band" x="{left}" y="{band_top:.1f}" width="{plot_w}" '
                f'height="{band_bottom - band_top:.1f}" fill="{colour}" fill-opacity="0.18">'
                f"<title>{_e(label)}</title></rect>"
            )
            mark_value = (t.target_value + t.target_value_high) / 2
        elif t.target_value is not None:
            ty = y(t.target_value)
            parts.append(
                f'<line class="target" x1="{left}" x2="{left + plot_w}" y1="{ty:.1f}" '
                f'y2="{ty:.1f}" stroke="{colour}"><title>{_e(label)}</title></line>'
            )
            mark_value = t.target_value
        else:
            continue
        path = [(t.baseline.year, t.baseline.value)] if t.baseline else []
        path += milestones(t)
        if path:
            points = path + [(t.target_year, t.target_value)]
            parts.append(
                '<polyline class="trajectory" points="'
                + " ".join(f"{x(a):.1f},{y(b):.1f}" for a, b in points)
                + '"/>'
            )
        for year, value in milestones(t):
            parts.append(
                f'<circle class="milestone" cx="{x(year):.1f}" cy="{y(value):.1f}" r="3">'
                f"<title>{_e(f'{year} milestone {t.comparator} {fmt_number(value)}')}</title>"
                "</circle>"
            )
        if t.baseline is not None:
            bx, by = x(t.baseline.year), y(t.baseline.value)
            parts.append(
                f'<rect class="baseline" x="{bx - 4:.1f}" y="{by - 4:.1f}" width="8" height="8">'
                f"<title>{_e(f'baseline {t.baseline.year}: {fmt_number(t.baseline.value)}')}"
                "</title></rect>"
            )
        mx, my = x(t.target_year), y(mark_value)
        parts.append(
            f'<path class="target-mark" d="M{mx:.1f},{my - 7:.1f} l7,7 l-7,7 l-7,-7 z" '
            f'fill="{colour}"><title>{_e(label)}</title></path>'
        )

    # the series last, on top; a missing year breaks the line
    segment: list[tuple[int, float]] = []
    segments = [segment]
    for year in range(min(series), max(series) + 1):
        value = series.get(year)
        if value is None:
            segment = []
            segments.append(segment)
        else:
            segment.append((year, value))
    for seg in segments:
        if len(seg) > 1:
            parts.append(
                f'<polyline class="series" stroke="{SERIES_COLOUR}" points="'
                + " ".join(f"{x(a):.1f},{y(b):.1f}" for a, b in seg)
                + '"/>'
            )
    for year, value in sorted((k, v) for k, v in series.items() if v is not None):
        parts.append(
            f'<circle class="point" cx="{x(year):.1f}" cy="{y(value):.1f}" r="3" '
            f'fill="{SERIES_COLOUR}"><title>{year}: {_e(fmt_number(value))} {_e(unit)}</title>'
            "</circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------------------------------------
# Page


def _indicator(data: ReportData, indicator_id: str) -> Indicator:
    return data.indicators.get(indicator_id) or Indicator(indicator_id, indicator_id, "", "")


def _target_item(row: TargetRow, tag: str = "li") -> str:
    t = row.target
    facts = [
        f"<b>{t.target_year}</b> {_e(t.describe())}",
        _e(BINDING_LABELS.get(t.binding, t.binding)),
    ]
    if row.actual is not None:
        facts.append(f"actual {_e(fmt_number(row.actual))} ({row.actual_year})")
    if row.due is not None and row.actual_year is not None and row.actual_year < t.target_year:
        facts.append(f"due {_e(fmt_number(row.due))}")
    if row.gap is not None:
        facts.append(f"gap {_e(fmt_gap(row.gap))}")
    failures = f'<div class="failures">{_e(row.failures)}</div>' if row.failures else ""
    return (
        f"<{tag}>{_badge(row.status)} {' · '.join(facts)}{failures}"
        f"<blockquote>「{_e(t.source_quote)}」<cite>{_e(t.source_file)}:{t.source_line}</cite>"
        f"</blockquote></{tag}>"
    )


def _region_section(data: ReportData, code: str, name: str) -> str:
    rows = [r for r in data.targets if r.target.region_code == code]
    counts = Counter(r.status for r in rows)
    by_indicator: dict[str, list[TargetRow]] = defaultdict(list)
    for r in rows:
        by_indicator[r.target.indicator_id].append(r)
    has_values = any(
        v is not None for (c, _), s in data.series.items() if c == code for v in s.values()
    )
    summary = " ".join(f"{_badge(s)} {counts[s]}" for s in STATUSES if counts[s])
    head = (
        f'<section class="region" id="r-{_e(code)}" data-region="{_e(code)}">'
        f'<h2>{_e(name)} <span class="code">{_e(code)}</span></h2><p class="counts">{summary}</p>'
    )
    if not has_values:
        # most catalogue regions have no extracts yet: a compact list, not a card per target
        listed = "".join(
            f"<tr><td>{_indicator_label(_indicator(data, r.target.indicator_id))}</td>"
            f"<td>{_target_item(r, tag='div')}</td></tr>"
            for indicator_id in _indicator_order(data, by_indicator)
            for r in by_indicator[indicator_id]
        )
        return (
            f'{head}<p class="nodata">{_badge("no_data")} the warehouse holds no indicator '
            "values for this region: no extract of it has been loaded</p>"
            f'<table class="plain">{listed}</table></section>'
        )
    cards = []
    for indicator_id in _indicator_order(data, by_indicator):
        ind = _indicator(data, indicator_id)
        targets = by_indicator[indicator_id]
        status = worst_status([r.status for r in targets])
        series = data.series.get((code, indicator_id), {})
        svg = chart(series, targets, ind.unit)
        body = svg or (
            f'<p class="nodata">{_badge("no_data")} the warehouse holds no value of this '
            "indicator for this region</p>"
        )
        cards.append(
            f'<article class="card" style="border-left-color:{STATUS_COLOURS[status][0]}" '
            f'data-indicator="{_e(indicator_id)}">'
            f"<h3>{_indicator_label(ind)}</h3>{body}"
            f'<ul class="targets">{"".join(_target_item(r) for r in targets)}</ul></article>'
        )
    return f'{head}<div class="cards">{"".join(cards)}</div></section>'


def _indicator_order(data: ReportData, wanted) -> list[str]:
    known = [i for i in data.indicators if i in wanted]
    return known + sorted(i for i in wanted if i not in data.indicators)


def _heat_map(data: ReportData) -> str:
    cells: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in data.targets:
        cells[(r.target.region_code, r.target.indicator_id)].append(r.status)
    indicator_ids = _indicator_order(data, {i for _, i in cells})
    head = "".join(
        f'<th class="region-head"><a href="#r-{_e(code)}">{_e(name)}</a>'
        f'<span class="code">{_e(code)}</span></th>'
        for code, name in data.regions.items()
    )
    body = []
    for indicator_id in indicator_ids:
        ind = _indicator(data, indicator_id)
        row = [f'<th class="ind-head">{_indicator_label(ind)}</th>']
        for code, name in data.regions.items():
            statuses = cells.get((code, indicator_id))
            if not statuses:
                row.append('<td class="empty"></td>')
                continue
            status = worst_status(statuses)
            bg, fg = STATUS_COLOURS[status]
            zh, en = STATUS_LABELS[status]
            title = f"{name} · {ind.name_zh}: {len(statuses)} target(s), " + ", ".join(
                f"{n} {STATUS_LABELS[s][1]}" for s, n in Counter(statuses).items()
            )
            many = f'<span class="n">×{len(statuses)}</span>' if len(statuses) > 1 else ""
            row.append(
                f'<td class="cell s-{status}" data-region="{_e(code)}" '
                f'data-indicator="{_e(indicator_id)}" data-status="{status}" '
                f'style="background:{bg};color:{fg}" title="{_e(title)}">'
                f'<a href="#r-{_e(code)}">{_e(zh)}{many}</a></td>'
            )
        body.append(f"<tr>{''.join(row)}</tr>")
    legend = (
        "".join(f'<span class="legend-item">{_badge(s)}</span>' for s in SEVERITY)
        + '<span class="legend-item"><span class="swatch empty"></span> no target</span>'
    )
    return (
        f'<div class="legend">{legend}</div><div class="scroll"><table class="heat">'
        f'<thead><tr><th class="corner">指标 indicator \\ 地区 region</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _misses_table(data: ReportData) -> str:
    misses = worst_misses(data.targets)
    if not misses:
        return '<p class="none">No target is missed or at risk.</p>'
    rows = []
    for r in misses:
        t = r.target
        ind = _indicator(data, t.indicator_id)
        share = shortfall(r.gap, r.due)
        rows.append(
            f'<tr data-target="{_e(t.target_id)}">'
            f"<td>{_badge(r.status)}</td>"
            f"<td>{_e(BINDING_LABELS.get(t.binding, t.binding))}</td>"
            f'<td><a href="#r-{_e(t.region_code)}">{_e(t.region_name)}</a></td>'
            f"<td>{_indicator_label(ind)}</td>"
            f"<td>{t.target_year} {_e(t.describe())}</td>"
            f'<td class="num">{_e(fmt_number(r.actual))}'
            f"{f' ({r.actual_year})' if r.actual_year else ''}</td>"
            f'<td class="num">{_e(fmt_number(r.due))}</td>'
            f'<td class="num">{_e(fmt_gap(r.gap))}</td>'
            f'<td class="num">{_e("—" if share is None else f"{share:.1%}")}</td>'
            f'<td class="quote">「{_e(t.source_quote)}」'
            f"{f'<div class=failures>{_e(r.failures)}</div>' if r.failures else ''}</td>"
            f'<td class="source">{_e(t.source_file)}:{t.source_line}</td></tr>'
        )
    return (
        '<div class="scroll"><table class="misses"><thead><tr>'
        "<th>状态 status</th><th>约束 binding</th><th>地区 region</th><th>指标 indicator</th>"
        "<th>目标 target</th><th>实际 actual</th><th>应达 due</th><th>差距 gap</th>"
        "<th>差距比 shortfall</th><th>规划原文 plan quote</th><th>出处 source</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _chart_legend() -> str:
    c = STATUS_COLOURS["missed"][0]
    return (
        '<div class="chart-legend">'
        f'<svg width="22" height="12"><polyline class="series" stroke="{SERIES_COLOUR}" '
        'points="1,6 21,6"/></svg> 指标值 value · '
        f'<svg width="22" height="12"><line class="target" x1="1" x2="21" y1="6" y2="6" '
        f'stroke="{c}"/></svg> 目标 target (colour = status; band = range) · '
        f'<svg width="14" height="14"><path d="M7,0 l7,7 l-7,7 l-7,-7 z" fill="{c}"/></svg> '
        "目标年 target year · "
        '<svg width="12" height="12"><rect class="baseline" x="2" y="2" width="8" height="8"/>'
        "</svg> 基期 baseline · "
        '<svg width="12" height="12"><circle class="milestone" cx="6" cy="6" r="3"/></svg> '
        "进度节点 milestone · "
        f'<svg width="14" height="12"><path d="M1,1 h12 l-6,9 z" fill="{FALL_COLOUR}"/></svg> '
        "下降 fall (只增不减 non-decreasing targets)</div>"
    )


STATUS_CSS = "\n".join(
    f".s-{status} {{ background: {bg}; color: {fg}; }}"
    for status, (bg, fg) in STATUS_COLOURS.items()
)
CSS = f"""
:root {{ color-scheme: light; }}
* {{ box-sizing: border-box; }}
body {{ font-family: {FONT_STACK}; margin: 0; color: #1b1b1b; background: #f6f7f9;
  line-height: 1.5; font-size: 14px; }}
header, main {{ max-width: 1320px; margin: 0 auto; padding: 0 20px; }}
header {{ padding-top: 18px; }}
h1 {{ font-size: 22px; margin: 0 0 4px; }}
h2 {{ font-size: 18px; margin: 28px 0 8px; border-bottom: 2px solid #d8dde3;
  padding-bottom: 4px; }}
h3 {{ font-size: 14px; margin: 0 0 4px; }}
.en {{ color: #5b6470; font-weight: normal; font-size: 0.86em; }}
.code {{ color: #6b7480; font-size: 0.8em; font-weight: normal; margin-left: 6px; }}
.meta {{ color: #4a525c; margin: 2px 0; }}
.badge {{ display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 12px;
  white-space: nowrap; }}
.badge .en {{ color: inherit; opacity: 0.85; }}
{STATUS_CSS}
.legend {{ margin: 6px 0; }}
.legend-item {{ margin-right: 10px; }}
.swatch {{ display: inline-block; width: 14px; height: 12px; vertical-align: middle;
  border: 1px solid #c9ced4; }}
.scroll {{ overflow-x: auto; background: #fff; border: 1px solid #d8dde3; }}
table {{ border-collapse: collapse; }}
.heat th, .heat td {{ border: 1px solid #e1e4e8; padding: 3px 5px; }}
.heat .corner {{ font-size: 12px; color: #5b6470; text-align: left; font-weight: normal; }}
.heat .region-head {{ font-size: 12px; min-width: 58px; vertical-align: bottom; }}
.heat .region-head a {{ color: inherit; text-decoration: none; display: block; }}
.heat .region-head .code {{ display: block; margin: 0; }}
.heat .ind-head {{ text-align: left; font-weight: normal; font-size: 12.5px; min-width: 230px; }}
.heat .ind-head .en {{ display: block; font-size: 11px; line-height: 1.2; }}
.heat td.cell {{ text-align: center; font-size: 12px; white-space: nowrap; }}
.heat td.cell a {{ color: inherit; text-decoration: none; }}
.heat td.empty, .swatch.empty {{ background: repeating-linear-gradient(45deg, #fafafa,
  #fafafa 4px, #eef0f2 4px, #eef0f2 8px); }}
.heat .n {{ font-size: 10px; margin-left: 2px; opacity: 0.85; }}
.counts .badge {{ margin-left: 8px; }}
.counts .badge:first-child {{ margin-left: 0; }}
.cards {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(400px, 1fr));
  gap: 12px; }}
.card {{ background: #fff; border: 1px solid #d8dde3; border-left: 6px solid #d0d0d0;
  padding: 10px 12px; }}
.chart {{ display: block; max-width: 100%; height: auto; }}
.chart .grid {{ stroke: #e6e8eb; stroke-width: 1; }}
.chart .tick, .chart .unit {{ font-size: 10px; fill: #5b6470; font-family: {FONT_STACK}; }}
.series {{ fill: none; stroke-width: 2; }}
.target {{ stroke-width: 1.5; stroke-dasharray: 6 3; }}
.trajectory {{ fill: none; stroke: #8a929c; stroke-width: 1; stroke-dasharray: 2 3; }}
.milestone {{ fill: #fff; stroke: #5b6470; stroke-width: 1.3; }}
.baseline {{ fill: #fff; stroke: #1b1b1b; stroke-width: 1.5; }}
.chart-legend {{ font-size: 12px; color: #4a525c; margin: 4px 0 8px; }}
.chart-legend svg {{ vertical-align: middle; }}
.targets {{ list-style: none; padding: 0; margin: 6px 0 0; font-size: 12.5px; }}
.targets li {{ margin: 6px 0 0; }}
blockquote {{ margin: 2px 0 0 0; padding-left: 8px; border-left: 3px solid #e1e4e8;
  color: #3a414a; }}
cite {{ display: block; font-style: normal; font-size: 11px; color: #6b7480; }}
.failures {{ color: {FALL_COLOUR}; font-size: 12px; }}
.plain {{ width: 100%; max-width: 980px; }}
.plain td {{ border-bottom: 1px solid #e1e4e8; padding: 4px 8px; vertical-align: top;
  font-size: 12.5px; background: #fff; }}
.plain td:first-child {{ width: 300px; }}
.nodata {{ color: #4a525c; background: #f1f2f4; padding: 8px; margin: 4px 0; }}
.misses th, .misses td {{ border-bottom: 1px solid #e1e4e8; padding: 5px 7px; text-align: left;
  vertical-align: top; font-size: 12.5px; }}
.misses th {{ background: #eef0f2; white-space: nowrap; }}
.misses .num {{ text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }}
.misses .quote {{ min-width: 260px; }}
.misses .source {{ font-size: 11px; color: #6b7480; }}
footer {{ max-width: 1320px; margin: 30px auto; padding: 0 20px; color: #6b7480;
  font-size: 12px; }}
@media print {{ body {{ background: #fff; }} .scroll {{ overflow: visible; }} }}
"""


def render(data: ReportData, warehouse_path: Path, built_at: datetime | None = None) -> str:
    built_at = built_at or datetime.now().astimezone()
    counts = Counter(r.status for r in data.targets)
    status_line = " ".join(f"{_badge(s)} {counts[s]}" for s in STATUSES)
    try:
        modified = datetime.fromtimestamp(warehouse_path.stat().st_mtime).astimezone()
        source = f"{warehouse_path} (modified {modified:%Y-%m-%d %H:%M %Z})"
    except OSError:
        source = str(warehouse_path)
    years = (
        f"{data.data_years[0]}–{data.data_years[1]}" if data.data_years else "no indicator values"
    )
    regions = (
        "".join(_region_section(data, code, name) for code, name in data.regions.items())
        or '<p class="none">The warehouse enforces no target.</p>'
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>规划目标进展 Plan-target progress</title>
<style>{CSS}</style>
</head>
<body>
<header>
<h1>教育规划目标进展 <span class="en">Education plan-target progress</span></h1>
<p class="meta">Built {built_at:%Y-%m-%d %H:%M %Z} from {_e(source)}</p>
<p class="meta">Indicator data {_e(years)} · {len(data.targets)} enforced targets in
{len(data.regions)} regions ({data.enforced_rows} of {data.catalogue_rows} catalogue targets
enforced; the others name an indicator or subgroup the extracts cannot give)</p>
<p class="meta status-counts">{status_line}</p>
</header>
<main>
<h2>状态热力图 <span class="en">Status by region and indicator (worst target of each
cell)</span></h2>
{_heat_map(data)}
<h2>最大差距 <span class="en">Worst misses: missed, then at risk; binding first; largest
shortfall first</span></h2>
{_misses_table(data)}
<h2>各地区 <span class="en">By region</span></h2>
{_chart_legend()}
{regions}
</main>
<footer>Statuses are those of <code>marts.mart_plan_progress</code>: a target-year value is
met or missed; before the target year a value is on track or at risk against the milestone on a
straight line from the plan's published baseline; 只增不减 targets are checked year on year;
no value, or a city whose counties have not all reported, is “no data”, never met.</footer>
</body>
</html>
"""
