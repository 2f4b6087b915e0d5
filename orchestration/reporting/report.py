"""The plan-progress report: one static HTML page built from the served warehouse.

It shows the status counts, a region × indicator heat map of each cell's worst status, per
region a small chart of each targeted indicator against its target line, baseline and
milestones, and the worst misses with the plan's own sentence.

This module reads the warehouse and arranges what the page shows (which targets, in which
order, each chart's scales); the markup is in the Jinja2 templates beside it, `templates/`:
`report.html.j2` the page, `macros.html.j2` the pieces it repeats, `chart.svg.j2` the SVG charts
(hand-drawn, as macros), `report.css.j2` the stylesheet. The page is one self-contained file
(inline CSS, inline SVG, no JavaScript, no web fonts): bureau intranets often have no internet,
and a single file can be mailed or copied onto a share. Chinese text uses the fonts the
reader's system already has. Every value a template prints is escaped (quotes included).

Milestones and target descriptions come from `expectations.catalogue.Target`, the definitions
the validation used, applied to the baseline the progress mart recorded; statuses are read from
`marts.mart_plan_progress`, never recomputed here. Importable without Dagster.
"""

from __future__ import annotations

import html
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from expectations.catalogue import Baseline, Target
from expectations.progress import COVERAGE, STATUSES, miss_rank, shortfall
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
# how a catalogue row is covered (expectations.progress.COVERAGE), as the report labels it
COVERAGE_LABELS = (
    ("computed", "计算 computed"),
    ("reported", "填报 reported"),
    ("awaiting report", "待填报 awaiting"),
    ("qualitative", "定性 qualitative"),
    ("not enforced", "未执行 not enforced"),
)
BINDING_LABELS = {"binding": "约束性 binding", "expected": "预期性 expected"}
SERIES_COLOUR = "#2b5c8a"
FALL_COLOUR = "#b2182b"

# System CJK fonts on Windows, macOS, and Linux (Noto/Source Han, WenQuanYi): nothing to download
FONT_STACK = (
    '"Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC", '
    '"Source Han Sans SC", "WenQuanYi Micro Hei", "Segoe UI", system-ui, sans-serif'
)

if {k for k, _ in COVERAGE_LABELS} != set(COVERAGE):
    raise RuntimeError("the report's coverage labels differ from expectations.progress.COVERAGE")
if set(SEVERITY) != set(STATUSES) or set(STATUS_LABELS) != set(STATUSES):
    raise RuntimeError("the report's statuses differ from expectations.progress.STATUSES")


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


def _records(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params) if params else con.execute(sql)
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
    # region_code -> computed / reported / awaiting report / qualitative / not enforced -> rows
    coverage: dict[str, Counter] = field(default_factory=dict)
    # region_code -> the catalogue rows still awaiting the bureau's report
    awaiting: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    plan_id: str | None = None  # the plan the report is restricted to, if any
    version: str | None = None  # meta.published_version of the serving file, when it has one


def load(warehouse_path: Path, plan_id: str | None = None) -> ReportData:
    """What the report shows, from the warehouse; restricted to one plan's targets when
    `plan_id` is given (marts.dim_plan)."""
    where = "" if plan_id is None else "where plan_id = $plan"
    params = {} if plan_id is None else {"plan": plan_id}
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        progress = _records(
            con,
            f"select * from marts.mart_plan_progress {where} "
            "order by region_code, indicator_id, target_year, target_id",
            params,
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
            "select count(*), count(*) filter (where is_enforced) "
            f"from marts.mart_target_coverage {where}",
            params,
        ).fetchone()
        coverage_rows = _records(
            con,
            f"select region_code, coverage, count(*) as n from marts.mart_target_coverage {where} "
            "group by 1, 2",
            params,
        )
        awaiting_rows = _records(
            con,
            """
            select c.region_code, c.region_name, c.target_id, c.indicator_id,
                   i.indicator_name_zh,
                   c.target_year, c.source_quote
            from marts.mart_target_coverage as c
            left join marts.dim_indicator as i on c.indicator_id = i.indicator_id
            where c.coverage = 'awaiting report'"""
            + ("" if plan_id is None else " and c.plan_id = $plan")
            + " order by c.region_code, c.target_year, c.indicator_id, c.target_id",
            params,
        )
        first, last = con.execute(
            "select min(year), max(year) from marts.mart_indicator_values"
        ).fetchone()
        try:
            version = con.execute("select version from meta.published_version").fetchone()
        except duckdb.CatalogException:  # a staging file, or one published before versions
            version = None

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
    coverage: dict[str, Counter] = defaultdict(Counter)
    for r in coverage_rows:
        coverage[r["region_code"] or ""][r["coverage"]] += int(r["n"])
    awaiting: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in awaiting_rows:
        awaiting[r["region_code"] or ""].append(r)
    # a region whose only rows await a report still gets its section: it has to send them
    named = {r["region_code"]: r["region_name"] for r in awaiting_rows if r["region_code"]}
    named |= {t.target.region_code: t.target.region_name for t in targets}
    regions = dict(sorted(named.items()))
    return ReportData(
        targets=targets,
        indicators=indicators,
        series=dict(series),
        regions=regions,
        catalogue_rows=int(catalogue_rows),
        enforced_rows=int(enforced_rows),
        data_years=None if first is None else (int(first), int(last)),
        coverage=coverage,
        awaiting=dict(awaiting),
        plan_id=plan_id,
        version=version[0] if version else None,
    )


def build_report(warehouse_path: Path, out_dir: Path, plan_id: str | None = None) -> Path:
    """Write the report of the warehouse at `warehouse_path` (opened read-only) to
    `out_dir/index.html` and return that path; only one plan's targets if `plan_id`."""
    data = load(warehouse_path, plan_id)
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


@dataclass(frozen=True)
class ChartScale:
    """The scales of one small chart: years across, values up, with round tick steps. The
    chart itself is drawn by the `chart` macro of templates/chart.svg.j2."""

    x0: int
    x1: int
    lo: float
    hi: float
    step: float
    width: int = 380
    height: int = 200
    left: int = 56
    right: int = 14
    top: int = 12
    bottom: int = 26

    @property
    def plot_w(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> int:
        return self.height - self.top - self.bottom

    def x(self, year: float) -> float:
        return self.left + (year - self.x0) / (self.x1 - self.x0) * self.plot_w

    def y(self, value: float) -> float:
        return self.top + (self.hi - value) / (self.hi - self.lo) * self.plot_h

    def y_ticks(self) -> list[tuple[float, str]]:
        """(height on the chart, label) of each value tick, from the bottom up."""
        ticks, tick = [], self.lo
        while tick <= self.hi + self.step / 2:
            ticks.append((self.y(tick), _fmt_tick(round(tick, 10))))
            tick += self.step
        return ticks

    def x_ticks(self) -> range:
        """The years labelled: every year, or every other one over more than ten."""
        return range(self.x0, self.x1 + 1, 1 if self.x1 - self.x0 <= 10 else 2)

    def points(self, pairs: list[tuple[float, float]]) -> str:
        """An SVG `points` attribute: (year, value) pairs placed on the chart."""
        return " ".join(f"{self.x(a):.1f},{self.y(b):.1f}" for a, b in pairs)


def chart_scale(series: dict[int, float | None], rows: list[TargetRow]) -> ChartScale | None:
    """The scales of one region's indicator chart: every value, target, baseline and milestone
    in view. None when the region has no value of it, so there is nothing to draw."""
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
    return ChartScale(x0, x1, math.floor(lo / step) * step, math.ceil(hi / step) * step, step)


def series_segments(series: dict[int, float | None]) -> list[list[tuple[int, float]]]:
    """The runs of consecutive years with a value, of two years or more: a missing year breaks
    the line."""
    segment: list[tuple[int, float]] = []
    segments = [segment]
    for year in range(min(series), max(series) + 1):
        value = series.get(year)
        if value is None:
            segment = []
            segments.append(segment)
        else:
            segment.append((year, value))
    return [seg for seg in segments if len(seg) > 1]


# ---------------------------------------------------------------------------------------------
# Page


@dataclass(frozen=True)
class Card:
    """One targeted indicator of a region: its worst status, values, chart scales, targets."""

    indicator: Indicator
    status: str
    series: dict[int, float | None]
    scale: ChartScale | None
    targets: list[TargetRow]


@dataclass(frozen=True)
class RegionView:
    code: str
    name: str
    counts: Counter
    has_values: bool
    cards: list[Card]
    coverage: Counter  # computed / reported / awaiting report / qualitative / not enforced
    awaiting: list[dict[str, Any]]  # the figures the bureau has yet to report


@dataclass(frozen=True)
class HeatCell:
    status: str
    targets: int
    tally: str  # "1 missed, 1 met"


def _indicator(data: ReportData, indicator_id: str) -> Indicator:
    return data.indicators.get(indicator_id) or Indicator(indicator_id, indicator_id, "", "")


def _indicator_order(data: ReportData, wanted) -> list[str]:
    known = [i for i in data.indicators if i in wanted]
    return known + sorted(i for i in wanted if i not in data.indicators)


def _region_view(data: ReportData, code: str, name: str) -> RegionView:
    rows = [r for r in data.targets if r.target.region_code == code]
    by_indicator: dict[str, list[TargetRow]] = defaultdict(list)
    for r in rows:
        by_indicator[r.target.indicator_id].append(r)
    cards = []
    for indicator_id in _indicator_order(data, by_indicator):
        targets = by_indicator[indicator_id]
        series = data.series.get((code, indicator_id), {})
        cards.append(
            Card(
                indicator=_indicator(data, indicator_id),
                status=worst_status([r.status for r in targets]),
                series=series,
                scale=chart_scale(series, targets),
                targets=targets,
            )
        )
    has_values = any(
        v is not None for (c, _), s in data.series.items() if c == code for v in s.values()
    )
    return RegionView(
        code,
        name,
        Counter(r.status for r in rows),
        has_values,
        cards,
        data.coverage.get(code, Counter()),
        data.awaiting.get(code, []),
    )


def _heat_map(data: ReportData) -> list[tuple[Indicator, list[tuple[str, str, HeatCell | None]]]]:
    """Per targeted indicator, one cell per region (code, name, cell): the worst status of its
    targets there, None where it has none."""
    cells: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in data.targets:
        cells[(r.target.region_code, r.target.indicator_id)].append(r.status)
    rows = []
    for indicator_id in _indicator_order(data, {i for _, i in cells}):
        row: list[tuple[str, str, HeatCell | None]] = []
        for code, name in data.regions.items():
            statuses = cells.get((code, indicator_id))
            tally = ", ".join(
                f"{n} {STATUS_LABELS[s][1]}" for s, n in Counter(statuses or []).items()
            )
            cell = HeatCell(worst_status(statuses), len(statuses), tally) if statuses else None
            row.append((code, name, cell))
        rows.append((_indicator(data, indicator_id), row))
    return rows


def _escaped(value: Any) -> Markup:
    """What a template prints, escaped as html.escape escapes (quotes too); the markup macros
    return is left as it is."""
    return value if isinstance(value, Markup) else Markup(html.escape(str(value), quote=True))


TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    finalize=_escaped,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
TEMPLATES.globals.update(
    STATUSES=STATUSES,
    SEVERITY=SEVERITY,
    STATUS_LABELS=STATUS_LABELS,
    COVERAGE_LABELS=COVERAGE_LABELS,
    STATUS_COLOURS=STATUS_COLOURS,
    BINDING_LABELS=BINDING_LABELS,
    SERIES_COLOUR=SERIES_COLOUR,
    FALL_COLOUR=FALL_COLOUR,
    FONT_STACK=FONT_STACK,
    fmt_number=fmt_number,
    fmt_gap=fmt_gap,
    falls=falls,
    milestones=milestones,
    series_segments=series_segments,
)


def render(data: ReportData, warehouse_path: Path, built_at: datetime | None = None) -> str:
    built_at = built_at or datetime.now().astimezone()
    try:
        modified = datetime.fromtimestamp(warehouse_path.stat().st_mtime).astimezone()
        source = f"{warehouse_path} (modified {modified:%Y-%m-%d %H:%M %Z})"
    except OSError:
        source = str(warehouse_path)
    years = (
        f"{data.data_years[0]}–{data.data_years[1]}" if data.data_years else "no indicator values"
    )
    misses = [
        (r, _indicator(data, r.target.indicator_id), shortfall(r.gap, r.due))
        for r in worst_misses(data.targets)
    ]
    return TEMPLATES.get_template("report.html.j2").render(
        data=data,
        built_at=f"{built_at:%Y-%m-%d %H:%M %Z}",
        source=source,
        years=years,
        counts=Counter(r.status for r in data.targets),
        heat_map=_heat_map(data),
        misses=misses,
        regions=[_region_view(data, code, name) for code, name in data.regions.items()],
    )
