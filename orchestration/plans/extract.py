"""Candidate targets and baselines proposed from a plan document, for a person to review.

What is proposed (every rule is about a kind of statement, not about one plan):

- **Figures in sentences**: a number with a unit or a percentage (Arabic, full-width or Chinese
  numerals, with 万/亿), or a range (2-3 所, 3—5 个). Its comparator comes from the words around
  it (达到, 不低于, 以上, 超过, 保持在, 控制在, 不超过, 以内, 左右…); its year from the nearest
  year before it in the sentence (到2025年, 2024年, 到 2022↵年), from 十四五末 / 初期 / 中期 /
  未来3年, or else the plan's last year (every 每年 / 逐年 statement is due by then too).
- **Statements without a number** that set one: 消除 / 清零 / 杜绝 / 零辍学 (= 0), 全覆盖 /
  应入尽入 / 全员 (100 %), 只增不减 (non_decreasing), 逐年提高 / 逐步增长 (growth > 0 %), and a
  task with a deadline in an annual plan (4月底前完成: done = 1).
- **Table rows**: indicator tables with year columns (2020 | 2025 | 约束性) give a baseline or a
  target per year column and the binding type of the row; project tables without year columns
  (序号 | 项目 | 年份 | 占地面积(平方米) | 建筑面积(平方米)) give one figure per unit column, due
  in the row's year (its 年份 cell or the end of its construction period). Tables are read
  where they are: in a .docx as real tables (each candidate names its cell), in a .txt as the
  one-cell-per-line layout a flattened table leaves (each candidate names its line), in a .pdf
  as one row per line with the cells separated by spaces.
- **Target or baseline**: a figure for a year before the plan's period is a baseline; so is one
  in a section about the present (现状, 发展基础, 十三五…回顾, 取得成绩) that names no later
  year, dated the year before the period when it names none.

Every candidate names the fields it is unsure of (a defaulted year or comparator, an indicator
matched only loosely, an inherited unit), which the review workbook marks.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from orchestration.plans.documents import Document
from orchestration.plans.figures import (
    Figure,
    comparator_near,
    find_figures,
    find_years,
    normalise,
    to_number,
)
from orchestration.plans.indicators import SEEDS_DIR, load_indicators, suggest_indicator
from orchestration.plans.manifest import PlanManifest

TARGET, BASELINE = "target", "baseline"
BINDING, EXPECTED = "binding", "expected"
COMPARATORS = (">=", ">", "<=", "<", "=", "between", "non_decreasing", "non_increasing")
TREND_COMPARATORS = ("non_decreasing", "non_increasing")
FIELDS_UNSURE = ("kind", "indicator_id", "year", "comparator", "value", "unit", "binding")


@dataclass(frozen=True)
class Candidate:
    candidate_id: str
    kind: str  # target | baseline
    quote: str  # verbatim in the line or cell
    line: int | None  # 1-based line of the document (paragraph of a .docx)
    value: float | None
    value_high: float | None  # upper end of a range (comparator between)
    unit: str
    year: int | None
    comparator: str | None  # one of COMPARATORS; None for a baseline
    binding: str  # binding (约束性) | expected (预期性, and the default)
    indicator_id: str | None
    stage: str = ""
    table: int | None = None  # a .docx table cell: table, row, column (1-based)
    row: int | None = None
    column: int | None = None
    unsure: frozenset[str] = field(default_factory=frozenset)
    reason: str = ""  # what made it a candidate, for the reviewer

    @property
    def place(self) -> str:
        if self.table is not None:
            return f"table {self.table} row {self.row} column {self.column}"
        return f"line {self.line}"


# --- sentences and sections -----------------------------------------------------------------

_SENTENCE_END = "。；;！？!?"
_CLAUSE_END = _SENTENCE_END + "，,"
_HEADING = re.compile(
    r"^\s*(?:第[一二三四五六七八九十]+[章节部分篇]|[一二三四五六七八九十]+[、.．]|"
    r"[（(][一二三四五六七八九十]+[)）]|附件\s*\d*\s*$|\d+[.、．]\s*[^\d\s])"
)
_BASELINE_HEADINGS = (
    "现状",
    "基本情况",
    "发展基础",
    "发展回顾",
    "工作回顾",
    "取得成绩",
    "取得的成绩",
    "主要成绩",
    "主要成就",
    "发展成就",
    "发展环境",
    "十三五发展",
    "十三五”发展",
    "十三五”取得",
    "十三五取得",
)
# words that put a figure in the present (项目前期 is no 目前: hence a pattern)
_BASELINE_CUES = re.compile(r"现有|(?<!项)目前|已有|截至|十三五")
_BRACKETS = re.compile(r"《[^》]*》|〔[^〕]*〕|\[[^\]]*\]|【[^】]*】")


def _is_heading(norm: str) -> bool:
    text = norm.strip()
    return bool(text) and len(text) <= 40 and bool(_HEADING.match(text))


def _heading_level(norm: str) -> int:
    """0 for 第一章, 1 for 一、, 2 for (一), 3 for 1. and the rest."""
    text = norm.strip()
    if re.match(r"第[一二三四五六七八九十]+[章节部分篇]", text):
        return 0
    if re.match(r"[一二三四五六七八九十]+[、.．]", text):
        return 1
    if re.match(r"[（(][一二三四五六七八九十]+[)）]", text):
        return 2
    return 3


def _section_modes(norms: list[str]) -> list[str]:
    """Per line, whether the section it is in reports the present (baseline) or sets targets.
    A section about the present is one whose short heading names it (一、基本现状, 第一章 发展
    基础, (一)“十三五”取得成绩); it lasts until a heading of the same or a higher level."""
    mode, level, modes = TARGET, 9, []
    for norm in norms:
        if _is_heading(norm):
            here = _heading_level(norm)
            title = re.sub(r"^\s*\S{1,6}?[、.．)）章]\s*", "", norm.strip())
            if len(title) <= 14 and any(w in title for w in _BASELINE_HEADINGS):
                mode, level = BASELINE, min(here, level) if mode == BASELINE else here
            elif mode == BASELINE and here <= level:
                mode, level = TARGET, 9
        modes.append(mode)
    return modes


# --- years ----------------------------------------------------------------------------------

_RELATIVE_YEARS = (
    (re.compile(r"[十][二三四五六七八九]五”?\s*(?:末|期末|时期末)"), "end"),
    (re.compile(r"初期"), "start+1"),
    (re.compile(r"中期"), "start+2"),
    (re.compile(r"未来\s*(\d+|[一二三四五])\s*年"), "next"),
    (re.compile(r"年底前|年内|年末|全年|今年|本年度|月底前|月底之前|月末"), "end"),
)


def _relative_year(text: str, plan: PlanManifest) -> int | None:
    for pattern, rule in _RELATIVE_YEARS:
        m = pattern.search(text)
        if not m:
            continue
        if rule == "end":
            return plan.period_end
        if rule == "start+1":
            return plan.period_start + 1
        if rule == "start+2":
            return plan.period_start + 2
        n = to_number(m.group(1))
        if n:
            return plan.period_start + int(n) - 1
    return None


def _outside_brackets(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _BRACKETS.finditer(text)]


def _in_spans(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


# --- the statements without a number --------------------------------------------------------

_KEYWORD_RULES: tuple[tuple[re.Pattern, str, float | None, str, str], ...] = (
    # (pattern, comparator, value, unit, reason)
    (re.compile(r"只增不减|逐年(?:提高|增长|增加|上升)"), "non_decreasing", None, "", "只增不减"),
    (
        re.compile(r"只减不增|逐年(?:下降|减少|降低)|化解|压减|巩固[^，,。；]{0,12}(?:成果|治理)"),
        "non_increasing",
        None,
        "",
        "只减不增 / 化解 / 巩固成果",
    ),
    (
        re.compile(
            r"消除|清零|杜绝|免除|严禁|禁止|不出现|不发生|补齐|补足|彻底解决|"
            r"零(?:辍学|失学|发生|感染|投诉|差错|失误|事故|伤亡)|“零"
        ),
        "=",
        0.0,
        "count",
        "消除/清零/杜绝",
    ),
    (
        re.compile(
            r"全覆盖|全面覆盖|覆盖(?:所有|全体|全部|各)|应[^\s，,。；]{1,2}尽[^\s，,。；]{1,2}|"
            r"全员(?:培训|覆盖|参与|测评)|全面达标|全部达标|全面普及|全部完成|全面完成|全部开通|"
            r"全面接入|同工同酬|所有[^，,。；]{1,12}(?:均|都|全部)|开齐|开足|配齐|全面实施|"
            r"全面推行|全员"
        ),
        ">=",
        100.0,
        "%",
        "全覆盖/应…尽…",
    ),
    (
        # a region passing a national or provincial assessment (优质均衡, 普及普惠), and every
        # school or county doing something (各校按规定开设, 每个乡镇至少创建1所)
        re.compile(
            r"(?:通过|申报|迎接)[^，,。；]{0,30}(?:评估|验收|认定)|"
            r"(?:普及普惠|优质均衡)[^，,。；]{0,12}[县区市][^，,。；]{0,4}创建|"
            r"^(?:各|每个|每所)[^，,。；]{0,12}?(?:均|都)?(?:成立|开设|建立|配备|设立|建成|创建)|"
            r"一[校园人生班]一(?:品|案|策|专班|措施|特色|章程)"
        ),
        ">=",
        100.0,
        "%",
        "通过评估 / 各校 / 一校一…",
    ),
    (
        # a recognition or designation won, one of it (被评为全国终身学习品牌, 创建示范区)
        re.compile(
            r"被评为|获评|荣获|成功创建|"
            r"创建[^，,。；]{0,20}(?:示范|试点|先进|模范|标准化)[^，,。；]{0,8}(?:区|县|市|校|单位|工作)"
        ),
        ">=",
        1.0,
        "count",
        "被评为 / 创建示范 (one)",
    ),
    (
        re.compile(r"一[校园]一(?:品|特色)|一[校园]多品"),
        ">=",
        1.0,
        "count per school",
        "一校一品",
    ),
    (
        re.compile(r"逐步(?:增长|提高)|稳步(?:增长|提高)|持续增长"),
        ">",
        0.0,
        "%",
        "逐步增长 (growth)",
    ),
)
# 每月 / 每季度 / 双月 without a count: so many times a year
_FREQUENCIES: tuple[tuple[re.Pattern, float], ...] = (
    (re.compile(r"每月|按月|一月一|月度|每个月|月报"), 12.0),
    (re.compile(r"每季|按季|季度"), 4.0),
    (re.compile(r"双月"), 6.0),
    (re.compile(r"每半年|半年一次"), 2.0),
)
_DEADLINE = re.compile(
    r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})月(?:底|末|份|中旬|上旬|下旬)?(?:之)?前(?:完成)?|"
    r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})月末|年底前|年内完成|年末|争创|申创"
)


# A task clause that lists named things (建成A、B和C): the count of things is its figure.
_TASK_VERB = re.compile(
    r"建成|新建|续建|改扩建|扩建|迁建|启动|完成|推进|推动|举办|承办|组建|成立|开展|打造|培育|"
    r"创建|争创|申创|实施|制定|修订|完善|建设|建立|办好|组织|落实|发挥|以"
)
_TASK_START = re.compile(
    r"(?:\d{4}年|年内|进一步|全力|持续|认真|扎实|积极|加快|全面)?\s*"
    r"(?:做好|建设|组建|成立|开展|完成|编制|制定|修订|出台|召开|举办|建立|启动|创建|申报|组织|"
    r"争创|创成|通过)"
)
_ITEM_SPLIT = re.compile(r"、|和|及|与|以及")


def _enumerated(clause: str) -> int:
    """How many named items a task clause lists (0 when it lists none): names separated by
    、 (and a 和 / 及 before the last), or quoted names side by side (“A”“B”, 《A》《B》)."""
    if not _TASK_VERB.search(clause):
        return 0
    runs = re.finditer(r"(?:[“《][^”》]{1,20}[”》]){2,}", clause)
    quoted = max((len(re.findall(r"[“《][^”》]{1,20}[”》]", m.group(0))) for m in runs), default=0)
    if quoted >= 2:
        return quoted
    if "、" not in clause:
        return 0
    # the list ends at 等 (and the like) when the plan says so
    body = clause.split("等")[0]
    if "、" not in body:
        return 0
    first = body.index("、")
    start = max(body.rfind(ch, 0, first) for ch in "，,:：；") + 1
    parts = [p for p in _ITEM_SPLIT.split(body[start:]) if p.strip()]
    if len(parts) < 2 or any(len(p) > 30 for p in parts):
        return 0
    return len(parts)


def _has_figure(clause: str) -> bool:
    return any(f.unit for f in find_figures(clause))


# A plan that names the national 优质均衡 standard for measures it lists (生均教学仪器设备值、
# 网络多媒体教室达到优质均衡评估标准) sets those measures' thresholds, which the warehouse keeps
# in seeds/balance_standards.csv: one candidate per measure and stage.
_STANDARD = re.compile(r"优质均衡[^，,。；]{0,6}(?:评估)?标准")
_MEASURE_WORDS = {
    "equipment_value_per_pupil": ("仪器设备",),
    "multimedia_classrooms_per_100": ("多媒体教室",),
    "floor_area_per_pupil": ("教学及辅助用房",),
    "sports_ground_per_pupil": ("运动场馆", "运动场地"),
    "backbone_teachers_per_100": ("骨干教师",),
    "qualified_teachers_per_100": ("规定学历",),
    "pe_arts_teachers_per_100": ("体育、艺术", "体育艺术"),
}


def _balance_standards(seeds_dir: Path) -> list[dict[str, str]]:
    path = seeds_dir / "balance_standards.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# --- the extractor --------------------------------------------------------------------------


@dataclass
class _Context:
    plan: PlanManifest
    seeds_dir: Path
    out: list[Candidate] = field(default_factory=list)
    last_unit: str = ""  # of the table row before, for a 其中 row that names none

    def add(self, **fields) -> None:
        self.out.append(Candidate(candidate_id="", **fields))


def extract_candidates(
    document: Document, plan: PlanManifest, seeds_dir: Path = SEEDS_DIR
) -> list[Candidate]:
    """Candidate targets and baselines of a plan document, in document order, numbered."""
    ctx = _Context(plan, seeds_dir)
    norms = [normalise(line) for line in document.lines]
    table_lines = _flattened_tables(document.lines, norms, ctx)
    _spaced_table_rows(document.lines, norms, table_lines, ctx)
    _prose(document.lines, norms, table_lines, ctx)
    for table in document.tables:
        _docx_table(table, ctx)
    return _finish(ctx.out)


def _finish(candidates: list[Candidate]) -> list[Candidate]:
    seen, out = set(), []
    key_order = sorted(
        candidates,
        key=lambda c: (c.table or 0, c.row or 0, c.column or 0, c.line or 0),
    )
    for c in key_order:
        key = (c.line, c.table, c.row, c.column, c.kind, c.value, c.value_high, c.year,
               c.comparator, c.unit)  # fmt: skip
        if key in seen:
            continue
        seen.add(key)
        out.append(c)
    return [replace(c, candidate_id=f"C{i:04d}") for i, c in enumerate(out, start=1)]


def _indicator(ctx: _Context, text: str) -> tuple[str | None, bool]:
    return suggest_indicator(text, ctx.seeds_dir)


def _stage(ctx: _Context, indicator_id: str | None) -> str:
    if not indicator_id:
        return ""
    ind = load_indicators(ctx.seeds_dir).get(indicator_id)
    return ind.stage_code if ind else ""


def _default_comparator(ctx: _Context, indicator_id: str | None, sure: bool = True) -> str:
    ind = load_indicators(ctx.seeds_dir).get(indicator_id) if indicator_id and sure else None
    return "<=" if ind and ind.direction == "lower_is_better" else ">="


def _kind_and_year(
    ctx: _Context, year: int | None, mode: str, context: str
) -> tuple[str, int, set[str]]:
    """Target or baseline, its year, and which of the two were guessed."""
    plan, unsure = ctx.plan, set()
    if year is not None:
        kind = BASELINE if year < plan.period_start else TARGET
        return kind, year, unsure
    if mode == BASELINE or _BASELINE_CUES.search(context):
        unsure.update({"year"})
        return BASELINE, plan.baseline_year, unsure
    relative = _relative_year(context, plan)
    if relative is not None:
        return TARGET, relative, unsure
    unsure.add("year")
    return TARGET, plan.period_end, unsure


# --- prose ----------------------------------------------------------------------------------

# words after which a number without a unit is still a figure (差异系数小于 0.5)
_BARE_AFTER = re.compile(r"(?:小于|低于|大于|高于|不超过|不低于|不高于|达到|控制在|[≤≥<>])\s*$")
# a clause that makes use of what exists (发挥, 用好, 依托, 巩固…成果) reports the present
_PRESENT = re.compile(r"(?:充分)?(?:发挥|依托)|巩固[^，,。；]*成果|在\s*\d")
_ONCE = ("一次", "一轮")
_GROWTH_VERB = re.compile(r"增加|新增|建设|新建|学位|接纳|容纳")
_SPEC_WORDS = ("面积", "占地", "投资", "概算", "用地", "教学班", "轨", "共计", "规模为")


def _prose(lines, norms, table_lines: dict[int, int | None], ctx: _Context) -> None:
    modes = _section_modes(norms)
    carry = ""  # the unfinished sentence of earlier wrapped lines
    nonempty = [i for i, n in enumerate(norms) if n.strip()]
    next_of = {a: b for a, b in zip(nonempty, nonempty[1:], strict=False)}
    for i, norm in enumerate(norms):
        if not norm.strip():
            continue
        if _is_heading(norm):
            carry = ""
        in_table = i in table_lines
        row_year = table_lines.get(i)
        if in_table and (len(norm.strip()) < 8 or _is_cell_number(norm)):
            carry = ""
            continue
        stripped = norm.rstrip()
        nxt = norms[next_of[i]].strip()[:8] if i in next_of else ""
        joined = stripped + (nxt if stripped and stripped[-1] not in _SENTENCE_END else "")
        _prose_line(lines[i], norm, joined, i + 1, carry, modes[i], row_year, in_table, ctx)
        carry = "" if stripped[-1:] in _SENTENCE_END else (carry + stripped)[-60:]


def _is_cell_number(norm: str) -> bool:
    return bool(re.fullmatch(r"\s*[><≥≤]?\s*-?\d+(?:\.\d+)*\s*%?\s*", norm))


def _clauses(norm: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for j, ch in enumerate(norm):
        if ch in _CLAUSE_END:
            spans.append((start, j))
            start = j + 1
    spans.append((start, len(norm)))
    return [(a, b) for a, b in spans if norm[a:b].strip()]


def _sentence_start(norm: str, pos: int) -> int:
    cut = max(norm.rfind(ch, 0, pos) for ch in _SENTENCE_END)
    return cut + 1


def _quote(line: str, a: int, b: int) -> str:
    return line[a:b].strip()


def _prose_line(line, norm, joined, number, carry, mode, row_year, in_table, ctx) -> None:
    plan = ctx.plan
    spans = _outside_brackets(joined)
    figures = [
        f for f in find_figures(joined) if f.start < len(norm) and not _in_spans(f.start, spans)
    ]
    years = [y for y in find_years(joined) if not _in_spans(y.start, spans)]
    clauses = _clauses(norm)
    prev: Figure | None = None
    prev_comparator: str | None = None
    for f in figures:
        bare = not f.unit
        if bare and not _BARE_AFTER.search(norm[max(0, f.start - 6) : f.start]):
            continue  # a bare number in a sentence is a code or a list number, unless 小于 0.5
        a, b = next(((a, b) for a, b in clauses if a <= f.start < b), (f.start, len(norm)))
        s_start = _sentence_start(norm, f.start)
        sentence_before = (carry if s_start == 0 else "") + norm[s_start : f.start]
        after = joined[f.end : f.end + 4]
        window_start = max(a, prev.end if prev and prev.end > a else a)
        comparator = comparator_near(norm[window_start : f.start], after)
        if comparator is None and prev is not None and prev.end > a:
            between = norm[prev.end : f.start]
            if re.fullmatch(r"[\s、和及与或/]*", between):
                comparator = prev_comparator  # 分别不超过 45 人、50 人
        if comparator is None and window_start == a:
            comparator = comparator_near(sentence_before[-12:], after)
        year = _year_before(joined, years, f.start, s_start, carry)
        from_row = year is None and row_year is not None
        if from_row:
            year = row_year
        context = sentence_before + norm[f.start : b]
        kind, year, unsure = _kind_and_year(ctx, year, mode, context)
        if from_row:
            kind = TARGET  # a project row's year is when it is due (see _emit_cell)
        present = plan.kind == "annual" and _PRESENT.match(norm[a:b].strip())
        if kind == TARGET and present and year == plan.period_end:
            # 发挥 8 所实验校的作用: what the region has, named while setting the year's work
            kind, year = BASELINE, plan.baseline_year
            unsure.update({"kind", "year"})
        indicator_id, sure = _indicator(ctx, norm[a : f.start] or context)
        if not sure:
            unsure.add("indicator_id")
        if kind == BASELINE:
            comparator_out = None
        elif f.value_high is not None:
            comparator_out = "between"
        elif comparator is not None:
            comparator_out = comparator
        elif norm[max(0, f.start - 3) : f.start].strip().endswith("达标"):
            comparator_out = "="  # 3 项达标 97 所: how many schools stand where, a stated count
        elif f.unit == "minutes" and "圈" in joined[f.end : f.end + 6]:
            comparator_out = "<="  # 15分钟健身圈: within 15 minutes
        elif f.unit == "years" and (
            norm[max(0, f.start - 1) : f.start] == "每" or joined[f.end : f.end + 2] in _ONCE
        ):
            comparator_out = "<="  # 每2年调整一次, 三年一次: at least that often
        else:
            # a project's size (面积, 投资, 教学班, and anything a project table's row states
            # without 新增 / 建设) is stated, not a floor; otherwise a plan's number is a
            # minimum unless its indicator is one where lower is better
            grows = _GROWTH_VERB.search(norm[a:b])  # 增加学位, 共计 4800 个学位: places added
            spec = any(w in norm[a:b] for w in _SPEC_WORDS) and not f.approximate
            spec = (spec or in_table) and not grows
            comparator_out = "=" if spec else _default_comparator(ctx, indicator_id, sure)
            if f.unit == "ratio":
                comparator_out = "<="  # 师生比 1:19: at most 19 pupils to one teacher
            unsure.add("comparator")
        unit = f.unit
        if unit in ("万", "亿", ""):
            unsure.add("unit")
        if (
            kind == TARGET
            and unit == "persons"
            and norm[max(0, f.start - 2) : f.start].strip() == "前"
        ):
            unit, comparator_out = "rank", "<="  # 进入全州前 3 位: a rank of 3 or better
            unsure.discard("comparator")
        ctx.add(
            kind=kind,
            quote=_quote(line, a, b),
            line=number,
            value=f.value,
            value_high=f.value_high,
            unit=unit,
            year=year,
            comparator=comparator_out,
            binding=_binding_words(norm),
            indicator_id=indicator_id,
            stage=_stage(ctx, indicator_id),
            unsure=frozenset(unsure),
            reason="figure in a sentence" if not in_table else "figure in a table cell",
        )
        prev, prev_comparator = f, comparator
    _keywords(line, norm, number, carry, mode, clauses, years, row_year, ctx)


def _named_standard(line, norm, number, a, b, clause, mode, years, carry, ctx) -> None:
    sentence_end = min((norm.find(ch, b) for ch in _SENTENCE_END if norm.find(ch, b) >= 0),
                       default=len(norm))  # fmt: skip
    if not _STANDARD.search(norm[a:sentence_end]):
        return
    year = _year_before(norm, years, a, _sentence_start(norm, a), carry)
    kind, year, unsure = _kind_and_year(ctx, year, mode, clause)
    if kind != TARGET:
        return
    for row in _balance_standards(ctx.seeds_dir):
        words = _MEASURE_WORDS.get(row["measure_id"], ())
        if not any(w in clause for w in words):
            continue
        ctx.add(
            kind=TARGET,
            quote=_quote(line, a, b),
            line=number,
            value=float(row["threshold"]),
            value_high=None,
            unit=row["unit"],
            year=year,
            comparator=">=",
            binding=EXPECTED,
            indicator_id=row["measure_id"],
            stage=row["stage_code"],
            unsure=frozenset(unsure | {"value"}),
            reason="优质均衡 standard named (threshold from seeds/balance_standards.csv)",
        )


def _binding_words(norm: str) -> str:
    return BINDING if "约束性" in norm else EXPECTED


def _year_before(norm, years, pos, s_start, carry) -> int | None:
    """The year a figure is due: the last year named before it in its sentence (or in the
    wrapped lines before, when its sentence began there), else one named just after it in the
    same sentence."""
    before = [y for y in years if s_start <= y.start < pos]
    if before:
        return before[-1].year
    if s_start == 0 and carry:
        carried = find_years(carry)
        if carried:
            return carried[-1].year
    after = [y for y in years if pos <= y.start < pos + 30]
    if after and not any(ch in _SENTENCE_END for ch in norm[pos : after[0].start]):
        return after[0].year
    return None


def _keywords(line, norm, number, carry, mode, clauses, years, row_year, ctx) -> None:
    plan = ctx.plan
    flagged = False
    for a, b in clauses:
        clause = norm[a:b]
        s_start = _sentence_start(norm, a)
        sentence_before = (carry if s_start == 0 else "") + norm[s_start:a]
        for pattern, comparator, value, unit, reason in _KEYWORD_RULES:
            m = pattern.search(clause)
            if not m:
                continue
            year = _year_before(norm, years, a + m.start(), s_start, carry)
            if year is None and row_year is not None:
                year = row_year
            kind, year, unsure = _kind_and_year(ctx, year, mode, sentence_before + clause)
            indicator_id, sure = _indicator(ctx, clause)
            if not sure:
                unsure.add("indicator_id")
            ctx.add(
                kind=kind,
                quote=_quote(line, a, b),
                line=number,
                value=value,
                value_high=None,
                unit=unit,
                year=year,
                comparator=None if kind == BASELINE else comparator,
                binding=EXPECTED,
                indicator_id=indicator_id,
                stage=_stage(ctx, indicator_id),
                unsure=frozenset(unsure | {"value", "unit"} if value is not None else unsure),
                reason=reason,
            )
        for pattern, per_year in _FREQUENCIES:
            if pattern.search(clause):
                year = _year_before(norm, years, a, s_start, carry)
                kind, year, unsure = _kind_and_year(ctx, year, mode, sentence_before + clause)
                if kind == BASELINE:
                    break
                indicator_id, _ = _indicator(ctx, clause)
                ctx.add(
                    kind=TARGET,
                    quote=_quote(line, a, b),
                    line=number,
                    value=per_year,
                    value_high=None,
                    unit="times/year",
                    year=year,
                    comparator=">=",
                    binding=EXPECTED,
                    indicator_id=indicator_id,
                    stage=_stage(ctx, indicator_id),
                    unsure=frozenset(unsure | {"indicator_id", "value"}),
                    reason="how often (每月 = 12 a year)",
                )
        if _STANDARD.search(norm[s_start:]) and b <= len(norm):
            _named_standard(line, norm, number, a, b, clause, mode, years, carry, ctx)
        items = _enumerated(clause)
        if items >= 2 and not _has_figure(clause):
            year = _year_before(norm, years, a, s_start, carry)
            kind, year, unsure = _kind_and_year(ctx, year, mode, sentence_before + clause)
            if kind == TARGET and plan.kind == "annual" and _PRESENT.match(clause.strip()):
                kind, year = BASELINE, plan.baseline_year  # 发挥A、B、C的引领作用: what exists
                unsure.update({"kind", "year"})
            indicator_id, _ = _indicator(ctx, clause)
            ctx.add(
                kind=kind,
                quote=_quote(line, a, b),
                line=number,
                value=float(items),
                value_high=None,
                unit="count",
                year=year,
                comparator=None if kind == BASELINE else ">=",
                binding=EXPECTED,
                indicator_id=indicator_id,
                stage=_stage(ctx, indicator_id),
                unsure=frozenset(unsure | {"indicator_id", "value"}),
                reason="named items listed (count)",
            )
        if plan.kind == "annual" and not flagged and _TASK_START.match(clause.strip()):
            # a work plan's task is a target of its year: done (1) or not
            flagged = True
            indicator_id, _ = _indicator(ctx, clause)
            ctx.add(
                kind=TARGET,
                quote=_quote(line, a, b),
                line=number,
                value=1.0,
                value_high=None,
                unit="flag",
                year=plan.period_end,
                comparator="=",
                binding=EXPECTED,
                indicator_id=indicator_id,
                stage=_stage(ctx, indicator_id),
                unsure=frozenset({"indicator_id"}),
                reason="a work plan's task (done = 1)",
            )
        if plan.kind == "annual" and _DEADLINE.search(clause):
            indicator_id, _ = _indicator(ctx, clause)
            ctx.add(
                kind=TARGET,
                quote=_quote(line, a, b),
                line=number,
                value=1.0,
                value_high=None,
                unit="flag",
                year=plan.period_end,
                comparator="=",
                binding=EXPECTED,
                indicator_id=indicator_id,
                stage=_stage(ctx, indicator_id),
                unsure=frozenset({"indicator_id"}),
                reason="task with a deadline (done = 1)",
            )


# --- tables ---------------------------------------------------------------------------------

_HEADER_WORDS = (
    "序号",
    "指标",
    "分类",
    "类型",
    "属性",
    "年份",
    "变化",
    "情况",
    "项目",
    "名称",
    "位置",
    "面积",
    "投资",
    "周期",
    "阶段",
    "规模",
    "建设",
    "内容",
    "近期",
    "中长期",
    "单位",
    "备注",
    "目标值",
    "现状",
    "基期",
    "十三五",
    "十四五",
    "平方米",
    "亿元",
    "万元",
    "责任",
)
_START_WORDS = ("序号", "序", "分类", "指标", "主要指标", "项目", "项目名称")
_YEAR_CELL = re.compile(r"\s*((?:19|20)\d{2})(?:\.(\d{1,2}))?\s*(?:年)?\s*")
_NUM_CELL = re.compile(r"\s*([><≥≤])?\s*(-?\d+(?:\.\d+)?)\s*(%)?\s*")
_BIND_CELL = re.compile(r"\s*(约束性|预期性)\s*")
_UNIT_IN_LABEL = re.compile(r"[（(]\s*(万人|万元|亿元|平方米|亩|%|人|所|个|年|元|万人次|人次)")


def _classify(text: str) -> str:
    t = text.strip()
    if _YEAR_CELL.fullmatch(t):
        return "year"
    if _NUM_CELL.fullmatch(t):
        return "num"
    if _BIND_CELL.fullmatch(t):
        return "bind"
    if t in ("-", "—", "–", "~", "至"):
        return "dash"
    return "text"


def _label_unit(label: str) -> str:
    m = _UNIT_IN_LABEL.search(label)
    if not m:
        return "%" if label.rstrip().endswith("%") else ""
    word = m.group(1)
    return {"平方米": "m²", "人": "persons", "所": "count", "个": "count", "年": "years",
            "元": "yuan", "人次": "person-times"}.get(word, word)  # fmt: skip


def _is_header_cell(text: str) -> bool:
    t = text.strip()
    if not t or len(t) > 20:
        return False
    if _YEAR_CELL.fullmatch(t):
        return True
    if t in ("序", "号") or (t[0] in "(（" and len(t) <= 8):
        return True
    return any(w in t for w in _HEADER_WORDS)


@dataclass
class _Cell:
    text: str  # as in the document
    norm: str
    line: int | None = None
    table: int | None = None
    row: int | None = None
    column: int | None = None


def _flattened_tables(lines, norms, ctx: _Context) -> dict[int, int | None]:
    """Tables flattened one cell per line (blank lines between): their candidates, and the
    0-based lines they span mapped to the year of the row each line is in (None outside a
    row with a year), so that prose inside a cell is dated by its row."""
    covered: dict[int, int | None] = {}
    nonempty = [i for i, n in enumerate(norms) if n.strip()]
    k = 0
    while k < len(nonempty):
        i = nonempty[k]
        if norms[i].strip() not in _START_WORDS and not norms[i].strip().startswith("序号"):
            k += 1
            continue
        header, k2 = [], k
        while k2 < len(nonempty) and _is_header_cell(norms[nonempty[k2]]):
            j = nonempty[k2]
            header.append(_Cell(lines[j], norms[j].strip(), line=j + 1))
            k2 += 1
        years = [int(_YEAR_CELL.fullmatch(c.norm).group(1)) for c in header
                 if _YEAR_CELL.fullmatch(c.norm)]  # fmt: skip
        units = [u for c in header if (u := _label_unit(c.norm)) and not years]
        if len(header) < 3 or (not years and not units):
            k += 1
            continue
        cells, k3 = [], k2
        while k3 < len(nonempty):
            j = nonempty[k3]
            text = norms[j].strip()
            if len(text) > 40 or (_is_heading(text) and _classify(text) == "text"):
                break
            cells.append(_Cell(lines[j], text, line=j + 1))
            k3 += 1
        if not cells:
            k += 1
            continue
        serial = any(c.norm.startswith("序") for c in header)
        rows = _rows(cells, serial)
        ctx.last_unit = ""
        for row in rows:
            row_year = _table_row(row, header, years, units, ctx)
            for c in row:
                covered[c.line - 1] = row_year
        for c in header:
            covered[c.line - 1] = None
        k = k3
    return covered


def _rows(cells: list[_Cell], serial: bool) -> list[list[_Cell]]:
    rows: list[list[_Cell]] = []
    current: list[_Cell] = []
    expected = 1
    for n, c in enumerate(cells):
        kind = _classify(c.norm)
        nxt = _classify(cells[n + 1].norm) if n + 1 < len(cells) else ""
        serial_cell = serial and kind == "num" and re.fullmatch(r"0?\d{1,2}", c.norm)
        if serial_cell and int(c.norm) == expected and nxt == "text":
            if current:
                rows.append(current)
            current, expected = [], expected + 1
            continue  # the serial number itself is no figure
        if (
            not serial
            and kind == "text"
            and any(_classify(x.norm) in ("num", "bind") for x in current)
        ):
            rows.append(current)
            current = []
        current.append(c)
    if current:
        rows.append(current)
    return rows


def _table_row(row: list[_Cell], header, years, units, ctx: _Context) -> int | None:
    """Candidates of one table row; returns the row's year (project tables)."""
    kinds = [_classify(c.norm) for c in row]
    labels = [c.norm for c, k in zip(row, kinds, strict=True) if k == "text" and len(c.norm) <= 25]
    label = "".join(labels)
    nums = [c for c, k in zip(row, kinds, strict=True) if k == "num"]
    binding = next(
        (BINDING if "约束" in c.norm else EXPECTED for c, k in zip(row, kinds, strict=True)
         if k == "bind"),
        None,
    )  # fmt: skip
    row_years = [int(_YEAR_CELL.fullmatch(c.norm).group(1)) for c, k in zip(row, kinds,
                 strict=True) if k == "year"]  # fmt: skip
    row_year = max(row_years) if row_years else None
    _emit_row(ctx, label, nums, years, units, row_year, binding)
    return row_year


def _emit_row(ctx, label, nums, years, units, row_year, binding):
    if not nums:
        return
    unit_label = _label_unit(label)
    inherited = False
    if not unit_label and years and ctx.last_unit:
        # 其中:普通小学 under 在校学生数(万人): a sub-row names no unit of its own
        unit_label, inherited = ctx.last_unit, True
    indicator_id, sure = _indicator(ctx, label) if label else (None, False)
    if years:
        # values fill the year columns from the right when a row leaves one empty (a new
        # indicator has no baseline); values beyond the year columns (变化情况) are no figures
        if len(nums) >= len(years):
            pairs = list(zip(nums[: len(years)], years, strict=True))
        else:
            pairs = list(zip(nums, years[-len(nums) :], strict=True))
        for cell, year in pairs:
            _emit_cell(ctx, cell, year, unit_label, inherited, indicator_id, sure, binding,
                       year_sure=len(nums) >= len(years), comparator_default=None)  # fmt: skip
    else:
        for n, cell in enumerate(nums):
            unit = units[n] if n < len(units) else (units[-1] if units else "")
            _emit_cell(ctx, cell, row_year, unit, False, indicator_id, sure, binding,
                       year_sure=row_year is not None, comparator_default="=")  # fmt: skip
    ctx.last_unit = unit_label


def _emit_cell(ctx, cell, year, unit, inherited, indicator_id, sure, binding, year_sure,
               comparator_default):  # fmt: skip
    m = _NUM_CELL.fullmatch(cell.norm)
    sign, value, pct = m.group(1), float(m.group(2)), m.group(3)
    unit = unit or ("%" if pct else "")
    plan = ctx.plan
    unsure = set()
    if year is None:
        year, year_sure = plan.period_end, False
    if not year_sure:
        unsure.add("year")
    if not sure:
        unsure.add("indicator_id")
    if inherited or not unit:
        unsure.add("unit")
    # a year column before the period holds baselines; a project row's year is when the
    # project is due, a target even when it falls before the period (the plan still lists it)
    kind = BASELINE if year < plan.period_start and comparator_default != "=" else TARGET
    comparator = {">": ">", "≥": ">=", "<": "<", "≤": "<="}.get(sign or "")
    if kind == BASELINE:
        comparator = None
    elif comparator is None:
        comparator = comparator_default or _default_comparator(ctx, indicator_id, sure)
        unsure.add("comparator")
    ctx.add(
        kind=kind,
        quote=cell.text.strip(),
        line=cell.line,
        table=cell.table,
        row=cell.row,
        column=cell.column,
        value=value,
        value_high=None,
        unit=unit,
        year=year,
        comparator=comparator,
        binding=binding or EXPECTED,
        indicator_id=indicator_id,
        stage=_stage(ctx, indicator_id),
        unsure=frozenset(unsure | (set() if binding else {"binding"})),
        reason="table row",
    )


_SPACED_SPLIT = re.compile(r"\s+")


def _spaced_table_rows(lines, norms, covered, ctx: _Context) -> None:
    """Tables whose rows are one line each, cells separated by spaces (a PDF's text layer):
    a header line with two or more year cells gives the columns of the rows below it, until a
    line that is not a row."""
    years: list[int] = []
    for i, norm in enumerate(norms):
        if i in covered:
            continue
        tokens = [t for t in _SPACED_SPLIT.split(norm.strip()) if t]
        token_years = [int(t) for t in tokens if re.fullmatch(r"(?:19|20)\d{2}", t)]
        if (
            len(token_years) >= 2
            and len(tokens) <= 8
            and any(w in norm for w in ("指标", "项目", "序号"))
        ):
            years = token_years
            covered[i] = None
            continue
        if not years:
            continue
        kinds = [_classify(t) for t in tokens]
        if len(tokens) < 2 or "num" not in kinds or len(norm.strip()) > 60:
            years = []
            continue
        if kinds[0] == "num" and len(kinds) > 1 and kinds[1] == "text":
            tokens, kinds = tokens[1:], kinds[1:]  # the serial number
        offset = 0
        cells = []
        for t in tokens:
            pos = norm.index(t, offset)
            offset = pos + len(t)
            cells.append(_Cell(lines[i][pos : pos + len(t)], t, line=i + 1))
        label = "".join(c.norm for c, k in zip(cells, kinds, strict=True) if k == "text")
        nums = [c for c, k in zip(cells, kinds, strict=True) if k == "num"]
        binding = next(
            (BINDING if "约束" in t else EXPECTED for t, k in zip(tokens, kinds, strict=True)
             if k == "bind"),
            None,
        )  # fmt: skip
        _emit_row(ctx, label, nums, years, [], None, binding)
        covered[i] = None


def _docx_table(table, ctx: _Context) -> None:
    """A real table: header rows (before the first row with a number) name the year or unit
    of each column; every later row gives one candidate per number cell."""
    header_rows, body = [], []
    for row in table.rows:
        if not body and not any(_classify(normalise(c.text)) == "num" for c in row):
            header_rows.append(row)
        else:
            body.append(row)
    col_year: dict[int, int] = {}
    col_unit: dict[int, str] = {}
    for row in header_rows:
        for c in row:
            t = normalise(c.text).strip()
            if m := _YEAR_CELL.fullmatch(t):
                col_year[c.column] = int(m.group(1))
            elif u := _label_unit(t):
                col_unit[c.column] = u
    previous_unit = ""
    for row in body:
        cells = [
            _Cell(c.text, normalise(c.text).strip(), table=c.table, row=c.row, column=c.column)
            for c in row
        ]
        kinds = [_classify(c.norm) for c in cells]
        label = "".join(c.norm for c, k in zip(cells, kinds, strict=True) if k == "text")
        binding = next(
            (BINDING if "约束" in c.norm else EXPECTED for c, k in zip(cells, kinds, strict=True)
             if k == "bind"),
            None,
        )  # fmt: skip
        row_years = [int(_YEAR_CELL.fullmatch(c.norm).group(1))
                     for c, k in zip(cells, kinds, strict=True) if k == "year"]  # fmt: skip
        row_year = max(row_years) if row_years else None
        label_unit = _label_unit(label)
        inherited = not label_unit and label.startswith("其中") and bool(previous_unit)
        indicator_id, sure = _indicator(ctx, label) if label else (None, False)
        for c, k in zip(cells, kinds, strict=True):
            if k != "num" or (c.column == cells[0].column and re.fullmatch(r"\d{1,2}", c.norm)):
                continue  # the serial number of the row
            year = col_year.get(c.column, row_year)
            unit = label_unit or col_unit.get(c.column, "") or (previous_unit if inherited else "")
            _emit_cell(ctx, c, year, unit, inherited, indicator_id, sure, binding,
                       year_sure=year is not None,
                       comparator_default=None if c.column in col_year else "=")  # fmt: skip
        previous_unit = label_unit or previous_unit


__all__ = ["Candidate", "extract_candidates", "COMPARATORS", "TARGET", "BASELINE"]
