"""The indicators a candidate can name, and the suggestion of one from the plan's words.

Indicators are the warehouse's computed ones (`seeds/indicators.csv`) and those defined only for
the catalogue (`seeds/plan_indicators.csv`), read as data. Plans name an indicator in many ways
(学前教育毛入园率, 学前三年毛入园率, 毛入园率); `ALIASES` adds the usual other names of the
indicators the warehouse computes. A suggestion is sure only when a whole name or alias appears in
the text; otherwise the indicator whose name shares most two-character pieces with the text is
proposed and marked unsure.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import zhconv

from orchestration.settings import PROJECT_DIR

SEEDS_DIR = PROJECT_DIR / "seeds"
INDICATOR_SEEDS = ("indicators.csv", "plan_indicators.csv")

# Other names plans use for the indicators the warehouse computes (simplified characters; text
# in traditional characters is converted before matching).
ALIASES: dict[str, tuple[str, ...]] = {
    "preschool_gross_enrolment_rate": ("学前教育毛入园率", "学前三年毛入园率", "毛入园率"),
    "inclusive_kindergarten_coverage": ("普惠性幼儿园覆盖率", "普惠率", "普惠性资源覆盖率"),
    "public_kindergarten_share": (
        "公办幼儿园在园幼儿占比",
        "公办园在园幼儿占比",
        "公办园占比",
        "公办率",
    ),
    "compulsory_consolidation_rate": ("九年义务教育巩固率", "义务教育巩固率"),
    "junior_retention_rate": ("初中三年巩固率",),
    "senior_gross_enrolment_rate": ("高中阶段毛入学率", "高中阶段教育毛入学率"),
    "disabled_compulsory_enrolment_rate": (
        "残疾儿童少年义务教育入学率",
        "残疾儿童少年入学率",
        "残疾儿童入学率",
        "残疾学生入学率",
    ),
    "migrant_public_school_share": ("随迁子女在公办学校就读比例", "随迁子女"),
    "private_compulsory_share": ("民办义务教育在校生占比", "民办义务教育"),
    "compulsory_dropouts": ("辍学", "失学辍学", "控辍保学"),
    "large_classes": ("大班额",),
    "super_large_classes": ("超大班额",),
    "dual_qualified_teacher_share": ("双师型教师占比", "双师型教师比例", "双师型"),
    "teacher_rotation_rate": ("交流轮岗",),
    "edu_general_budget": ("一般公共预算教育支出", "教育支出"),
    "edu_budget_per_pupil": ("按在校学生人数平均的一般公共预算教育支出", "生均一般公共预算"),
    "pupils_enrolled_preschool": ("在园幼儿数", "在园幼儿"),
    "pupils_enrolled_compulsory": ("义务教育在校学生数",),
    "pupils_enrolled_primary": ("普通小学", "小学在校生"),
    "pupils_enrolled_junior": ("普通初中", "初中在校生"),
    "pupils_enrolled_senior": ("高中阶段教育在校学生数",),
    "pupils_enrolled_senior_general": ("普通高中在校生", "普通高中"),
    "pupils_enrolled_senior_vocational": ("中等职业教育", "中职在校生", "中等职业学校在校生"),
}


@dataclass(frozen=True)
class Indicator:
    indicator_id: str
    name_zh: str
    unit: str
    stage_code: str
    direction: str  # higher_is_better | lower_is_better | "" (plan-only indicators)


def simplified(text: str) -> str:
    """Simplified characters; the same length as the input whenever the conversion is one
    character for one, which callers check before using offsets."""
    return zhconv.convert(text, "zh-cn")


@cache
def load_indicators(seeds_dir: Path = SEEDS_DIR) -> dict[str, Indicator]:
    found: dict[str, Indicator] = {}
    for seed in INDICATOR_SEEDS:
        path = seeds_dir / seed
        if not path.is_file():
            continue
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                found.setdefault(
                    row["indicator_id"],
                    Indicator(
                        row["indicator_id"],
                        row.get("indicator_name_zh") or "",
                        row.get("unit") or "",
                        row.get("stage_code") or "",
                        row.get("direction") or "",
                    ),
                )
    return found


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


@dataclass(frozen=True)
class _Index:
    names: tuple[tuple[str, str], ...]  # (name, indicator_id), longest first
    bigrams: dict[str, tuple[str, ...]]  # bigram → names containing it
    name_ids: dict[str, str]


@cache
def _index(seeds_dir: Path) -> _Index:
    indicators = load_indicators(seeds_dir)
    name_ids: dict[str, str] = {}
    for ind in indicators.values():
        for name in (ind.name_zh, *ALIASES.get(ind.indicator_id, ())):
            name = simplified(name).strip()
            if len(name) >= 2:
                name_ids.setdefault(name, ind.indicator_id)
    by_bigram: dict[str, list[str]] = {}
    for name in name_ids:
        for bg in _bigrams(name):
            by_bigram.setdefault(bg, []).append(name)
    names = tuple(sorted(name_ids.items(), key=lambda kv: -len(kv[0])))
    return _Index(names, {k: tuple(v) for k, v in by_bigram.items()}, name_ids)


def suggest_indicator(text: str, seeds_dir: Path = SEEDS_DIR) -> tuple[str | None, bool]:
    """(indicator_id, sure) for the words around a figure, or (None, False)."""
    text = simplified(text)
    index = _index(seeds_dir)
    for name, indicator_id in index.names:
        if len(name) >= 3 and name in text:
            return indicator_id, True
    counts: Counter[str] = Counter()
    for bg in _bigrams(text):
        for name in index.bigrams.get(bg, ()):
            counts[name] += 1
    best, best_score = None, 0.0
    for name, shared in counts.items():
        score = shared / max(len(name) - 1, 1)
        if score > best_score or (score == best_score and best and len(name) > len(best)):
            best, best_score = name, score
    if best is not None and best_score >= 0.5:
        return index.name_ids[best], False
    return None, False
