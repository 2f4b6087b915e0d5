"""Figures in plan text: numbers (Arabic, full-width or Chinese numerals, with 万/亿), units,
ranges, comparators and years, found by pattern in one line of text.

Chinese numerals are converted by cn2an; traditional characters are read through their
simplified form (zhconv) whenever the conversion keeps every character in place, so that every
offset found in the converted text is an offset in the plan's own line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import cn2an

from orchestration.plans.indicators import simplified

# full-width digits and signs as plans type them (２０２５年, ９５％)
_FULLWIDTH = str.maketrans("０１２３４５６７８９．％～：，－", "0123456789.%~:,-")


def normalise(text: str) -> str:
    """Simplified, half-width text of the same length as `text` (or `text` half-width only)."""
    half = text.translate(_FULLWIDTH)
    converted = simplified(half)
    return converted if len(converted) == len(half) else half


# Units after a number, longest first: (plan's word, unit as the catalogue names it).
UNIT_WORDS: tuple[tuple[str, str], ...] = (
    ("个百分点", "percentage points"),
    ("平方米", "m²"),
    ("平方公里", "km²"),
    ("人次", "person-times"),
    ("学时", "hours"),
    ("课时", "lessons"),
    ("小时", "hours"),
    ("分钟", "minutes"),
    ("公里", "km"),
    ("㎡", "m²"),
    ("%", "%"),
    ("亩", "亩"),
    ("元", "yuan"),
    ("所", "count"),
    ("个", "count"),
    ("家", "count"),
    ("项", "count"),
    ("场", "count"),
    ("套", "count"),
    ("间", "count"),
    ("座", "count"),
    ("处", "count"),
    ("支", "count"),
    ("台", "count"),
    ("件", "count"),
    ("册", "count"),
    ("本", "count"),
    ("条", "count"),
    ("篇", "count"),
    ("批", "count"),
    ("届", "count"),
    ("期", "count"),
    ("轮", "count"),
    ("门", "count"),
    ("类", "count"),
    ("种", "count"),
    ("队", "count"),
    ("块", "count"),
    ("校", "count"),
    ("园", "count"),
    ("班", "count"),
    ("轨", "count"),
    ("名", "persons"),
    ("人", "persons"),
    ("位", "persons"),
    ("次", "times"),
    ("节", "lessons"),
    ("天", "days"),
    ("周", "weeks"),
    ("倍", "times"),
    ("大", "count"),  # 六大行动, 5大项目: so many named lines of work
    ("学科", "count"),
    ("岁", "years of age"),
    ("年", "years"),
    ("米", "m"),
)
_UNIT_RE = "|".join(re.escape(w) for w, _ in UNIT_WORDS)
UNIT_NAMES = dict(UNIT_WORDS)
# A multiplier turns the unit into the catalogue's 万/亿 units (4.85 万人, 69.09 亿元).
_MULTIPLIED = {
    ("万", "persons"): "万人",
    ("万", "person-times"): "万人次",
    ("万", "yuan"): "万元",
    ("亿", "yuan"): "亿元",
    ("万", "m²"): "万平方米",
}
MULTIPLIERS = {"万": 10_000, "亿": 100_000_000}

_CN_DIGITS = "零〇一二两三四五六七八九十百千"
NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
# 400余所, 1万余人次, 20余万人次: 余/多 (more than) sits between the number and its unit
_FIGURE = re.compile(
    rf"(?P<num>{NUMBER}|[{_CN_DIGITS}]+)"
    rf"(?:\s*[-~—–至到]\s*(?P<high>{NUMBER}|[{_CN_DIGITS}]+))?"
    rf"\s*(?P<more>[余多])?\s*(?P<mult>[万亿](?!一))?(?P<more2>[余多])?"
    rf"\s*(?P<unit>{_UNIT_RE})?"
)
# a staffing or class ratio written 1:13.5 / 1∶19 (the figure is the second number)
RATIO = re.compile(rf"(?<![\d.])1\s*[:：∶比]\s*(?P<num>{NUMBER})")
_Y = r"(?:19|20)\d{2}"
# a calendar year: 2025年, 2021-2025年 (both ends), 到2025 / 至 2025 without 年
YEAR_RE = re.compile(
    rf"(?<![\d.])(?P<y1>{_Y})\s*(?:(?P<sep>[-—–~至到])\s*(?P<y2>{_Y})\s*)?(?P<nian>年)?"
)


@dataclass(frozen=True)
class Figure:
    start: int  # offsets in the line
    end: int
    value: float
    value_high: float | None
    unit: str  # catalogue unit name, '' when the number stands alone
    chinese: bool  # written in Chinese numerals
    text: str
    approximate: bool = False  # 余 / 多: "more than" the number


def to_number(text: str) -> float | None:
    text = text.replace(",", "")
    try:
        return float(text)
    except ValueError:
        pass
    if text in ("百", "千"):
        return 100.0 if text == "百" else 1000.0  # 百场讲座, 千名教师: cn2an wants 一百
    try:
        return float(cn2an.cn2an(text, "smart"))
    except (ValueError, KeyError, TypeError):
        return None
    except Exception:  # cn2an raises its own error types for text that is not a numeral
        return None


def base_value(value: float | None, unit: str) -> float | None:
    """The value in the unit's base unit: 4.85 万人 → 48 500, 69.09 亿元 → 6.909e9."""
    if value is None:
        return None
    return value * MULTIPLIERS.get(unit[:1], 1)


def find_figures(norm: str) -> list[Figure]:
    """Every number in a (normalised) line that may be a figure: with a unit, a percentage,
    or a bare number (the caller decides whether a bare number counts). Calendar years,
    dates, ordinals (第五届) and document numbers (〔2021〕55 号) are left out."""
    found = []
    for m in _FIGURE.finditer(norm):
        num, unit_word, mult = m.group("num"), m.group("unit"), m.group("mult")
        chinese = not num[0].isdigit()
        start, end = m.start(), m.end()
        before = norm[max(0, start - 1) : start]
        after = norm[end : end + 2]
        if chinese:
            # a Chinese numeral counts only with a unit word, never as an ordinal or inside a
            # word (一流, 十四五, 三年行动 are not figures)
            every = unit_word == "年" and norm[end : end + 2] in ("一次", "一轮")
            if not unit_word or before == "第" or unit_word in ("期", "类", "种", "门"):
                continue
            if unit_word == "年" and not every:
                continue  # 三年行动 names a plan; 三年一次 is an interval
            if num in ("一", "两") and unit_word in ("批", "体", "校", "园", "轮", "节"):
                continue  # 一批 (a batch) and 一校一品 are words; 每年一次 is a figure
        else:
            if before in ("第", "〔", "[", "【") or before.isdigit() or before == ".":
                continue
            if after[:1] in ("月", "日", "号", "〕", "]", "】") and not unit_word:
                continue
            if unit_word == "年" or (not unit_word and after[:1] == "年"):
                value = to_number(num)
                if value is not None and 1900 <= value <= 2100:
                    continue  # a calendar year, handled by find_years
        if unit_word is None and mult is None and not chinese and after[:1] in ("+", "”", '"'):
            continue  # "1+N" and codes in quotes are names, not figures
        value = to_number(num)
        if value is None:
            continue
        if not unit_word and not mult and 1900 <= value < 2101:
            continue  # a bare 2022 or 2021.8 is a year (or a year and month), not a figure
        high = to_number(m.group("high")) if m.group("high") else None
        if high is not None and high <= value:
            high = None  # "2021-2022" read as a range only when it rises
        unit = UNIT_NAMES.get(unit_word, "") if unit_word else ""
        if mult:
            # 万 alone (its unit word wrapped onto the next line) stays a bare multiplier
            unit = _MULTIPLIED.get((mult, unit), mult + (unit_word or ""))
        more = bool(m.group("more") or m.group("more2"))
        if more and not (unit_word or mult):
            continue  # 多 without a unit is a word (多元, 多样)
        found.append(Figure(start, end, value, high, unit, chinese, norm[start:end], more))
    for m in RATIO.finditer(norm):
        value = to_number(m.group("num"))
        if value is not None:
            # the ratio replaces the two bare numbers it is made of
            found = [f for f in found if not (m.start() <= f.start < m.end())]
            found.append(Figure(m.start(), m.end(), value, None, "ratio", False, m.group(0)))
    found.sort(key=lambda f: f.start)
    return found


@dataclass(frozen=True)
class YearMention:
    start: int
    end: int
    year: int


def find_years(norm: str) -> list[YearMention]:
    years = []
    for m in YEAR_RE.finditer(norm):
        after = norm[m.end() : m.end() + 1]
        if after.isdigit() or after == ".":
            continue
        preceded = norm[max(0, m.start() - 2) : m.start()]
        if not (m.group("nian") or m.group("y2") or "到" in preceded or "至" in preceded):
            continue  # 2000 万元 is money, not a year
        years.append(YearMention(m.start(), m.end(), int(m.group("y1"))))
        if m.group("y2"):
            years.append(YearMention(m.start(), m.end(), int(m.group("y2"))))
    return years


# Comparator words, most specific first, as (pattern, comparator). Read before a figure...
PRE_COMPARATORS: tuple[tuple[str, str], ...] = (
    ("不得少于", ">="),
    ("不得低于", ">="),
    ("不得超过", "<="),
    ("不得高于", "<="),
    ("不低于", ">="),
    ("不少于", ">="),
    ("不小于", ">="),
    ("至少", ">="),
    ("最少", ">="),
    ("≥", ">="),
    (">=", ">="),
    ("不超过", "<="),
    ("不高于", "<="),
    ("不大于", "<="),
    ("不多于", "<="),
    ("最多", "<="),
    ("≤", "<="),
    ("<=", "<="),
    ("控制在", "<="),
    ("超过", ">"),
    ("高于", ">"),
    ("大于", ">"),
    ("多于", ">"),
    ("突破", ">"),
    (">", ">"),
    ("低于", "<"),
    ("小于", "<"),
    ("少于", "<"),
    ("<", "<"),
    ("约", "="),
    ("左右", "="),
    ("达到", ">="),
    ("提高到", ">="),
    ("提高至", ">="),
    ("提升到", ">="),
    ("提升至", ">="),
    ("增加到", ">="),
    ("增至", ">="),
    ("保持在", ">="),
    ("稳定在", ">="),
    ("保持", ">="),
    ("达", ">="),
)
# ...and after it.
POST_COMPARATORS: tuple[tuple[str, str], ...] = (
    ("及以上", ">="),
    ("以上", ">="),
    ("及以下", "<="),
    ("以下", "<="),
    ("以内", "<="),
    ("之内", "<="),
    ("左右", "="),
)


def comparator_near(before: str, after: str) -> str | None:
    """The comparator the words around a figure give: a word after it (以上, 以内) wins, then
    the comparator word before it that ends last within the clause (the longer one when two
    end together: 不低于 rather than 低于, 达到 rather than 达)."""
    tail = after.lstrip("%")
    for word, comparator in POST_COMPARATORS:
        if tail.startswith(word):
            return comparator
    before = before.replace("达标", "  ")  # 3 项达标 97 所: 达标 (meets the standard) is no 达
    best: tuple[int, int] | None = None
    found = None
    for word, comparator in PRE_COMPARATORS:
        pos = before.rfind(word)
        if pos < 0:
            continue
        key = (pos + len(word), len(word))
        if best is None or key > best:
            best, found = key, comparator
    return found
