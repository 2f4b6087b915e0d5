"""The manifest that comes with a plan document: `<document>.manifest.json` beside it.

    {"title": "洛阳市“十四五”教育事业发展规划", "region_code": "410300", "kind": "five_year",
     "period_start": 2021, "period_end": 2025, "issue_date": "2022-03-01"}

The plan id is derived from it, never from the file name: `<region_code>_<kind>_<start>_<end>`
(`410300_five_year_2021_2025`). A file name changes between deliveries; the region, kind and
period are what make a plan the same plan, so a re-issued document with the same manifest
supersedes the earlier one, while 十四五 (2021–2025) and 十五五 (2026–2030) of one region are two
plans. Two different plans of one region, kind and period (say a preschool and a vocational
three-year plan of the same years) would collide: such a bureau delivers them as one plan or
adds them to the catalogue by hand.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

from orchestration.plans.documents import PlanRefused, display_name

KINDS = {"five_year": 5, "three_year": 3, "annual": 1}  # kind → years its period spans
FIELDS = ("title", "region_code", "kind", "period_start", "period_end", "issue_date")
MANIFEST_SUFFIX = ".manifest.json"


class ManifestRefused(PlanRefused):
    """The manifest is missing, not JSON, or a field is missing or invalid."""


@dataclass(frozen=True)
class PlanManifest:
    title: str
    region_code: str
    kind: str
    period_start: int
    period_end: int
    issue_date: dt.date

    @property
    def plan_id(self) -> str:
        return f"{self.region_code}_{self.kind}_{self.period_start}_{self.period_end}"

    @property
    def baseline_year(self) -> int:
        """The year a plan's published baseline figures describe when it names none: the year
        before its period (十四五 plans report 2020; a 2024 work plan reports 2023)."""
        return self.period_start - 1


def manifest_path(document: Path) -> Path:
    return document.with_name(document.name + MANIFEST_SUFFIX)


def read_manifest(document: str | Path, landing_dir: Path | None = None) -> PlanManifest:
    """The manifest beside `document`, checked field by field."""
    document = Path(document)
    path = manifest_path(document)
    name = display_name(path, landing_dir)
    if not path.is_file():
        raise ManifestRefused(
            f"{display_name(document, landing_dir)} has no manifest: put {path.name} beside it."
        )
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ManifestRefused(f"{name} is not a JSON object in UTF-8.") from None
    if not isinstance(raw, dict):
        raise ManifestRefused(f"{name} is not a JSON object in UTF-8.")
    return parse_manifest(raw, name)


def parse_manifest(raw: dict, name: str = "the manifest") -> PlanManifest:
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise ManifestRefused(
            f"{name} has a field this warehouse does not know, {unknown[0]!r}: the fields are "
            + ", ".join(FIELDS)
            + "."
        )
    for key in FIELDS:
        if raw.get(key) in (None, ""):
            raise ManifestRefused(f"{name} has no {key}.")
    title = raw["title"]
    if not isinstance(title, str) or not title.strip():
        raise ManifestRefused(f"{name} has a title that is not text.")
    region = raw["region_code"]
    # a JSON number is accepted as long as it spells six digits (no leading zero exists in
    # Chinese division codes, so nothing is lost)
    region = str(region) if isinstance(region, int) and not isinstance(region, bool) else region
    if not isinstance(region, str) or not re.fullmatch(r"[1-9]\d{5}", region):
        raise ManifestRefused(
            f"{name} has region_code {raw['region_code']!r}, not a six-digit division code."
        )
    kind = raw["kind"]
    if kind not in KINDS:
        raise ManifestRefused(f"{name} has kind {kind!r}: use five_year, three_year or annual.")
    start = _year(raw["period_start"], "period_start", name)
    end = _year(raw["period_end"], "period_end", name)
    if end < start:
        raise ManifestRefused(f"{name} has period_end {end} before period_start {start}.")
    if end - start + 1 != KINDS[kind]:
        raise ManifestRefused(
            f"{name} has period_end {end}: a {kind} plan from {start} ends in "
            f"{start + KINDS[kind] - 1}."
        )
    issued = raw["issue_date"]
    try:
        if not isinstance(issued, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", issued):
            raise ValueError
        issue_date = dt.date.fromisoformat(issued)
    except ValueError:
        raise ManifestRefused(f"{name} has issue_date {issued!r}, not a date YYYY-MM-DD.") from None
    return PlanManifest(title.strip(), region, kind, start, end, issue_date)


def _year(value, key: str, name: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1949 <= value <= 2100:
        raise ManifestRefused(f"{name} has {key} {value!r}, not a year.")
    return value
